"""No-show rescheduling: broken appointments of the last 7 days, open slots, reschedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.access import Actor, Field, Purpose, fields_for, require_read
from services.audit import Outcome, RecordKind
from services.pms.records import Appointment, AptStatus, OpenSlot
from services.workflows.context import DeskContext, touched_appointments
from services.workflows.guard import require_write

PURPOSE = Purpose.NO_SHOW_RESCHEDULING
OUTCOMES = ("left_message", "declined")  # "rescheduled" is recorded by reschedule()


@dataclass(frozen=True)
class NoShow:
    appointment: Appointment
    outcome: str  # "" until someone followed up


class NoShowService:
    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def recent(self, actor: Actor, days: int = 7) -> list[NoShow]:
        today = self._ctx.today()
        found = self._ctx.gateway.read(
            actor,
            PURPOSE,
            "noshow_list",
            lambda: self._ctx.pms.appointments(
                PURPOSE, today - timedelta(days=days), today, status=AptStatus.BROKEN
            ),
            touched_appointments,
            resource_type="appointment",
            listed=True,
        )
        outcomes = self._ctx.repo.noshow_outcomes()
        return [
            NoShow(a, outcomes.get(a.apt_num, ""))
            for a in sorted(found, key=lambda a: a.start, reverse=True)
        ]

    def slots(self, actor: Actor, appointment: Appointment, days: int = 14) -> list[OpenSlot]:
        """Open slots long enough for this appointment, from tomorrow on (no PHI in a slot)."""
        require_read(actor, PURPOSE, self._ctx.clock.now())
        start = self._ctx.today() + timedelta(days=1)
        return self._ctx.pms.open_slots(start, start + timedelta(days=days), appointment.minutes)

    def reschedule(
        self,
        actor: Actor,
        appointment: Appointment,
        slot_start: datetime,
        op_num: int,
        prov_num: int,
    ) -> None:
        require_write(
            self._ctx, actor, PURPOSE, "appointment_reschedule", resource_type="appointment"
        )
        names = tuple(
            sorted(f.value for f in fields_for(PURPOSE) & {Field.APPOINTMENT_DATE, Field.STATUS})
        )
        try:
            self._ctx.pms.reschedule(appointment.apt_num, slot_start, op_num, prov_num)
        except Exception:
            self._ctx.gateway.record(
                actor,
                "appointment_reschedule",
                purpose=PURPOSE,
                outcome=Outcome.FAILURE,
                resource_type="appointment",
                kind=RecordKind.APPOINTMENT,
                record_number=appointment.apt_num,
                patient_number=appointment.pat_num,
                fields=names,
            )
            raise
        self._ctx.gateway.record(
            actor,
            "appointment_reschedule",
            purpose=PURPOSE,
            resource_type="appointment",
            kind=RecordKind.APPOINTMENT,
            record_number=appointment.apt_num,
            patient_number=appointment.pat_num,
            fields=names,
        )
        self._ctx.repo.add_noshow_outcome(
            appointment.apt_num,
            "rescheduled",
            slot_start.isoformat(),
            actor.actor_id,
            self._ctx.clock.now(),
        )

    def record_outcome(self, actor: Actor, appointment: Appointment, outcome: str) -> None:
        require_write(self._ctx, actor, PURPOSE, f"noshow_{outcome}", resource_type="appointment")
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        self._ctx.gateway.record(
            actor,
            f"noshow_{outcome}",
            purpose=PURPOSE,
            resource_type="appointment",
            kind=RecordKind.APPOINTMENT,
            record_number=appointment.apt_num,
            patient_number=appointment.pat_num,
        )
        self._ctx.repo.add_noshow_outcome(
            appointment.apt_num, outcome, None, actor.actor_id, self._ctx.clock.now()
        )
