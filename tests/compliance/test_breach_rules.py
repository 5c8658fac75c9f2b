"""Each breach rule fires exactly when it should: seeded audit streams, a manual clock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.access import Actor, Role
from services.access.policy import AccessDenied
from services.audit import Outcome, verify_local
from services.compliance.alerts import AlertService
from services.compliance.breach.config import RuleConfig, SettingsRuleConfig
from services.compliance.breach.engine import AlertEngine
from services.compliance.breach.office_hours import parse_office_hours
from services.compliance.facts import StaticUserFacts, UserFact
from tests.compliance.conftest import Rig, person

ALICE = person("alice")
BOB = person("bob")


def test_patient_volume_fires_above_the_limit_once_per_hour(rig: Rig) -> None:
    rig.read(ALICE, range(1, 51))  # 50 distinct patients: at the limit, not above
    rig.clock.advance(60)
    rig.read(ALICE, range(1, 51))  # the same 50 again: still 50 distinct
    assert rig.rules() == []
    rig.clock.advance(60)
    rig.read(ALICE, [51])  # the 51st
    assert rig.rules() == ["patient_volume"]
    rig.clock.advance(60)
    rig.read(ALICE, range(52, 80))
    assert rig.rules() == ["patient_volume"]  # once per window, not once per entry
    rig.read(BOB, range(1, 40))
    assert rig.rules() == ["patient_volume"]
    rig.clock.advance(2 * 3600)
    rig.read(ALICE, range(100, 152))
    assert rig.rules() == ["patient_volume", "patient_volume"]


def test_volume_counts_a_sliding_hour(rig: Rig) -> None:
    rig.read(ALICE, range(1, 31))
    rig.clock.advance(61 * 60)  # the first 30 fall out of the window
    rig.read(ALICE, range(31, 61))
    assert rig.rules() == []


def test_agents_are_not_held_to_the_per_person_volume(rig: Rig) -> None:
    from services.access import Actor

    rig.read(Actor.agent("recall_scan"), range(1, 200), purpose="recall_reminders")
    assert rig.rules() == []


def test_baseline_fires_at_three_times_the_usual_hour(rig: Rig) -> None:
    start = rig.clock.now()
    rig.clock.set(start - timedelta(days=10))
    for day in range(6):  # six active hours, 5 patients each
        rig.read(ALICE, range(day * 10, day * 10 + 5))
        rig.clock.advance(86400)
    rig.clock.set(start)
    rig.read(ALICE, range(500, 515))  # 15: not above 3 x 5
    assert rig.rules() == []
    rig.clock.advance(60)
    rig.read(ALICE, [515])  # 16 > 15
    assert rig.rules() == ["patient_volume_baseline"]


def test_no_baseline_without_history_or_below_the_minimum(rig: Rig) -> None:
    rig.read(BOB, range(1, 40))  # no history: no baseline alert, below the fixed limit
    start = rig.clock.now()
    rig.clock.set(start - timedelta(days=5))
    for _ in range(6):
        rig.read(ALICE, [1])
        rig.clock.advance(3600)
    rig.clock.set(start + timedelta(hours=2))
    rig.read(ALICE, range(1, 10))  # 9 > 3 x 1 but under the minimum of 10
    assert rig.rules() == []


def test_lists_shown_are_not_records_opened(rig: Rig) -> None:
    from services.audit.gateway import LISTED

    rig.read(ALICE, range(1, 300), flags=(LISTED,))  # a week's schedule on screen
    rig.read(ALICE, range(300, 340))  # 40 look-ups: under the limit
    assert rig.rules() == []
    rig.read(ALICE, range(1, 12))  # 11 records opened of patients she saw listed: 51 opened
    assert rig.rules() == ["patient_volume"]
    (alert,) = rig.repo.alerts()
    assert alert.entry_count == 51 and "51 distinct patients" in alert.summary


def _history(rig: Rig, actor: Actor, per_hour: int, hours: int = 6) -> None:
    start = rig.clock.now()
    rig.clock.set(start - timedelta(days=10))
    for hour in range(hours):
        rig.read(actor, range(hour * 100, hour * 100 + per_hour))
        rig.clock.advance(86400)
    rig.clock.set(start)


def test_volume_is_compared_with_the_person_and_the_role(rig: Rig) -> None:
    carol, dave, erin = person("carol"), person("dave"), person("erin")
    rig.engine._users = StaticUserFacts(
        [
            UserFact(a.actor_id, a.actor_id, a.actor_id, "front_desk", False, None, True, None)
            for a in (ALICE, carol, dave, erin)
        ]
        + [UserFact(BOB.actor_id, "bob", "Bob", "billing", False, None, True, None)]
    )
    _history(rig, ALICE, 3)
    _history(rig, carol, 3)  # the front desk opens 3 records an active hour
    _history(rig, erin, 20)  # erin's own job is bigger (she does the recall calls)
    # The role's usual: (3 + 3 + 20) / 3 = 8.7 an active hour, so 26 is the most before it
    # counts as unusual. Dave is new: no usual of his own, the role's holds.
    rig.read(dave, range(1000, 1012))
    assert rig.rules() == []
    rig.read(dave, range(1012, 1030))  # 30 > 26
    assert rig.rules() == ["patient_volume_baseline"]
    (alert,) = rig.repo.alerts()
    assert "the front desk role's usual" in alert.summary
    rig.read(erin, range(2000, 2045))  # 45: under erin's own 3 x 20, under the limit
    rig.read(BOB, range(3000, 3020))  # billing: no history, no baseline, under the limit
    assert rig.rules() == ["patient_volume_baseline"]


def test_one_volume_alert_an_hour_whichever_rule_raised_it(rig: Rig) -> None:
    _history(rig, ALICE, 2)
    rig.read(ALICE, range(1, 12))  # 11 > 3 x 2
    assert rig.rules() == ["patient_volume_baseline"]
    rig.clock.advance(600)
    rig.read(ALICE, range(12, 80))  # over the limit in the same hour: the same alert
    assert rig.rules() == ["patient_volume_baseline"]


def test_an_export_in_office_hours_is_work_and_at_23_00_one_alert(rig: Rig) -> None:
    from services.audit.gateway import LISTED

    office_rig(rig)
    rig.clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # Monday 10:00 in Chicago
    rig.event("call_list_export", ALICE)
    assert rig.rules() == []
    rig.clock.set(datetime(2026, 11, 24, 5, 0, tzinfo=UTC))  # Monday 23:00 in Chicago
    rig.event("sign_in", ALICE, resource_type="session")
    rig.read(ALICE, range(1, 40), purpose="recall_reminders", flags=(LISTED,))
    assert rig.rules() == []  # signing in and seeing a list out of hours: recorded only
    rig.event("call_list_export", ALICE)
    rig.clock.advance(60)
    rig.event("call_list_export", ALICE)
    assert rig.rules() == ["export"]
    (alert,) = rig.repo.alerts()
    assert "Mon 23:00" in alert.summary and "outside office hours" in alert.summary


def office_rig(rig: Rig) -> Rig:
    hours = json.dumps(
        {d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": None}
    )
    cfg = RuleConfig(office_hours=parse_office_hours(hours), timezone=_tz("America/Chicago"))
    rig.engine._config = cfg
    return rig


def _tz(name: str):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def test_after_hours_uses_the_practice_time_zone(rig: Rig) -> None:
    office_rig(rig)
    # Monday 2026-11-23 14:00 UTC is 08:00 in Chicago: open.
    rig.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    rig.read(ALICE, [1])
    rig.clock.set(datetime(2026, 11, 23, 22, 59, tzinfo=UTC))  # 16:59: open
    rig.read(ALICE, [2])
    rig.event("sign_in", ALICE, resource_type="session")
    assert rig.rules() == []
    rig.clock.set(datetime(2026, 11, 23, 13, 59, tzinfo=UTC))  # 07:59: closed
    rig.read(ALICE, [3])
    assert rig.rules() == ["after_hours"]
    rig.clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # 21:00 same local day
    rig.read(ALICE, [4])
    assert rig.rules() == ["after_hours"]  # once per person per local day
    rig.clock.set(datetime(2026, 11, 28, 16, 0, tzinfo=UTC))  # Saturday: closed all day
    rig.read(ALICE, [5])
    rig.read(BOB, [5])
    assert rig.rules() == ["after_hours"] * 3


def test_after_hours_is_off_until_configured_and_ignores_agents(rig: Rig) -> None:
    from services.access import Actor

    rig.clock.set(datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    rig.read(ALICE, [1])
    assert rig.rules() == []
    office_rig(rig)
    rig.read(Actor.agent("recall_scan"), [1], purpose="recall_reminders")
    rig.event("sign_in", ALICE, Outcome.FAILURE, resource_type="session")
    assert rig.rules() == []


def test_failed_sign_in_burst_per_account_and_workstation(rig: Rig) -> None:
    for _ in range(4):
        rig.event("sign_in", ALICE, Outcome.FAILURE, resource_type="session")
        rig.clock.advance(120)
    assert rig.rules() == []
    rig.event("sign_in", ALICE, Outcome.FAILURE, resource_type="session")
    assert rig.rules() == ["failed_sign_ins", "failed_sign_ins_workstation"]
    rig.event("sign_in", ALICE, Outcome.FAILURE, resource_type="session")
    assert len(rig.rules()) == 2


def test_slow_failures_and_successes_raise_nothing(rig: Rig) -> None:
    for _ in range(12):  # one every three minutes: never 5 within 10 minutes
        rig.event("sign_in", ALICE, Outcome.FAILURE, resource_type="session")
        rig.event("sign_in", ALICE, resource_type="session")
        rig.clock.advance(180)
    assert rig.rules() == []


def test_failures_of_several_accounts_add_up_on_the_workstation(rig: Rig) -> None:
    for name in ("a", "b", "c", "d", "e"):
        rig.event("sign_in_totp", person(name), Outcome.FAILURE, resource_type="session")
    assert rig.rules() == ["failed_sign_ins_workstation"]


def test_configurable_sign_in_action_names(rig: Rig) -> None:
    rig.engine._config = replace(RuleConfig(), sign_in_actions=("login_attempt",))
    for _ in range(5):
        rig.event("sign_in", ALICE, Outcome.FAILURE)
    assert rig.rules() == []
    for _ in range(5):
        rig.event("login_attempt", ALICE, Outcome.FAILURE)
    assert rig.rules() == ["failed_sign_ins", "failed_sign_ins_workstation"]


def test_exports_alert_and_failed_exports_do_not(rig: Rig) -> None:
    rig.event("audit_export", ALICE, Outcome.FAILURE)
    rig.event("schedule_read", ALICE)
    assert rig.rules() == []
    rig.event("call_list_export", ALICE)
    assert rig.rules() == ["export"]
    rig.event("audit_export", ALICE)
    assert rig.rules() == ["export"]  # same person within the hour
    rig.event("recall_list_export", BOB)
    assert rig.rules() == ["export", "export"]


def test_break_glass_alerts_once_per_grant_window(rig: Rig) -> None:
    rig.read(ALICE, [1])
    assert rig.rules() == []
    rig.event("break_glass_start", ALICE, resource_type="session", flags=("break_glass",))
    rig.event("schedule_read", ALICE, flags=("break_glass",), purpose="schedule")
    assert rig.rules() == ["break_glass"]
    rig.clock.advance(5 * 3600)
    rig.event("break_glass_start", ALICE, resource_type="session", flags=("break_glass",))
    assert rig.rules() == ["break_glass", "break_glass"]


def test_disabled_account_activity(rig: Rig) -> None:
    facts = StaticUserFacts(
        [
            UserFact("user_alice", "alice", "Alice", "front_desk", True, None, True, None),
            UserFact("user_bob", "bob", "Bob", "front_desk", False, None, True, None),
        ]
    )
    rig.engine._users = facts
    rig.read(BOB, [1])
    rig.event("sign_in", ALICE, Outcome.FAILURE, resource_type="session")  # refused: fine
    assert rig.rules() == []
    rig.read(ALICE, [1])
    assert rig.rules() == ["disabled_account"]


def test_scan_finds_what_live_evaluation_missed_and_never_twice(services, clock) -> None:  # type: ignore[no-untyped-def]
    from storage.compliance_repo import ComplianceRepository
    from tests.compliance.conftest import Rig as R

    repo = ComplianceRepository(services.installation.db)
    engine = AlertEngine(services.trail, repo, clock)  # not attached: a crash, another process
    rig = R(services.trail, repo, engine, clock, StaticUserFacts())
    start = clock.now()
    rig.read(ALICE, range(1, 60))
    rig.event("audit_export", BOB)
    assert rig.rules() == []
    raised = engine.scan(start - timedelta(minutes=1))
    assert sorted(a.rule for a in raised) == ["export", "patient_volume"]
    assert engine.scan(start - timedelta(minutes=1)) == []
    engine.attach()
    rig.read(ALICE, [61])
    assert rig.rules() == ["export", "patient_volume"]


def test_alerts_are_audited_without_phi_and_acknowledged_with_a_local_note(
    rig: Rig,
    services,
    fake_phi,  # type: ignore[no-untyped-def]
) -> None:
    rig.event("audit_export", ALICE)
    (alert,) = rig.repo.alerts()
    bodies = [b for _, b, _ in services.trail.repository.rows()]
    raised = [json.loads(b) for b in bodies if '"alert_raised"' in b]
    assert len(raised) == 1 and raised[0]["resource_id"] == alert.alert_id
    assert raised[0]["flags"] == ["export", "medium"]

    alerts = AlertService(rig.repo, services.trail, rig.clock)
    officer = person("carol", Role.COMPLIANCE_OFFICER)
    with pytest.raises(AccessDenied):
        alerts.acknowledge(ALICE, alert.alert_id, "nothing")
    assert alerts.unacknowledged_count() == 1
    note = f"Called {fake_phi['name']}; the export was for the auditor."
    done = alerts.acknowledge(officer, alert.alert_id, note)
    assert done.acknowledged and done.ack_note == note and alerts.unacknowledged_count() == 0
    bodies = [b for _, b, _ in services.trail.repository.rows()]
    assert not any(fake_phi["last_name"] in b for b in bodies)
    acks = [json.loads(b) for b in bodies if '"alert_acknowledged"' in b]
    assert [a["outcome"] for a in acks] == ["failure", "success"]
    assert verify_local(services.trail.repository).ok
    assert rig.rules() == ["export"]  # acknowledging raised nothing new


def test_rules_read_their_limits_office_hours_and_zone_from_settings(rig: Rig, services) -> None:  # type: ignore[no-untyped-def]
    settings = services.installation.settings
    now = rig.clock.now()
    settings.set("alerts.patients_per_hour", "5", now)
    settings.set("office_hours", json.dumps({"mon": ["09:00", "12:00"]}), now)
    settings.set("timezone", "Europe/Berlin", now)
    rig.engine._config = SettingsRuleConfig(settings.get, rig.clock)
    cfg = rig.engine.config()
    assert cfg.patients_per_hour == 5 and cfg.office_hours is not None
    assert cfg.office_hours[0] is not None and cfg.office_hours[1] is None
    # Monday 2026-11-23 14:00 UTC is 15:00 in Berlin: after the office closed at 12:00.
    rig.read(ALICE, range(1, 7))
    assert rig.rules() == ["after_hours", "patient_volume"]
    settings.set("office_hours", "not json", now)
    rig.clock.advance(61)
    assert rig.engine.config().office_hours is None  # a broken setting turns the rule off


def test_audit_log_review_is_met_only_when_alerts_are_acknowledged_in_the_period(
    rig: Rig,
    services,  # type: ignore[no-untyped-def]
) -> None:
    from services.compliance.checklist import ChecklistSources, checklist

    settings = services.installation.settings
    src = ChecklistSources(
        services.installation.layout.database,
        settings,
        services.installation.secrets,
        rig.repo,
    )

    def review() -> tuple[str, str]:
        item = next(i for i in checklist(src, rig.clock.now()) if i.key == "audit_review")
        return item.status.value, item.detail

    assert review()[0] == "met"  # no alerts yet
    rig.event("audit_export", ALICE)
    (alert,) = rig.repo.alerts()
    rig.clock.advance(6 * 86400)
    assert review()[0] == "met"  # open, within the 7 days
    rig.clock.advance(2 * 86400)
    status, detail = review()
    assert status == "not met" and "7 days" in detail
    officer = person("carol", Role.COMPLIANCE_OFFICER)
    AlertService(rig.repo, services.trail, rig.clock).acknowledge(officer, alert.alert_id, "ok")
    status, detail = review()  # acknowledged, but after 8 days: late
    assert status == "not met" and "acknowledged after more than 7 days" in detail
    settings.set("alerts.review_days", "10", rig.clock.now())  # the practice's own period
    assert review()[0] == "met"
