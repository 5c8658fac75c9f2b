"""No-show rescheduling: broken appointments of the last 7 days, open slots, reschedule.

A break in Open Dental usually sends the appointment to the Unscheduled List (`UnschedList`)
rather than leaving it `Broken`, so both are listed. Every call outcome is also written to
the patient's commlog, where the rest of the office sees the follow-up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.access import Actor, Purpose, require_read
from services.audit import Outcome, RecordKind
from services.pms.records import Appointment, AptStatus, OpenSlot
from services.workflows.booking import BookingCheck, BookingRequest, BookingService
from services.workflows.booking_writes import MOVE
from services.workflows.context import DeskContext, touched_appointments
from services.workflows.guard import require_write

log = logging.getLogger("services.workflows.noshow")
PURPOSE = Purpose.NO_SHOW_RESCHEDULING
OUTCOMES = ("reached", "left_message", "declined")  # "rescheduled": reschedule()
COMMLOG_NOTES = {
    "reached": "No-show follow-up: reached the patient.",
    "left_message": "No-show follow-up: left a message.",
    "declined": "No-show follow-up: the patient declined to rebook.",
}


@dataclass(frozen=True)
class NoShow:
    appointment: Appointment
    outcome: str  # "" until someone followed up
    pending: bool = False  # its rebooking waits to be sent to Open Dental


def provider_of(appointment: Appointment) -> int:
    """Whose time the visit needs: the hygienist (ProvHyg) for hygiene, else the ProvNum."""
    if appointment.is_hygiene and appointment.prov_hyg:
        return appointment.prov_hyg
    return appointment.prov_num


class NoShowService:
    def __init__(self, ctx: DeskContext, booking: BookingService) -> None:
        self._ctx = ctx
        self._booking = booking

    def _local_now(self) -> datetime:
        """Open Dental keeps the practice's wall time."""
        return self._ctx.calendar.local(self._ctx.clock.now()).replace(tzinfo=None)

    def recent(self, actor: Actor, days: int = 7) -> list[NoShow]:
        today = self._ctx.today()
        start = today - timedelta(days=days)

        def fetch() -> list[Appointment]:
            return [
                a
                for status in (AptStatus.BROKEN, AptStatus.UNSCHED_LIST)
                for a in self._ctx.pms.appointments(PURPOSE, start, today, status=status)
            ]

        found = self._ctx.gateway.read(
            actor,
            PURPOSE,
            "noshow_list",
            fetch,
            touched_appointments,
            resource_type="appointment",
            listed=True,
        )
        outcomes = self._ctx.repo.noshow_outcomes()
        waiting = self._booking.waiting(MOVE)
        return [
            NoShow(a, outcomes.get(a.apt_num, ""), str(a.apt_num) in waiting)
            for a in sorted(found, key=lambda a: a.start, reverse=True)
        ]

    def slots(self, actor: Actor, appointment: Appointment, days: int = 28) -> list[OpenSlot]:
        """Open slots for this appointment with its own provider (the hygienist for a
        hygiene visit), from tomorrow on, each screened by the booking check: a slot where
        the dentist or hygienist is busy in another chair, the chair is of the wrong kind or
        the office is closed is dropped, and one whose first minute is taken starts at the
        start offered inside it (no PHI in a slot).

        Without a ProvNum Open Dental answers for the practice default provider only.
        """
        require_read(actor, PURPOSE, self._ctx.clock.now())
        start = self._ctx.today() + timedelta(days=1)
        offered = self._ctx.pms.open_slots(
            start,
            start + timedelta(days=days),
            appointment.minutes,
            prov_num=provider_of(appointment),
        )
        requests = [self.request_for(appointment, s.start, s.op_num) for s in offered]
        length = timedelta(minutes=appointment.minutes)
        kept: dict[int, OpenSlot] = {}
        shifted: list[tuple[int, BookingRequest]] = []
        for i, (slot, found) in enumerate(
            zip(offered, self._booking.check_many(actor, requests), strict=True)
        ):
            if found.ok:
                kept[i] = slot
            elif found.offered is not None and slot.start <= found.offered <= slot.end - length:
                shifted.append((i, replace(found.request, start=found.offered)))
        # The offered starts are checked again (all in one read): kind, hours, providers.
        again = self._booking.check_many(actor, [r for _, r in shifted])
        for (i, request), found in zip(shifted, again, strict=True):
            if found.ok:
                kept[i] = replace(offered[i], start=request.start)
        return [kept[i] for i in sorted(kept)]

    def request_for(self, appointment: Appointment, start: datetime, op_num: int) -> BookingRequest:
        """The booking check's question for moving this appointment there: its own dentist
        (ProvNum) and hygienist (ProvHyg), length and kind."""
        return BookingRequest(
            start,
            appointment.minutes,
            op_num,
            appointment.prov_num,
            appointment.prov_hyg or 0,
            bool(appointment.is_hygiene),
            appointment.apt_num,
        )

    def check(self, actor: Actor, request: BookingRequest) -> BookingCheck:
        require_read(actor, PURPOSE, self._ctx.clock.now())
        return self._booking.check(actor, request)

    def reschedule(self, actor: Actor, appointment: Appointment, request: BookingRequest) -> bool:
        """Back on the book at `request`, through the booking checks (refused with the reason
        if the time is no longer free), then noted locally and in the patient's commlog.
        False: Open Dental cannot be reached; the move (and its commlog) is kept and sent by
        the "pms_writes" job, the follow-up shown as waiting meanwhile."""
        slot_start = request.start
        landed = self._booking.move(
            actor,
            PURPOSE,
            appointment,
            request,
            action="appointment_reschedule",
            commlog=f"No-show follow-up: rebooked for {slot_start:%Y-%m-%d %H:%M}.",
        )
        self._ctx.repo.add_noshow_outcome(
            appointment.apt_num,
            "rescheduled",
            slot_start.isoformat(),
            actor.actor_id,
            self._ctx.clock.now(),
        )
        return landed

    def record_outcome(self, actor: Actor, appointment: Appointment, outcome: str) -> None:
        """The call's outcome goes to the patient's commlog first; if the PMS refuses, the
        failure is recorded and the worklist does not change."""
        require_write(self._ctx, actor, PURPOSE, f"noshow_{outcome}", resource_type="appointment")
        if outcome not in OUTCOMES:
            raise ValueError(outcome)

        def record(result: Outcome) -> None:
            self._ctx.gateway.record(
                actor,
                f"noshow_{outcome}",
                purpose=PURPOSE,
                outcome=result,
                resource_type="appointment",
                kind=RecordKind.APPOINTMENT,
                record_number=appointment.apt_num,
                patient_number=appointment.pat_num,
            )

        try:
            self._ctx.pms.add_commlog(
                appointment.pat_num,
                COMMLOG_NOTES[outcome],
                when=self._local_now(),
            )
        except Exception:
            record(Outcome.FAILURE)
            raise
        record(Outcome.SUCCESS)
        self._ctx.repo.add_noshow_outcome(
            appointment.apt_num, outcome, None, actor.actor_id, self._ctx.clock.now()
        )
