"""Booking writes kept while Open Dental cannot be reached (services.workflows.pending).

A move (no-show rebooking, the ASAP list), a new appointment (an Enamel waitlist wish, a
recall) and a confirmation are each kept in `pms_writes` before they are sent. Sent now or by
the "pms_writes" job later, each is checked by the booking check right before it is written
(a time taken meanwhile is refused with the reason and set aside), and a write that may have
landed is looked for first, never blindly repeated: the appointment already at that time and
chair (a move; a new one for that patient), the commlog carrying the write's own reference.
PUT Confirm sets one value, so sending it again is the same write.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.access import Actor, Purpose
from services.audit import Outcome
from services.pms.records import ConfirmStatus, PmsError, PmsUnavailable
from services.workflows.context import DeskContext, touched_appointments
from services.workflows.pending import PendingWrites

if TYPE_CHECKING:
    from services.workflows.booking import BookingRequest, BookingService

log = logging.getLogger("services.workflows.booking_writes")
MOVE, BOOK, CONFIRM = "appointment_move", "appointment_book", "appointment_confirm"


def request_payload(r: BookingRequest) -> dict[str, Any]:
    return {
        "start": r.start.isoformat(),
        "minutes": r.minutes,
        "op_num": r.op_num,
        "prov_num": r.prov_num,
        "prov_hyg": r.prov_hyg,
        "is_hygiene": r.is_hygiene,
        "moving": r.moving,
    }


def request_from(d: dict[str, Any]) -> BookingRequest:
    from services.workflows.booking import BookingRequest

    return BookingRequest(
        datetime.fromisoformat(str(d["start"])), int(d["minutes"]), int(d["op_num"]),
        int(d["prov_num"]), int(d["prov_hyg"]), bool(d["is_hygiene"]), int(d["moving"]),
    )  # fmt: skip


class BookingWrites:
    """The handlers of the three kinds, registered with the desk's PendingWrites."""

    def __init__(self, ctx: DeskContext, service: BookingService, pending: PendingWrites) -> None:
        self._ctx = ctx
        self._service = service
        self.pending = pending
        self._created = threading.local()  # the AptNum a BOOK handler made, for its caller
        pending.register(MOVE, self._move)
        pending.register(BOOK, self._book)
        pending.register(CONFIRM, self._confirm)

    def submit(self, kind: str, key: str, payload: dict[str, Any], actor: Actor) -> bool:
        """True: Open Dental has it; False: kept, and audited as queued."""
        self._created.apt_num = 0
        if self.pending.submit(kind, key, payload, actor):
            return True
        self._service.record(
            actor,
            Purpose(payload["purpose"]),
            str(payload["action"]),
            Outcome.PARTIAL,
            int(payload.get("apt_num") or 0) or None,
            int(payload["pat_num"]) or None,
            ("queued",),
        )
        return False

    def created(self) -> int:
        return int(getattr(self._created, "apt_num", 0))

    def waiting(self, kind: str) -> set[str]:
        return self.pending.pending_keys(kind)

    # -- the handlers (actor, payload, write_id, from_queue) ------------------------------

    def _move(self, actor: Actor, p: dict[str, Any], write_id: int, from_queue: bool) -> None:
        purpose, action = Purpose(p["purpose"]), str(p["action"])
        request, apt_num, pat_num = request_from(p["request"]), int(p["apt_num"]), int(p["pat_num"])
        flags = ("from_queue",) if from_queue else ()
        if from_queue and self._already_there(actor, request, apt_num=apt_num):
            self._service.record(
                actor, purpose, action, Outcome.SUCCESS, apt_num, pat_num,
                (*flags, "already_applied"),
            )  # fmt: skip
        else:
            self._service.checked(actor, purpose, action, request, pat_num)
            self._send(
                actor, purpose, action, apt_num, pat_num, flags,
                lambda: self._ctx.pms.reschedule(
                    apt_num, request.start, request.op_num, request.prov_num,
                    priority=p.get("priority"),
                ),
            )  # fmt: skip
        self._commlog(actor, purpose, p, write_id, from_queue)

    def _book(self, actor: Actor, p: dict[str, Any], write_id: int, from_queue: bool) -> None:
        purpose, action = Purpose(p["purpose"]), str(p["action"])
        request, pat_num = request_from(p["request"]), int(p["pat_num"])
        flags = ("from_queue",) if from_queue else ()
        found = self._already_there(actor, request, pat_num=pat_num) if from_queue else 0
        if found:
            self._service.record(
                actor, purpose, action, Outcome.SUCCESS, found, pat_num,
                (*flags, "already_applied"),
            )  # fmt: skip
        else:
            self._service.checked(actor, purpose, action, request, pat_num)
            created: list[int] = []
            self._send(
                actor, purpose, action, None, pat_num, flags,
                lambda: created.append(
                    self._ctx.pms.create_appointment(
                        pat_num, request.start, request.op_num, minutes=request.minutes,
                        prov_num=request.prov_num, prov_hyg=request.prov_hyg or None,
                        is_hygiene=request.is_hygiene,
                    )
                ),
                number=lambda: created[0],
            )  # fmt: skip
            found = created[0]
        self._created.apt_num = found
        if p.get("wish_id"):  # an Enamel waitlist wish leaves the list once it is booked
            self._ctx.repo.remove_wish(int(p["wish_id"]), self._ctx.clock.now())

    def _confirm(self, actor: Actor, p: dict[str, Any], write_id: int, from_queue: bool) -> None:
        apt_num, status = int(p["apt_num"]), ConfirmStatus(p["status"])
        self._send(
            actor, Purpose(p["purpose"]), str(p["action"]), apt_num, int(p["pat_num"]),
            ("from_queue",) if from_queue else (),
            lambda: self._ctx.pms.confirm(apt_num, status),
        )  # fmt: skip

    # -- helpers ----------------------------------------------------------------------------

    def _send(
        self,
        actor: Actor,
        purpose: Purpose,
        action: str,
        apt_num: int | None,
        pat_num: int,
        flags: tuple[str, ...],
        write: Any,
        number: Any = None,
    ) -> None:
        try:
            write()
        except PmsUnavailable:
            raise  # kept pending (audited as queued by the caller, or still waiting)
        except Exception:
            self._service.record(actor, purpose, action, Outcome.FAILURE, apt_num, pat_num, flags)
            raise
        landed = number() if number is not None else apt_num
        self._service.record(actor, purpose, action, Outcome.SUCCESS, landed, pat_num, flags)

    def _already_there(
        self, actor: Actor, request: BookingRequest, *, apt_num: int = 0, pat_num: int = 0
    ) -> int:
        """The appointment (this one, or a new one of this patient) already at the request's
        time and chair: an earlier attempt landed. Its AptNum, or 0. No patient data read."""
        from services.workflows.booking import CHECK_PURPOSE, HOLDS_TIME

        day = request.start.date()
        found = self._ctx.gateway.read(
            actor,
            CHECK_PURPOSE,
            "booking_check",
            lambda: self._ctx.pms.appointments(CHECK_PURPOSE, day, day, pat_num=pat_num or None),
            touched_appointments,
            resource_type="appointment",
        )
        for a in found:
            if apt_num and a.apt_num != apt_num:
                continue
            if (a.start, a.op_num) == (request.start, request.op_num) and a.status in HOLDS_TIME:
                return a.apt_num
        return 0

    def _commlog(
        self, actor: Actor, purpose: Purpose, p: dict[str, Any], write_id: int, from_queue: bool
    ) -> None:
        """The follow-up's commlog (a no-show rebooked), with the write's reference: looked
        for before it is sent from the queue. Sent now, a failure is recorded, not raised
        (the move has landed); from the queue, an unreachable PMS keeps the write pending."""
        note = str(p.get("commlog") or "")
        if not note:
            return
        pat_num = int(p["pat_num"])
        marker = f"(Enamel ref {write_id})"
        when = self._ctx.calendar.local(self._ctx.clock.now()).replace(tzinfo=None)
        try:
            if from_queue and self._ctx.pms.has_commlog(pat_num, marker):
                return
            self._ctx.pms.add_commlog(pat_num, f"{note} {marker}", when=when)
        except PmsUnavailable:
            if from_queue:
                raise
            self._commlog_failed(actor, purpose, pat_num)
        except PmsError:
            self._commlog_failed(actor, purpose, pat_num)

    def _commlog_failed(self, actor: Actor, purpose: Purpose, pat_num: int) -> None:
        log.warning("booking.commlog_failed")
        self._ctx.gateway.record(
            actor,
            "commlog_add",
            purpose=purpose,
            outcome=Outcome.FAILURE,
            resource_type="commlog",
            patient_number=pat_num,
        )
