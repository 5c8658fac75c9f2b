"""Insurance verification: upcoming appointments with the insurance facts, and a worklist.

A verification is recorded in Open Dental where the office looks for it: InsVerifies PUT sets
the plan's "Eligibility Last Verified" (and feeds its Insurance Verification List), and the
"Ins Verified" appointment field is written only if the office defined it, with one of its
pick-list items when it is a pick list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.access import Actor, Purpose
from services.audit import Outcome, RecordKind, Touched
from services.pms.records import (
    Appointment,
    ApptFieldDef,
    AptStatus,
    InsuranceFacts,
    PmsUnavailable,
)
from services.workflows.context import DeskContext
from services.workflows.guard import require_write
from services.workflows.pending import PendingWrites

PURPOSE = Purpose.INSURANCE_VERIFICATION
STATUSES = ("unverified", "verified", "problem")
PMS_FIELD = "Ins Verified"
WRITE_KIND = "insurance_verify"  # in the queue of writes waiting for the PMS
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
    pending: bool = False  # a change waits to be sent to the PMS


@dataclass(frozen=True)
class Recorded:
    """What a status change wrote to the PMS."""

    verified_on: date | None  # the plan's eligibility date the PMS now holds
    field_value: str | None  # what the appointment field got; None when not written
    field_missing: bool  # the office has no such appointment field (or no item that fits)
    queued: bool = False  # the PMS could not be reached: sent when it is back


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
    def __init__(
        self,
        ctx: DeskContext,
        *,
        write_back_field: str | None = PMS_FIELD,
        pending: PendingWrites | None = None,
    ) -> None:
        self._ctx = ctx
        self._field = write_back_field
        self._pending = pending
        self._sent: Recorded | None = None  # the last write's result (sent under the queue lock)
        if pending is not None:
            pending.register(
                WRITE_KIND,
                lambda actor, payload, _id, queued: self._write(actor, payload, from_queue=queued),
            )

    def worklist(
        self, actor: Actor, days_ahead: int = 3, *, fresh: bool = False
    ) -> list[VerificationItem]:
        """The appointments of the next `days_ahead` days with their insurance; `fresh` when a
        person asked for what Open Dental holds now (the coverage is then not taken from the
        plan lists kept for up to 15 minutes)."""
        today = self._ctx.today()

        Row = tuple[Appointment, InsuranceFacts | None, date | None]

        def fetch() -> list[Row]:
            # The appointments, the directory's changes, the plan lists and the verifications
            # side by side where the mode allows (services/pms/insurance_worklist.py).
            return self._ctx.pms.insurance_worklist(
                PURPOSE,
                today,
                today + timedelta(days=days_ahead),
                status=AptStatus.SCHEDULED,
                fresh=fresh,
            )

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
        waiting = self._pending.pending_keys(WRITE_KIND) if self._pending else set()
        return [
            VerificationItem(
                a,
                facts,
                *states.get(a.apt_num, ("unverified", "")),
                verified,
                str(a.apt_num) in waiting,
            )
            for a, facts, verified in sorted(rows, key=lambda r: r[0].start)
        ]

    def set_status(
        self, actor: Actor, item: VerificationItem, status: str, note: str = ""
    ) -> Recorded:
        """Write the status to the PMS first: if it refuses, the failure is recorded and the
        worklist does not change; if it cannot be reached (and writes may wait), the change
        is kept, shown as pending and sent by the job. "verified" moves the plan's eligibility
        date to today, "problem" keeps the date and records the note; the field follows."""
        require_write(self._ctx, actor, PURPOSE, "insurance_verify", resource_type="insurance")
        if status not in STATUSES:
            raise ValueError(status)
        apt = item.appointment
        payload: dict[str, Any] = {
            "apt_num": apt.apt_num,
            "pat_num": apt.pat_num,
            "plan": item.insurance.pat_plan_num if item.insurance is not None else 0,
            "status": status,
            "note": note,
            "day": self._ctx.today().isoformat(),
            "last_verified": item.last_verified.isoformat() if item.last_verified else None,
        }
        if self._pending is None:
            self._write(actor, payload, from_queue=False)
            done = self._sent
        elif self._pending.submit(WRITE_KIND, str(apt.apt_num), payload, actor):
            done = self._sent
        else:
            self._audit(actor, payload, Outcome.PARTIAL, ("queued",))
            done = Recorded(item.last_verified, None, False, queued=True)
        assert done is not None
        self._ctx.repo.set_insurance_status(
            apt.apt_num, status, note, actor.actor_id, self._ctx.clock.now()
        )
        return done

    def _audit(
        self, actor: Actor, payload: dict[str, Any], outcome: Outcome, flags: tuple[str, ...] = ()
    ) -> None:
        self._ctx.gateway.record(
            actor,
            "insurance_verify",
            purpose=PURPOSE,
            outcome=outcome,
            resource_type="insurance",
            kind=RecordKind.APPOINTMENT,
            record_number=int(payload["apt_num"]),
            patient_number=int(payload["pat_num"]),
            fields=("status", "date_last_verified") if payload["plan"] else ("status",),
            flags=flags,
        )

    def _write(self, actor: Actor, payload: dict[str, Any], *, from_queue: bool) -> None:
        """The PMS calls, each an absolute PUT (sending one twice changes nothing more)."""
        status, plan = str(payload["status"]), int(payload["plan"])
        day = date.fromisoformat(str(payload["day"]))
        last = payload.get("last_verified")
        verified_on = date.fromisoformat(str(last)) if last else None
        value, missing = None, False
        flags = ("from_queue",) if from_queue else ()
        try:
            if plan and status != "unverified":
                verified_on = self._ctx.pms.verify_eligibility(
                    plan, day if status == "verified" else None, str(payload["note"])
                )
            if self._field:
                defs = {d.name: d for d in self._ctx.pms.appointment_field_defs()}
                value = field_value(defs.get(self._field), status, day.isoformat())
                missing = value is None
                if value is not None:
                    self._ctx.pms.set_appointment_field(int(payload["apt_num"]), self._field, value)
        except PmsUnavailable:
            if self._pending is None:  # nothing will send it later: it failed
                self._audit(actor, payload, Outcome.FAILURE, flags)
            raise
        except Exception:
            self._audit(actor, payload, Outcome.FAILURE, flags)
            raise
        self._audit(actor, payload, Outcome.SUCCESS, flags)
        self._sent = Recorded(verified_on, value, missing)
