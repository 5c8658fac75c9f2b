"""Insurance verification: upcoming appointments with the insurance facts, and a worklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.access import Actor, Purpose
from services.audit import Outcome, RecordKind, Touched
from services.pms.records import Appointment, AptStatus, InsuranceFacts
from services.workflows.context import DeskContext
from services.workflows.guard import require_write

PURPOSE = Purpose.INSURANCE_VERIFICATION
STATUSES = ("unverified", "verified", "problem")
PMS_FIELD = "Ins Verified"


@dataclass(frozen=True)
class VerificationItem:
    appointment: Appointment
    insurance: InsuranceFacts | None
    status: str
    note: str


class InsuranceService:
    def __init__(self, ctx: DeskContext, *, write_back_field: str | None = PMS_FIELD) -> None:
        self._ctx = ctx
        self._field = write_back_field

    def worklist(self, actor: Actor, days_ahead: int = 3) -> list[VerificationItem]:
        today = self._ctx.today()

        def fetch() -> list[tuple[Appointment, InsuranceFacts | None]]:
            appointments = self._ctx.pms.appointments(
                PURPOSE, today, today + timedelta(days=days_ahead), status=AptStatus.SCHEDULED
            )
            facts = self._ctx.pms.insurance_of(PURPOSE, {a.pat_num for a in appointments})
            return [(a, facts[a.pat_num]) for a in appointments]

        def touched(rows: list[tuple[Appointment, InsuranceFacts | None]]) -> list[Touched]:
            return [Touched(RecordKind.INSURANCE, a.apt_num, a.pat_num) for a, _ in rows]

        rows = self._ctx.gateway.read(
            actor,
            PURPOSE,
            "insurance_worklist",
            fetch,
            touched,
            resource_type="insurance",
            listed=True,
        )
        states = self._ctx.repo.insurance_status()
        return [
            VerificationItem(a, facts, *states.get(a.apt_num, ("unverified", "")))
            for a, facts in sorted(rows, key=lambda r: r[0].start)
        ]

    def set_status(self, actor: Actor, item: VerificationItem, status: str, note: str = "") -> None:
        """Write the status back to the PMS first: if it refuses, the failure is recorded and
        neither the PMS nor the worklist changes."""
        require_write(self._ctx, actor, PURPOSE, "insurance_verify", resource_type="insurance")
        if status not in STATUSES:
            raise ValueError(status)
        apt = item.appointment

        def record(outcome: Outcome) -> None:
            self._ctx.gateway.record(
                actor,
                "insurance_verify",
                purpose=PURPOSE,
                outcome=outcome,
                resource_type="insurance",
                kind=RecordKind.APPOINTMENT,
                record_number=apt.apt_num,
                patient_number=apt.pat_num,
                fields=("status",),
            )

        if self._field:
            stamp = self._ctx.today().isoformat()
            try:
                self._ctx.pms.set_appointment_field(apt.apt_num, self._field, f"{status} {stamp}")
            except Exception:
                record(Outcome.FAILURE)
                raise
        record(Outcome.SUCCESS)
        self._ctx.repo.set_insurance_status(
            apt.apt_num, status, note, actor.actor_id, self._ctx.clock.now()
        )
