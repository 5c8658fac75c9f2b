"""Checklist evidence: the compliance officer marks people's items done (date, note, where
the proof is kept), audited without the note; anyone else is refused and recorded; the risk
analysis counts for twelve months on the practice calendar."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.access import AccessDenied, Actor
from services.compliance.checklist import ChecklistSources, Status, checklist, item_named
from services.compliance.evidence import (
    RECORDED,
    WITHDRAWN,
    Evidence,
    EvidenceError,
    record_evidence,
    withdraw_evidence,
)
from services.compliance.facts import AccountDirectoryFacts
from tests.compliance import world
from tests.compliance.world import BILLING, FRONT, IT, MANAGER, OFFICER

ZONE = ZoneInfo("America/Chicago")
# 03:00 UTC on 1 December is still 30 November at the practice.
LATE = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
NOTE = "Risk analysis with Bright IT; Dr. Lee's laptop to get disk encryption."
REPORT = r"S:\Compliance\2026 risk analysis.pdf"


@pytest.fixture
def practice(services: Any, clock: Any) -> Any:
    repo = world.build(services, clock)
    clock.set(LATE)
    src = ChecklistSources(
        services.installation.layout.database,
        services.installation.settings,
        services.installation.secrets,
        repo,
        users=AccountDirectoryFacts(services.accounts),
        zone=ZONE,
    )
    return services, repo, src


def entries(services: Any, action: str) -> list[dict[str, Any]]:
    rows = [json.loads(body) for _, body, _ in services.trail.repository.rows()]
    return [r for r in rows if r["action"] == action]


MarkDone = Callable[..., Any]


@pytest.fixture
def mark(practice: Any, clock: Any) -> MarkDone:
    """Mark the checklist item `key` done on `done_on` with a note and where the proof is kept,
    through `record_evidence`, as the compliance officer unless `actor` says otherwise."""
    services, repo, _ = practice

    def mark(key: str, done_on: date, note: str, where: str, actor: Actor = OFFICER) -> Any:
        evidence = Evidence(done_on, note, where)
        return record_evidence(repo, services.trail, clock, ZONE, actor, key, evidence)

    return mark


def test_the_officer_marks_the_risk_analysis_done_audited_without_the_note(
    practice: Any, clock: Any, mark: MarkDone
) -> None:
    services, _, src = practice
    before = item_named(checklist(src, clock.now()), "risk_analysis")
    assert before.status is Status.NOT_MET and before.recordable and before.evidence is None
    mark("risk_analysis", date(2026, 11, 30), NOTE, REPORT)
    item = item_named(checklist(src, clock.now()), "risk_analysis")
    assert item.status is Status.MET
    assert item.evidence is not None and item.evidence.attachment == REPORT
    assert item.evidence.recorded_by == "Casey Compliance, Compliance officer (user_compliance)"
    assert "Renew before 2027-11-30" in item.detail and REPORT in item.detail
    (entry,) = entries(services, RECORDED)
    assert entry["resource_type"] == "checklist_item" and entry["resource_id"] == "risk_analysis"
    assert entry["actor_id"] == OFFICER.actor_id and entry["outcome"] == "success"
    assert "done_on:2026-11-30" in entry["flags"] and "attachment" in entry["flags"]
    body = json.dumps(entry)
    assert "Bright IT" not in body and "Dr. Lee" not in body and "risk analysis.pdf" not in body


@pytest.mark.parametrize("actor", [FRONT, MANAGER, BILLING, IT, world.DENTIST])
def test_anyone_but_the_compliance_officer_is_refused_and_recorded(
    practice: Any, clock: Any, mark: MarkDone, actor: Actor
) -> None:
    services, repo, src = practice
    with pytest.raises(AccessDenied, match="only the compliance officer"):
        mark("baa", date(2026, 11, 30), "signed", "x", actor)
    assert repo.latest_evidence() == {}
    (denied,) = entries(services, RECORDED)
    assert denied["outcome"] == "failure" and "denied" in denied["flags"]
    assert denied["actor_id"] == actor.actor_id and denied["resource_id"] == "baa"
    assert item_named(checklist(src, clock.now()), "baa").status is Status.MANUAL

    mark("baa", date(2026, 11, 30), "signed", "x")
    with pytest.raises(AccessDenied):
        withdraw_evidence(repo, services.trail, clock, ZONE, actor, "baa", "mistake")
    assert item_named(checklist(src, clock.now()), "baa").status is Status.MET
    assert entries(services, WITHDRAWN)[0]["outcome"] == "failure"


def test_replace_and_undo_are_audited_and_undo_clears_the_item(
    practice: Any, clock: Any, mark: MarkDone
) -> None:
    services, repo, src = practice
    first = mark("training", date(2026, 3, 2), "Spring", "")
    clock.advance(60)
    second = mark("training", date(2026, 11, 9), "Autumn", "HR-17")
    item = item_named(checklist(src, clock.now()), "training")
    assert item.status is Status.MET and item.evidence is not None
    assert item.evidence.note == "Autumn" and item.evidence.attachment == "HR-17"
    recorded = entries(services, RECORDED)
    assert [f"replaces:{first.evidence_id}" in e["flags"] for e in recorded] == [False, True]
    assert f"evidence:{second.evidence_id}" in recorded[1]["flags"]

    clock.advance(60)
    withdraw_evidence(repo, services.trail, clock, ZONE, OFFICER, "training", "wrong year")
    item = item_named(checklist(src, clock.now()), "training")
    assert item.status is Status.MANUAL and item.evidence is None and "undone" in item.detail
    (undo,) = entries(services, WITHDRAWN)
    assert undo["resource_id"] == "training" and undo["outcome"] == "success"
    assert f"withdraws:{second.evidence_id}" in undo["flags"] and "wrong year" not in str(undo)
    with pytest.raises(EvidenceError, match="nothing to undo"):
        withdraw_evidence(repo, services.trail, clock, ZONE, OFFICER, "training")


def test_the_risk_analysis_counts_twelve_months_on_the_practice_calendar(
    practice: Any, clock: Any, mark: MarkDone
) -> None:
    _, repo, src = practice
    for done_on, note, where, problem in (
        # In UTC it is already 1 December; at the practice it is 30 November: the 1st is future.
        (date(2026, 12, 1), NOTE, REPORT, "in the future"),
        (date(2026, 11, 30), NOTE, " ", "written report is kept"),
        (date(2025, 11, 30), NOTE, REPORT, "more than 12 months ago"),
        (date(2026, 11, 30), "", REPORT, "note"),
    ):
        with pytest.raises(EvidenceError, match=problem):
            mark("risk_analysis", done_on, note, where)
    assert repo.latest_evidence() == {}
    mark("risk_analysis", date(2025, 12, 1), NOTE, REPORT)
    assert item_named(checklist(src, clock.now()), "risk_analysis").status is Status.MET
    clock.set(datetime(2026, 12, 1, 5, 59, tzinfo=UTC))  # 23:59 on 30 November in Chicago
    assert item_named(checklist(src, clock.now()), "risk_analysis").status is Status.MET
    clock.set(datetime(2026, 12, 1, 6, 0, tzinfo=UTC))  # midnight: twelve months are up
    item = item_named(checklist(src, clock.now()), "risk_analysis")
    assert item.status is Status.NOT_MET and "due again since 2026-12-01" in item.detail


def test_items_enamel_checks_itself_take_no_evidence(
    practice: Any, clock: Any, mark: MarkDone
) -> None:
    src = practice[2]
    for key in ("encryption", "audit_review", "dashboard", "no_such_item"):
        with pytest.raises(EvidenceError, match="checked by Enamel"):
            mark(key, date(2026, 11, 30), "x", "y")
    keys = {i.key for i in checklist(src, clock.now()) if i.recordable}
    assert keys == {
        "phi_inventory",
        "minimum_necessary",
        "no_phi_in_logs",
        "baa",
        "risk_analysis",
        "incident_plan",
        "breach_procedure",
        "training",
        "penetration_test",
        "vulnerability_scan",
    }
