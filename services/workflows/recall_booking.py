"""Booking a recall visit from the recall row, through the schedule's one booking check.

The proposal is the first open time of a hygienist (Open Dental's Slots, asked per provider:
without a ProvNum it answers for the practice default provider only), screened by the booking
check (the hygienist free in every chair, a hygiene chair, office hours); the person sees it
in the booking dialog, which checks again and asks before anything is written. The visit is
created with Appointments POST; the recall then gets its "scheduled" call (Recalls PUT Status
and its commlog) and leaves Enamel's recall list.

Open Dental itself sets a recall's DateScheduled only from an appointment carrying the recall's
procedures, which Appointments POST does not attach: Enamel remembers the call's outcome
("scheduled") so the row does not come back while Open Dental's own list may still show it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, time, timedelta

from services.access import Actor, require_read
from services.audit import Outcome
from services.pms.records import OpenSlot, PmsError, Provider
from services.workflows.booking import BookingCheck, BookingRequest, BookingService
from services.workflows.context import DeskContext
from services.workflows.recall import PURPOSE, RecallItem, RecallService

log = logging.getLogger("services.workflows.recall_booking")
VISIT_MINUTES = 30  # a recall visit's length as proposed (the dialog lets the person change it)
SEARCH_DAYS = 14


def _hygienists(providers: list[Provider]) -> list[Provider]:
    shown = [p for p in providers if not p.is_hidden]
    return [p for p in shown if p.is_hygienist] or shown


class RecallBookingService:
    def __init__(self, ctx: DeskContext, booking: BookingService, recalls: RecallService) -> None:
        self._ctx = ctx
        self._booking = booking
        self._recalls = recalls

    def proposal(self, actor: Actor) -> BookingRequest:
        """The first time from tomorrow that passes the booking check for a hygienist in a
        hygiene chair (or tomorrow's opening in the first hygiene chair, for the dialog to
        say why and offer a start, when none does). No patient data is read."""
        require_read(actor, PURPOSE, self._ctx.clock.now())
        providers, operatories = self._booking.reference()
        start = self._ctx.today() + timedelta(days=1)
        length = timedelta(minutes=VISIT_MINUTES)
        offered: list[tuple[OpenSlot, BookingRequest]] = []
        for prov in _hygienists(providers):
            for slot in self._ctx.pms.open_slots(
                start, start + timedelta(days=SEARCH_DAYS), VISIT_MINUTES, prov_num=prov.prov_num
            ):
                if slot.end - slot.start >= length:
                    request = self._booking.request_in(
                        slot.start, VISIT_MINUTES, slot.op_num, slot.prov_num
                    )
                    offered.append((slot, request))
        offered.sort(key=lambda pair: (pair[1].start, pair[1].op_num))
        offered = offered[:200]
        checks = self._booking.check_many(actor, [r for _, r in offered])
        ok = [c.request for c in checks if c.ok]
        # A slot whose first minutes are taken elsewhere starts at the start offered inside it.
        shifted = [
            replace(c.request, start=c.offered)
            for (slot, _), c in zip(offered, checks, strict=True)
            if not c.ok and c.offered is not None and slot.start <= c.offered <= slot.end - length
        ]
        again = [c.request for c in self._booking.check_many(actor, shifted[:50]) if c.ok]
        found = sorted([*ok, *again], key=lambda r: (r.start, r.op_num))
        if found:
            return found[0]
        hygiene_ops = [o for o in operatories if o.is_hygiene and not o.is_hidden]
        op = (hygiene_ops or [o for o in operatories if not o.is_hidden])[0]
        prov = (_hygienists(providers) or providers)[0]
        return self._booking.request_in(
            datetime.combine(start, time(8, 0)), VISIT_MINUTES, op.op_num, prov.prov_num
        )

    def check(self, actor: Actor, request: BookingRequest) -> BookingCheck:
        require_read(actor, PURPOSE, self._ctx.clock.now())
        return self._booking.check(actor, request)

    def book(self, actor: Actor, item: RecallItem, request: BookingRequest) -> int:
        """The visit created at `request` (checked again first; refused with the reason if
        the time was taken meanwhile), then the recall's "scheduled" call recorded in Open
        Dental (or kept for later if it cannot be reached) and the recall left off the
        list. The AptNum, or 0 when Open Dental cannot be reached: the booking and then the
        call are kept, and the "pms_writes" job sends them in that order."""
        apt_num = self._booking.book(actor, PURPOSE, item.recall.pat_num, request)
        try:
            self._recalls.mark(actor, item, "scheduled")
        except PmsError as exc:  # the visit is booked; the call's record failed (audited)
            log.warning("recall.booked_status_failed", extra={"error_class": type(exc).__name__})
            self._ctx.gateway.record(
                actor,
                "recall_scheduled",
                purpose=PURPOSE,
                outcome=Outcome.FAILURE,
                resource_type="recall",
                patient_number=item.recall.pat_num,
            )
            self._ctx.repo.add_recall_contact(
                item.recall.pat_num, item.recall.recall_num, "scheduled", actor.actor_id,
                self._ctx.clock.now(),
            )  # fmt: skip
        return apt_num
