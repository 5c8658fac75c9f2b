"""Shared helpers for the compliance tests: an engine on a fresh installation, seeded entries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, AuditTrail, Outcome, RecordKind
from services.clock import ManualClock
from services.compliance.breach.config import RuleConfig
from services.compliance.breach.engine import AlertEngine
from services.compliance.facts import StaticUserFacts
from storage.compliance_repo import ComplianceRepository


def person(name: str, role: Role = Role.FRONT_DESK) -> Actor:
    return Actor(f"user_{name}", ActorType.HUMAN, role)


@dataclass
class Rig:
    trail: AuditTrail
    repo: ComplianceRepository
    engine: AlertEngine
    clock: ManualClock
    users: StaticUserFacts

    def read(
        self,
        actor: Actor,
        patients: range | list[int],
        purpose: str = "schedule",
        flags: tuple[str, ...] = (),
    ) -> None:
        """Records opened (no `listed` flag), or with flags=(LISTED,) a list shown."""
        self.trail.append_batch(
            [
                AuditEvent(
                    action="schedule_read",
                    actor=actor,
                    resource_type="appointment",
                    patient_id=self.trail.ref(RecordKind.PATIENT, n),
                    purpose=purpose,
                    fields=("patient_name",),
                    flags=flags,
                )
                for n in patients
            ]
        )

    def event(
        self, action: str, actor: Actor, outcome: Outcome = Outcome.SUCCESS, **kw: object
    ) -> None:
        self.trail.append(AuditEvent(action=action, actor=actor, outcome=outcome, **kw))  # type: ignore[arg-type]

    def rules(self) -> list[str]:
        return sorted(a.rule for a in self.repo.alerts())


@pytest.fixture
def rig(services, clock: ManualClock):  # type: ignore[no-untyped-def]
    repo = ComplianceRepository(services.installation.db)
    users = StaticUserFacts()
    engine = AlertEngine(services.trail, repo, clock, config=RuleConfig(), users=users)
    engine.attach()
    return Rig(services.trail, repo, engine, clock, users)
