"""Stored alerts for the compliance officer: list, unacknowledged count, acknowledge with a note."""

from __future__ import annotations

from errors import EnamelError
from services.access import Actor, Permission, require
from services.audit import AuditEvent, AuditTrail, Outcome
from services.clock import Clock
from storage.compliance_repo import AlertRecord, ComplianceRepository


class AlertNotFound(EnamelError):
    exit_code = 1


class AlertService:
    """Permission-checked access to alerts. Listing shows no PHI; a note may, so it stays local."""

    def __init__(self, repo: ComplianceRepository, trail: AuditTrail, clock: Clock) -> None:
        self._repo = repo
        self._trail = trail
        self._clock = clock

    def _check(self, actor: Actor, action: str) -> None:
        try:
            require(actor, Permission.MANAGE_ALERTS)
        except Exception:
            self._trail.append(
                AuditEvent(
                    action=action,
                    actor=actor,
                    outcome=Outcome.FAILURE,
                    resource_type="alert",
                    flags=("denied",),
                )
            )
            raise

    def alerts(self, actor: Actor, *, unacknowledged_only: bool = False) -> list[AlertRecord]:
        self._check(actor, "alerts_view")
        return self._repo.alerts(unacknowledged_only=unacknowledged_only)

    def unacknowledged_count(self) -> int:
        """For the badge: a number, no PHI, so no permission is needed to show it."""
        return self._repo.unacknowledged_count()

    def acknowledge(self, actor: Actor, alert_id: str, note: str) -> AlertRecord:
        self._check(actor, "alert_acknowledged")
        if not note.strip():
            raise AlertNotFound("Write a short note saying what was checked before acknowledging.")
        if self._repo.alert(alert_id) is None:
            raise AlertNotFound("That alert does not exist (any more).")
        # The entry first (fail closed), then the note, which may name a patient and so is
        # kept only in the encrypted database.
        self._trail.append(
            AuditEvent(
                action="alert_acknowledged",
                actor=actor,
                resource_type="alert",
                resource_id=alert_id,
            )
        )
        if not self._repo.acknowledge(alert_id, actor.actor_id, note.strip(), self._clock.now()):
            raise AlertNotFound("That alert was already acknowledged.")
        record = self._repo.alert(alert_id)
        assert record is not None
        return record
