"""Builds the compliance tools for the app: the alert engine on the trail, and the pages' dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.bootstrap import Services
from services.access import Actor, Purpose
from services.compliance.alerts import AlertService
from services.compliance.breach_rules import AlertEngine, SettingsRuleConfig
from services.compliance.checklist import ChecklistSources
from services.compliance.facts import AccountDirectoryFacts, ArchiveRepositoryFacts
from storage.archive_repo import ArchiveRepository
from storage.compliance_repo import ComplianceRepository


@dataclass
class Compliance:
    repo: ComplianceRepository
    alerts: AlertService
    engine: AlertEngine
    users: AccountDirectoryFacts
    sources: ChecklistSources

    def scan(self, services: Services) -> int:
        """The periodic sweep (a crash or another process may have missed live evaluation)."""
        return len(self.engine.scan(services.clock.now() - timedelta(days=1)))


def build_compliance(services: Services) -> Compliance:
    inst = services.installation
    repo = ComplianceRepository(inst.db)
    users = AccountDirectoryFacts(services.accounts)
    engine = AlertEngine(
        services.trail,
        repo,
        services.clock,
        config=SettingsRuleConfig(inst.settings.get, services.clock),
        users=users,
    )
    engine.attach()
    sources = ChecklistSources(
        inst.layout.database,
        inst.settings,
        inst.secrets,
        repo,
        users=users,
        archive=ArchiveRepositoryFacts(ArchiveRepository(inst.db)),
    )
    return Compliance(
        repo, AlertService(repo, services.trail, services.clock), engine, users, sources
    )


def compliance_pages(
    services: Services, compliance: Compliance, pms: Any, runner: Any, actor: Actor
) -> list[Any]:
    from ui.compliance.wiring import ComplianceDeps
    from ui.compliance.wiring import compliance_pages as pages

    def names(record_number: str) -> str | None:
        try:
            return pms.patient_contact(Purpose.ACCESS_REPORT, int(record_number)).name  # type: ignore[no-any-return]
        except Exception:  # the report still shows the record without a name
            return None

    deps = ComplianceDeps(
        services.gateway,
        services.clock,
        compliance.repo,
        compliance.alerts,
        compliance.users,
        compliance.sources,
        services.installation.practice_id,
        names=names,
        runner=runner,
    )
    return pages(deps, actor)
