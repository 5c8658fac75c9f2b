"""Insurance verification: upcoming appointments with the insurance facts, and a worklist.

A verification is recorded in Open Dental where the office looks for it: InsVerifies PUT sets
the plan's "Eligibility Last Verified" (and feeds its Insurance Verification List), and the
"Ins Verified" appointment field is written only if the office defined it, with one of its
pick-list items when it is a pick list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.access import Actor, Purpose
from services.audit import Outcome, RecordKind, Touched
from services.pms.records import Appointment, ApptFieldDef, AptStatus, InsuranceFacts
from services.workflows.context import DeskContext
from services.workflows.guard import require_write

PURPOSE = Purpose.INSURANCE_VERIFICATION
STATUSES = ("unverified", "verified", "problem")
PMS_FIELD = "Ins Verified"
# Pick-list items that say each status, in the order tried (compared without case).
PICK_ITEMS = {
    "verified": ("yes", "verified", "y"),
    "problem": ("no", "problem", "n"),
    "unverified": ("unverified", "not verified", "unknown"),
}


@dataclass(frozen=True)
class VerificationItem:
    appointment: Appointment
    insurance: InsuranceFacts | None
    status: str
    note: str
    last_verified: date | None = None  # the plan's "Eligibility Last Verified" in the PMS


@dataclass(frozen=True)
class Recorded:
    """What a status change wrote to the PMS."""

    verified_on: date | None  # the plan's eligibility date the PMS now holds
    field_value: str | None  # what the appointment field got; None when not written
    field_missing: bool  # the office has no such appointment field (or no item that fits)


def field_value(definition: ApptFieldDef | None, status: str, stamp: str) -> str | None:
    """The value for the office's field: free text for a Text field, the fitting item of a
    pick list, or None (no definition, or no item that says this status)."""
    if definition is None:
        return None
    if definition.kind != "PickList":
        return f"{status} {stamp}"
    items = {item.lower(): item for item in definition.pick_list}
    return next((items[c] for c in PICK_ITEMS[status] if c in items), None)


class InsuranceService:
    def __init__(self, ctx: DeskContext, *, write_back_field: str | None = PMS_FIELD) -> None:
        self._ctx = ctx
        self._field = write_back_field

    def worklist(self, actor: Actor, days_ahead: int = 3) -> list[VerificationItem]:
        today = self._ctx.today()

        Row = tuple[Appointment, InsuranceFacts | None, date | None]

        def fetch() -> list[Row]:
            appointments = self._ctx.pms.appointments(
                PURPOSE, today, today + timedelta(days=days_ahead), status=AptStatus.SCHEDULED
            )
            facts = self._ctx.pms.insurance_of(PURPOSE, {a.pat_num for a in appointments})
            plans = {f.pat_plan_num for f in facts.values() if f is not None and f.pat_plan_num}
            verified = self._ctx.pms.eligibility_verified(plans)
            return [
                (a, f, verified.get(f.pat_plan_num) if f is not None else None)
                for a, f in ((a, facts[a.pat_num]) for a in appointments)
            ]

        def touched(rows: list[Row]) -> list[Touched]:
            return [Touched(RecordKind.INSURANCE, a.apt_num, a.pat_num) for a, _, _ in rows]

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
            VerificationItem(a, facts, *states.get(a.apt_num, ("unverified", "")), verified)
            for a, facts, verified in sorted(rows, key=lambda r: r[0].start)
        ]

    def set_status(
        self, actor: Actor, item: VerificationItem, status: str, note: str = ""
    ) -> Recorded:
        """Write the status to the PMS first: if it refuses, the failure is recorded and the
        worklist does not change. "verified" moves the plan's eligibility date to today,
        "problem" keeps the date and records the note; the appointment field follows."""
        require_write(self._ctx, actor, PURPOSE, "insurance_verify", resource_type="insurance")
        if status not in STATUSES:
            raise ValueError(status)
        apt = item.appointment
        plan = item.insurance.pat_plan_num if item.insurance is not None else 0

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
                fields=("status", "date_last_verified") if plan else ("status",),
            )

        today = self._ctx.today()
        verified_on, value, missing = item.last_verified, None, False
        try:
            if plan and status != "unverified":
                verified_on = self._ctx.pms.verify_eligibility(
                    plan, today if status == "verified" else None, note
                )
            if self._field:
                defs = {d.name: d for d in self._ctx.pms.appointment_field_defs()}
                value = field_value(defs.get(self._field), status, today.isoformat())
                missing = value is None
                if value is not None:
                    self._ctx.pms.set_appointment_field(apt.apt_num, self._field, value)
        except Exception:
            record(Outcome.FAILURE)
            raise
        record(Outcome.SUCCESS)
        self._ctx.repo.set_insurance_status(
            apt.apt_num, status, note, actor.actor_id, self._ctx.clock.now()
        )
        return Recorded(verified_on, value, missing)
