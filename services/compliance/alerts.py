"""Stored alerts for the compliance officer: list, unacknowledged count, acknowledge with a note."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from errors import EnamelError
from services.access import Actor, Permission, require
from services.audit import AuditEvent, AuditTrail, Outcome
from services.clock import Clock
from services.compliance.breach.rules import Rule
from services.compliance.facts import UserFacts
from services.compliance.people import People
from storage.compliance_repo import AlertRecord, ComplianceRepository

# The reasons stated for a person's break-glass grants in force at a time.
GrantReasons = Callable[[str, datetime], list[str]]


class AlertNotFound(EnamelError):
    exit_code = 1


class PracticeAlerts(Protocol):
    """The practice's alerts at the hub (a joined PC): the hub runs the rules over every
    workstation's entries, so one misuse is one alert wherever it happened."""

    def alerts(self, actor: Actor, unacknowledged_only: bool) -> list[AlertRecord]: ...

    def acknowledge(self, actor: Actor, alert_id: str, note: str) -> AlertRecord: ...

    def count(self) -> int | None:
        """None while the hub cannot be reached."""
        ...


@dataclass(frozen=True)
class AlertView:
    """An alert as the officer reads it: the person by name and role, the reasons stated."""

    alert: AlertRecord
    subject: str  # "Robin Front, Front desk (user_…)" or the workstation
    acknowledged_by: str  # the same for whoever acknowledged it, "" while open
    reasons: tuple[str, ...] = ()  # break-glass: what the person said (may name a patient)


class AlertService:
    """Permission-checked access to alerts. Listing shows no PHI; a note or a break-glass
    reason may, so they stay in the encrypted database and on the officer's screens."""

    def __init__(
        self,
        repo: ComplianceRepository,
        trail: AuditTrail,
        clock: Clock,
        *,
        users: UserFacts | None = None,
        reasons: GrantReasons | None = None,
        practice: PracticeAlerts | None = None,
    ) -> None:
        self._practice = practice
        self._repo = repo
        self._trail = trail
        self._clock = clock
        self._users = users
        self._reasons = reasons

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
        here = self._repo.alerts(unacknowledged_only=unacknowledged_only)
        if self._practice is None:
            return here
        # This PC's own (a code used twice while the hub was away) with the practice's.
        found = self._practice.alerts(actor, unacknowledged_only)
        return sorted([*found, *here], key=lambda a: (a.event_at, a.raised_at), reverse=True)

    def views(self, actor: Actor, *, unacknowledged_only: bool = False) -> list[AlertView]:
        """The alerts with names for ids and the break-glass reasons (for the alerts page)."""
        return [self.view(a) for a in self.alerts(actor, unacknowledged_only=unacknowledged_only)]

    def view(self, alert: AlertRecord) -> AlertView:
        people = People(self._users)
        reasons: tuple[str, ...] = ()
        if alert.rule == Rule.BREAK_GLASS.value and self._reasons is not None:
            reasons = tuple(self._reasons(alert.subject, alert.event_at))
        return AlertView(
            alert,
            people.label(alert.subject),
            people.label(alert.acknowledged_by) if alert.acknowledged_by else "",
            reasons,
        )

    def unacknowledged_count(self) -> int:
        """For the badge: a number, no PHI, so no permission is needed to show it."""
        here = self._repo.unacknowledged_count()
        return here + ((self._practice.count() or 0) if self._practice is not None else 0)

    def acknowledge(self, actor: Actor, alert_id: str, note: str) -> AlertRecord:
        self._check(actor, "alert_acknowledged")
        if not note.strip():
            raise AlertNotFound("Write a short note saying what was checked before acknowledging.")
        if self._repo.alert(alert_id) is None and self._practice is None:
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
        if self._practice is not None and self._repo.alert(alert_id) is None:
            return self._practice.acknowledge(actor, alert_id, note.strip())
        if not self._repo.acknowledge(alert_id, actor.actor_id, note.strip(), self._clock.now()):
            raise AlertNotFound("That alert was already acknowledged.")
        record = self._repo.alert(alert_id)
        assert record is not None
        return record
