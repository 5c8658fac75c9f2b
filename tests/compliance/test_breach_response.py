"""Acting on a breach: the four factors saved and audited, the 500-patient duties, and the
notice letters read from the PMS (over HTTP, the simulator) only when asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from services.access.policy import AccessDenied
from services.audit import AuditEvent, RecordKind
from services.clock import TEST_EPOCH, ManualClock
from services.compliance.breach_response import (
    Conclusion,
    RiskFactors,
    annual_log_deadline,
    factors_of,
    notice_letters,
    reporting_duties,
    save_risk_assessment,
    saved_risk,
)
from services.compliance.reports import ReportError, breach_assessment
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice
from storage.compliance_repo import ComplianceRepository
from tests.compliance.world import FRONT, MANAGER, OFFICER

FIRST = 1001  # the simulator's patients are 1001, 1002, …


@pytest.fixture
def pms() -> Iterator[tuple[SimulatorServer, OpenDentalClient]]:
    server = SimulatorServer(
        SyntheticPractice(today=TEST_EPOCH.date(), clock=ManualClock()), page_size=100
    ).start()
    client = OpenDentalClient(
        server.url, server.developer_key, server.customer_key, page_size=100, timeout=5.0
    )
    yield server, client
    client.close()
    server.stop()


def opened(services: Any, count: int) -> None:
    """The front desk opening `count` of the simulator's patients (the suspected breach)."""
    trail = services.trail
    numbers = range(FIRST, FIRST + count)
    trail.append_batch(
        [
            AuditEvent(
                action="patient_card",
                actor=FRONT,
                resource_type="patient",
                patient_id=trail.ref(RecordKind.PATIENT, n),
                purpose="patient_lookup",
                fields=("patient_name", "phone"),
            )
            for n in numbers
        ],
        [(trail.ref(RecordKind.PATIENT, n), RecordKind.PATIENT, n) for n in numbers],
    )


def assess(services: Any, clock: ManualClock, actor: Any = OFFICER) -> Any:
    now = clock.now()
    return breach_assessment(
        services.gateway,
        clock,
        actor,
        now - timedelta(hours=1),
        now + timedelta(minutes=1),
        actor_id=FRONT.actor_id,
        discovered=date(2026, 3, 2),
    )


def bodies(services: Any, action: str) -> list[dict[str, Any]]:
    return [json.loads(b) for _, b, _ in services.trail.repository.rows() if f'"{action}"' in b]


def test_affected_patients_carry_their_chart_number(services: Any, clock: ManualClock) -> None:
    opened(services, 3)
    named = assess(services, clock)
    assert sorted(p.chart_number for p in named.patients) == ["1001", "1002", "1003"]
    plain = assess(services, clock, MANAGER)
    assert all(p.chart_number == "" for p in plain.patients)  # pseudonyms only


