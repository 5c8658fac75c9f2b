"""The one way PHI is read: check the role, fetch, audit durably, and only then return."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from services.access import Actor, Purpose, fields_for
from services.access.policy import may_read, require_read, via_break_glass
from services.audit.entry import AuditEvent, Outcome
from services.audit.pseudonyms import RecordKind
from services.audit.trail import AuditTrail, AuditUnavailable
from services.clock import Clock

T = TypeVar("T")
log = logging.getLogger("services.audit.gateway")

# The flag on the entries of a list render: a patient appeared on a schedule or a worklist
# the role needs. Without it a patient entry is a record opened (a look-up, a card, an
# export, a change), which is what the breach rules' volume counts.
LISTED = "listed"


@dataclass(frozen=True)
class Touched:
    """One record a read returned: whose, and which record (PMS numbers, pseudonymised here)."""

    kind: RecordKind
    record_number: int | str
    patient_number: int | str | None = None
    fields: tuple[str, ...] | None = None  # None: the purpose's whole field set


class PhiGateway:
    """Every PHI read in services/ goes through `read`.

    The order is the point: permission, then the fetch, then the audit entries are
    committed, and only then is the data returned. If the entries cannot be written the
    data is dropped and AuditUnavailable raised (fail closed). Denied and failed
    attempts are recorded with outcome `failure`.
    """

    def __init__(self, trail: AuditTrail, clock: Clock) -> None:
        self.trail = trail
        self._clock = clock

    def read(
        self,
        actor: Actor,
        purpose: Purpose,
        action: str,
        fetch: Callable[[], T],
        touched: Callable[[T], Iterable[Touched]],
        *,
        resource_type: str,
        listed: bool = False,
    ) -> T:
        """`listed`: the read renders a schedule or worklist (its entries carry LISTED)."""
        now = self._clock.now()
        flags: tuple[str, ...] = ("break_glass",) if via_break_glass(actor, purpose, now) else ()
        if not may_read(actor, purpose, now):
            self._record_failure(actor, purpose, action, resource_type, "denied")
            require_read(actor, purpose, now)
        try:
            data = fetch()
        except Exception:
            self._record_failure(actor, purpose, action, resource_type, "fetch_failed", flags)
            raise
        allowed = sorted(fields_for(purpose))
        if listed:
            flags = (*flags, LISTED)
        events: list[AuditEvent] = []
        refs: list[tuple[str, RecordKind, int | str]] = []
        for item in touched(data):
            resource_ref = self.trail.ref(item.kind, item.record_number)
            refs.append((resource_ref, item.kind, item.record_number))
            patient_ref = ""
            if item.patient_number is not None:
                patient_ref = self.trail.ref(RecordKind.PATIENT, item.patient_number)
                refs.append((patient_ref, RecordKind.PATIENT, item.patient_number))
            names = tuple(sorted(item.fields)) if item.fields is not None else tuple(allowed)
            events.append(
                AuditEvent(
                    action=action,
                    actor=actor,
                    outcome=Outcome.SUCCESS,
                    resource_type=resource_type,
                    patient_id=patient_ref,
                    resource_id=resource_ref,
                    purpose=purpose.value,
                    fields=names,
                    flags=flags,
                )
            )
        if not events:  # an empty answer is still an access worth recording
            events.append(
                AuditEvent(
                    action=action,
                    actor=actor,
                    resource_type=resource_type,
                    purpose=purpose.value,
                    fields=tuple(allowed),
                    flags=flags,
                )
            )
        self.trail.append_batch(events, refs)  # raises AuditUnavailable: data is dropped
        return data

    def record(
        self,
        actor: Actor,
        action: str,
        *,
        purpose: Purpose | None = None,
        outcome: Outcome = Outcome.SUCCESS,
        resource_type: str = "",
        kind: RecordKind | None = None,
        record_number: int | str | None = None,
        patient_number: int | str | None = None,
        fields: tuple[str, ...] = (),
        flags: tuple[str, ...] = (),
    ) -> None:
        """Record a write or a non-read event (reschedule, export, sign-in) before it counts."""
        refs: list[tuple[str, RecordKind, int | str]] = []
        resource_ref = patient_ref = ""
        if kind is not None and record_number is not None:
            resource_ref = self.trail.ref(kind, record_number)
            refs.append((resource_ref, kind, record_number))
        if patient_number is not None:
            patient_ref = self.trail.ref(RecordKind.PATIENT, patient_number)
            refs.append((patient_ref, RecordKind.PATIENT, patient_number))
        if purpose is not None and not flags and via_break_glass(actor, purpose, self._clock.now()):
            flags = ("break_glass",)
        self.trail.append_batch(
            [
                AuditEvent(
                    action=action,
                    actor=actor,
                    outcome=outcome,
                    resource_type=resource_type,
                    patient_id=patient_ref,
                    resource_id=resource_ref,
                    purpose=purpose.value if purpose else "",
                    fields=fields,
                    flags=flags,
                )
            ],
            refs,
        )

    def _record_failure(
        self,
        actor: Actor,
        purpose: Purpose,
        action: str,
        resource_type: str,
        reason: str,
        flags: tuple[str, ...] = (),
    ) -> None:
        try:
            self.trail.append(
                AuditEvent(
                    action=action,
                    actor=actor,
                    outcome=Outcome.FAILURE,
                    resource_type=resource_type,
                    purpose=purpose.value,
                    flags=(*flags, reason),
                )
            )
        except AuditUnavailable:
            # The access is refused either way; the log keeps the fact without PHI.
            log.error("audit.failure_not_recorded", extra={"purpose": purpose.value})
