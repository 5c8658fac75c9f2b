"""Builds the compliance tools of one installation, the same for the GUI and enamel-admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.bootstrap import Services
from services.access import Actor, Purpose
from services.audit import verify_local
from services.compliance.alerts import AlertService
from services.compliance.breach.config import SettingsRuleConfig
from services.compliance.breach.engine import AlertEngine
from services.compliance.checklist import ChecklistSources
from services.compliance.facts import AccountDirectoryFacts, ArchiveRepositoryFacts
from storage.archive_repo import ArchiveRepository
from storage.compliance_repo import AlertRecord, ComplianceRepository

if TYPE_CHECKING:
    from services.pms.protocol import PmsClient
    from ui.main_window import PageSpec
    from ui.operations import Operations


@dataclass
class Compliance:
    repo: ComplianceRepository
    alerts: AlertService
    engine: AlertEngine
    users: AccountDirectoryFacts
    sources: ChecklistSources

    def scan(self, services: Services, since: datetime | None = None) -> list[AlertRecord]:
        """The sweep over recent entries (a crash or another process may have missed live
        evaluation); by default the last day. Alerts are deduplicated, so sweeps may overlap.
        A joined PC's entries are judged at the hub with the practice's: nothing here."""
        if services.hub is not None:
            return []
        return self.engine.scan(since or services.clock.now() - timedelta(days=1))


def build_compliance(services: Services) -> Compliance:
    """The alert engine (evaluating entries as they are written), alerts and checklist sources.

    The one place their configuration is made: the GUI and `enamel-admin compliance` both
    call it, so both run the same rules and check the same things.
    """
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
    if services.hub is None:
        engine.attach()  # a joined PC's entries are judged at the hub, with the practice's
    # A disabled account is flagged from its very next entry, not when the user cache expires.
    services.users.on_disabled_change(lambda _user_id: engine.forget_cached_users())
    trail_repo = services.trail.repository
    sources = ChecklistSources(
        inst.layout.database,
        inst.settings,
        inst.secrets,
        repo,
        users=users,
        archive=ArchiveRepositoryFacts(ArchiveRepository(inst.db)),
        audit_ok=lambda: verify_local(trail_repo).ok,
        zone=services.calendar.zone,
    )
    from app.practice_setup import practice_alerts

    alerts = AlertService(
        repo,
        services.trail,
        services.clock,
        users=users,
        reasons=users.break_glass_reasons,
        practice=practice_alerts(services),
    )
    return Compliance(repo, alerts, engine, users, sources)


def compliance_pages(
    services: Services, compliance: Compliance, pms: PmsClient, runner: Operations, actor: Actor
) -> list[PageSpec]:
    from services.pms.mailing import MailingAddressCalls
    from ui.compliance.wiring import ComplianceDeps
    from ui.compliance.wiring import compliance_pages as pages

    def names(record_number: str) -> str | None:
        try:
            return pms.patient_contact(Purpose.ACCESS_REPORT, int(record_number)).name
        except Exception:  # the report still shows the record without a name
            return None

    from app.practice_setup import entry_source

    deps = ComplianceDeps(
        services.gateway,
        services.clock,
        compliance.repo,
        compliance.alerts,
        compliance.users,
        compliance.sources,
        services.installation.practice_id,
        names=names,
        zone=services.calendar.zone,
        pms=pms,
        addresses=pms if isinstance(pms, MailingAddressCalls) else None,
        runner=runner,
        source=entry_source(services),
    )
    return pages(deps, actor)