def test_the_four_factors_are_saved_audited_and_found_again(
    services: Any, clock: ManualClock
) -> None:
    repo = ComplianceRepository(services.installation.db)
    opened(services, 4)
    a = assess(services, clock)
    assert saved_risk(repo, a) is None
    factors = RiskFactors(
        nature="Names and phone numbers; no clinical notes, no insurance numbers.",
        recipient="A front-desk employee of the practice, trained, bound by policy.",
        acquired="",
        mitigation="Access removed the same day; written assurance obtained.",
        conclusion=Conclusion.LOW_PROBABILITY,
    )
    with pytest.raises(ReportError, match="whether the PHI was acquired or viewed"):
        save_risk_assessment(repo, services.gateway, clock, OFFICER, a, factors)
    assert saved_risk(repo, a) is None and not bodies(services, "breach_risk_assessment_saved")

    factors = RiskFactors(
        factors.nature,
        factors.recipient,
        "Cards opened on screen for a few seconds each; nothing printed or exported.",
        factors.mitigation,
        Conclusion.LOW_PROBABILITY,
    )
    first = save_risk_assessment(repo, services.gateway, clock, OFFICER, a, factors)
    clock.advance(600)
    again = save_risk_assessment(
        repo,
        services.gateway,
        clock,
        OFFICER,
        a,
        RiskFactors(factors.nature, factors.recipient, factors.acquired, "", Conclusion.NOTIFY),
    )
    assert again.assessment_id == first.assessment_id  # one record per window and scope
    back = factors_of(saved_risk(repo, a))
    assert back.conclusion is Conclusion.NOTIFY and back.acquired.startswith("Cards opened")
    assert back.mitigation == ""
    saves = bodies(services, "breach_risk_assessment_saved")
    assert [s["flags"] for s in saves] == [["conclusion:low_probability"], ["conclusion:notify"]]
    assert all(s["resource_id"] == first.assessment_id for s in saves)
    assert all("front-desk employee" not in json.dumps(s) for s in saves)  # text stays local

    with pytest.raises(AccessDenied):
        save_risk_assessment(repo, services.gateway, clock, MANAGER, a, factors)
    assert bodies(services, "breach_risk_assessment_saved")[-1]["outcome"] == "failure"


def test_the_500_patient_rule() -> None:
    found, by = date(2026, 3, 2), date(2026, 5, 1)
    small = reporting_duties(499, found, by)
    assert not small.hhs_now and small.hhs_by == date(2027, 3, 1) == annual_log_deadline(found)
    assert not small.media_states and any("annual HHS log" in line for line in small.lines)
    assert annual_log_deadline(date(2027, 6, 1)) == date(2028, 2, 29)  # leap year
    large = reporting_duties(500, found, by)
    assert large.hhs_now and large.hhs_by == by and not large.states_known
    assert any("500 or more of them live in one state" in line for line in large.lines)
    spread = reporting_duties(700, found, by, {"OR": 350, "WA": 350})
    assert spread.hhs_now and spread.media_states == ()  # 700 in all, no state at 500
    one = reporting_duties(700, found, by, {"OR": 520, "WA": 180})
    assert one.media_states == ("OR",)
    assert any("media outlets serving OR by 2026-05-01" in line for line in one.lines)


def test_notice_letters_read_addresses_only_when_asked_and_count_states(
    services: Any, clock: ManualClock, pms: tuple[SimulatorServer, OpenDentalClient]
) -> None:
    server, client = pms
    for n in range(FIRST + 500, FIRST + 520):
        server.practice.patients[n]["State"] = "WA"  # 20 live across the river
    server.practice.patients[FIRST + 519]["Address"] = ""  # an address the PMS lacks
    opened(services, 520)
    a = assess(services, clock)
    assert not bodies(services, "breach_notice_list")  # the assessment reads no address
    with pytest.raises(AccessDenied):
        notice_letters(services.gateway, client, clock, MANAGER, a)

    letters = notice_letters(services.gateway, client, clock, OFFICER, a)
    assert len(letters.letters) == 520
    first = letters.letters[0]
    record = server.practice.patients[FIRST]
    assert first.chart_number == str(FIRST) and first.address is not None
    assert first.address.lines()[0] == f"{record['FName']} {record['LName']}"
    assert first.address.street == record["Address"] and first.address.state == "OR"
    assert sum(1 for x in letters.letters if not x.usable) == 1
    d = letters.duties
    assert d.hhs_now and d.states_known and d.media_states == ("OR",)  # 500 in OR, 19 in WA
    assert any("500 affected residents of OR" in line for line in d.lines)
    assert any("Patients without a usable address: 1." in line for line in d.lines)
    read = [b for b in bodies(services, "breach_notice_list") if b["outcome"] == "success"]
    assert len(read) == 520
    assert all(b["purpose"] == "breach_assessment" for b in read)
    assert all("mailing_address" in b["fields"] for b in read)
    assert record["LName"] not in json.dumps(read)  # pseudonyms in the trail, no names
