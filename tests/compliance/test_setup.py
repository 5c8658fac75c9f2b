"""The compliance wiring of the app: GUI and enamel-admin build the same thing; disabling is seen."""

from __future__ import annotations

import json
from pathlib import Path

from app.bootstrap import Services
from app.cli.compliance import compliance_for
from app.cli.context import CliContext
from app.compliance_setup import Compliance
from services.access import Actor, ActorType, Role
from services.audit import AuditEvent
from services.clock import ManualClock
from services.compliance.breach.rules import Rule
from services.compliance.checklist import ChecklistSources, Status, checklist
from storage.database import raw_connect
from storage.layout import DataLayout

MANAGER = Actor("user_manager", ActorType.HUMAN, Role.OFFICE_MANAGER)
PASSWORD = "a long enough test password"


def inputs(sources: ChecklistSources) -> dict[str, object]:
    """What the checklist reads, as plain data: files, limits and which checks are wired."""
    return {
        "database_file": sources.database_file,
        "archive_max_days": sources.archive_max_days,
        "backup_max_days": sources.backup_max_days,
        "users": sources.users is not None,
        "archive": sources.archive is not None,
        "audit_ok": sources.audit_ok is not None,
    }


def archive_item(compliance: Compliance, clock: ManualClock) -> tuple[Status, str]:
    item = next(i for i in checklist(compliance.sources, clock.now()) if i.key == "audit_trail")
    return item.status, item.detail


def test_gui_and_cli_build_the_same_rules_and_checklist(
    services: Services, data_dir: Path, clock: ManualClock
) -> None:
    settings = services.installation.settings
    now = clock.now()
    settings.set("alerts.patients_per_hour", "7", now)
    settings.set("alerts.failed_sign_ins", "3", now)
    settings.set("office_hours", json.dumps({"mon": ["08:00", "17:00"]}), now)
    settings.set("timezone", "America/Chicago", now)
    services.trail.append(AuditEvent(action="sign_in", actor=MANAGER, resource_type="session"))

    gui = services.compliance  # as app/gui.py builds it
    ctx = CliContext(layout=DataLayout(data_dir), demo=False, clock=clock)
    try:
        cli = compliance_for(ctx)  # as `enamel-admin compliance scan|checklist` builds it
        rules = gui.engine.config()
        assert rules.patients_per_hour == 7 and rules.failed_sign_in_limit == 3
        assert rules.office_hours is not None and rules.office_hours[0] is not None
        assert str(rules.timezone) == "America/Chicago"
        assert cli.engine.config() == rules
        assert inputs(cli.sources) == inputs(gui.sources)
        assert checklist(cli.sources, clock.now()) == checklist(gui.sources, clock.now())

        # The local chain is checked by both (the GUI's checklist used not to look at it).
        assert archive_item(gui, clock)[1] != "The local audit chain does not verify."
        conn = raw_connect(
            services.installation.layout.database, services.installation.database_key
        )
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET hash = 'forged' WHERE seq = 1")
        conn.close()
        broken = (Status.NOT_MET, "The local audit chain does not verify.")
        assert archive_item(gui, clock) == broken
        assert archive_item(cli, clock) == broken
    finally:
        ctx.close()


def test_a_disabled_account_is_flagged_from_its_next_entry(
    cheap_services: Services, clock: ManualClock
) -> None:
    services = cheap_services
    compliance = services.compliance
    it = Actor("cli_it", ActorType.HUMAN, Role.IT_ADMIN)
    created = services.users.add(it, "robin", Role.FRONT_DESK, PASSWORD)
    robin = Actor(created.user_id, ActorType.HUMAN, Role.FRONT_DESK)

    def robin_reads() -> None:
        services.trail.append(
            AuditEvent(action="schedule_read", actor=robin, resource_type="schedule")
        )

    robin_reads()  # active: the engine now holds who is disabled (nobody) for a while
    assert compliance.repo.alerts() == []
    services.users.disable(it, "robin")
    robin_reads()  # the same instant: no cache expiry helps
    assert [a.rule for a in compliance.repo.alerts()] == [Rule.DISABLED_ACCOUNT.value]
    assert compliance.repo.alerts()[0].subject == created.user_id


def test_disabling_and_enabling_tell_the_listeners(cheap_services: Services) -> None:
    services = cheap_services
    it = Actor("cli_it", ActorType.HUMAN, Role.IT_ADMIN)
    created = services.users.add(it, "robin", Role.FRONT_DESK, PASSWORD)
    heard: list[str] = []
    services.users.on_disabled_change(heard.append)

    def broken(user_id: str) -> None:
        raise RuntimeError("a listener that fails")

    services.users.on_disabled_change(broken)  # must not stop the change nor later listeners
    services.users.on_disabled_change(heard.append)
    services.users.unlock(it, "robin")
    services.users.disable(it, "robin")
    assert services.accounts.by_login("robin").disabled  # type: ignore[union-attr]
    services.users.enable(it, "robin")
    assert heard == [created.user_id] * 4


def test_the_sweep_after_disabling_flags_only_what_came_after(
    cheap_services: Services, clock: ManualClock
) -> None:
    services = cheap_services
    compliance = services.compliance
    it = Actor("cli_it", ActorType.HUMAN, Role.IT_ADMIN)
    created = services.users.add(it, "robin", Role.FRONT_DESK, PASSWORD)
    robin = Actor(created.user_id, ActorType.HUMAN, Role.FRONT_DESK)
    services.trail.append(AuditEvent(action="schedule_read", actor=robin, resource_type="schedule"))
    clock.advance(3 * 3600)
    services.users.disable(it, "robin")
    record = services.accounts.by_login("robin")
    assert record is not None and record.disabled_at == clock.now()
    clock.advance(900)
    assert compliance.scan(services) == []  # the morning's work was hers to do
    assert compliance.repo.alerts() == []
    services.trail.append(AuditEvent(action="schedule_read", actor=robin, resource_type="schedule"))
    compliance.scan(services)
    assert [a.rule for a in compliance.repo.alerts()] == [Rule.DISABLED_ACCOUNT.value]
    services.users.enable(it, "robin")
    assert services.accounts.by_login("robin").disabled_at is None  # type: ignore[union-attr]
