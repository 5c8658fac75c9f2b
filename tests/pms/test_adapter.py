"""The Open Dental adapter against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from services.access import Purpose
from services.pms.http import InsecureEndpoint, check_endpoint
from services.pms.opendental import OpenDentalClient
from services.pms.records import AptStatus, PmsBadAnswer, PmsRejected, PmsUnavailable
from services.pms.simulator import Fault, SimulatorServer
from tests.pms.conftest import TODAY, SleepRecorder

FIXTURES = Path(__file__).parent / "fixtures"


def test_paging_reads_every_page_and_only_then_returns(
    sim: SimulatorServer, client: OpenDentalClient
) -> None:
    start, end = TODAY - timedelta(days=14), TODAY + timedelta(days=14)
    found = client.appointments(Purpose.APPOINTMENT_CONFLICTS, start, end)
    expected = [
        a
        for a in sim.practice.appointments.values()
        if start.isoformat() <= a["AptDateTime"][:10] <= end.isoformat()
    ]
    assert len(found) == len(expected) > 900
    offsets = [p for m, p in sim.requests if p.startswith("/api/v1/appointments?")]
    assert len(offsets) == len(expected) // 100 + 1
    assert "Offset=0" in offsets[0] and "Offset=100" in offsets[1]


def test_every_read_the_workflows_use(sim: SimulatorServer, client: OpenDentalClient) -> None:
    day = client.appointments(Purpose.SCHEDULE, TODAY, TODAY)
    assert day and all(a.start.date() == TODAY for a in day)
    assert all(a.patient_name and a.phone for a in day)
    broken = client.appointments(
        Purpose.NO_SHOW_RESCHEDULING, TODAY - timedelta(days=7), TODAY, status=AptStatus.BROKEN
    )
    assert broken and all(a.status is AptStatus.BROKEN and a.email for a in broken)
    mine = client.appointments(Purpose.CLINICAL_SCHEDULE, TODAY, TODAY, prov_num=1)
    assert mine and {a.prov_num for a in mine} == {1}
    slots = client.open_slots(TODAY + timedelta(days=1), TODAY + timedelta(days=1), 30)
    assert slots and all((s.end - s.start) >= timedelta(minutes=30) for s in slots)
    assert client.asap_list(Purpose.WAITLIST)
    recalls = client.recalls_due(Purpose.RECALL_REMINDERS, TODAY)
    assert recalls and all(r.due <= TODAY and r.patient_name and r.phone for r in recalls)
    insured = next(n for n in sim.practice.insurance)
    facts = client.insurance_for(Purpose.INSURANCE_VERIFICATION, insured)
    assert facts is not None and facts.carrier and facts.subscriber_id and facts.birthdate
    last_name = sim.practice.patients[insured]["LName"]
    assert any(
        p.pat_num == insured for p in client.find_patients(Purpose.PATIENT_LOOKUP, name=last_name)
    )
    assert [p.prov_num for p in client.providers()] == [1, 2, 3, 4]
    assert len(client.operatories()) == 8


def test_writes_reach_the_simulator(sim: SimulatorServer, client: OpenDentalClient) -> None:
    apt = next(
        a
        for a in client.appointments(Purpose.NO_SHOW_RESCHEDULING, TODAY, TODAY + timedelta(days=3))
        if a.status is AptStatus.SCHEDULED
    )
    client.break_appointment(apt.apt_num)
    assert sim.practice.appointments[apt.apt_num]["AptStatus"] == "Broken"
    new_time = datetime.combine(TODAY + timedelta(days=2), datetime.min.time()).replace(hour=16)
    client.reschedule(apt.apt_num, new_time, op_num=4, prov_num=2)
    stored = sim.practice.appointments[apt.apt_num]
    assert (stored["AptDateTime"], stored["Op"], stored["AptStatus"]) == (
        "2026-11-25 16:00:00",
        4,
        "Scheduled",
    )
    client.confirm(apt.apt_num)
    assert stored["confirmed"] == "Appointment Confirmed"
    client.set_appointment_field(apt.apt_num, "Ins Verified", "2026-11-23 verified")
    assert sim.practice.appt_fields[(apt.apt_num, "Ins Verified")] == "2026-11-23 verified"
    with pytest.raises(PmsRejected, match="404"):
        client.break_appointment(99999999)


def test_minimum_necessary_even_when_the_server_sends_more(client: OpenDentalClient) -> None:
    noshow = client.appointments(Purpose.NO_SHOW_RESCHEDULING, TODAY - timedelta(days=7), TODAY)
    assert noshow and all(a.note is None for a in noshow)  # the server sends a clinical Note
    conflicts = client.appointments(Purpose.APPOINTMENT_CONFLICTS, TODAY, TODAY + timedelta(days=3))
    assert conflicts
    assert all(
        a.patient_name is None and a.phone is None and a.email is None and a.pat_num == 0
        for a in conflicts
    )
    clinical = client.appointments(Purpose.CLINICAL_SCHEDULE, TODAY, TODAY)
    assert all(a.note for a in clinical) and all(a.phone is None for a in clinical)


def test_retry_after_is_honoured_then_it_succeeds(
    sim: SimulatorServer, client: OpenDentalClient, sleeps: SleepRecorder
) -> None:
    sim.inject(Fault(r"/providers", "429", times=2, retry_after=3))
    assert len(client.providers()) == 4
    assert sleeps.calls == [3.0, 3.0]


def test_server_errors_back_off_then_give_a_clear_error(
    sim: SimulatorServer, client: OpenDentalClient, sleeps: SleepRecorder
) -> None:
    sim.inject(Fault(r"/operatories", "500", times=1))
    assert len(client.operatories()) == 8
    sim.inject(Fault(r"/operatories", "500", times=5))
    with pytest.raises(PmsUnavailable, match="busy or failing"):
        client.operatories()
    assert sleeps.calls == [0.5, 0.5, 1.0]


def test_a_timeout_is_retried_then_reported(sim: SimulatorServer, sleeps: SleepRecorder) -> None:
    client = OpenDentalClient(
        sim.url, sim.developer_key, sim.customer_key, timeout=0.3, sleep=sleeps
    )
    sim.inject(Fault(r"/providers", "timeout", times=4, seconds=0.6))
    with pytest.raises(PmsUnavailable, match="did not answer in time"):
        client.providers()
    assert len([p for _, p in sim.requests if p.startswith("/api/v1/providers")]) == 4
    assert sleeps.calls == [0.5, 1.0, 2.0]  # back-off between the four attempts
    sim.inject(Fault(r"/providers", "timeout", times=1, seconds=0.6))
    assert len(client.providers()) == 4  # one slow answer, then it succeeds
    client.close()


@pytest.mark.parametrize("kind", ["malformed", "wrongtype"])
def test_a_bad_page_in_the_middle_returns_nothing(
    sim: SimulatorServer, client: OpenDentalClient, kind: str
) -> None:
    sim.inject(Fault(r"/appointments\?.*Offset=200", kind, times=1))
    with pytest.raises(PmsBadAnswer):
        client.appointments(Purpose.SCHEDULE, TODAY - timedelta(days=14), TODAY)


def test_a_truncated_body_is_never_taken_as_complete(
    sim: SimulatorServer, client: OpenDentalClient
) -> None:
    sim.inject(Fault(r"/appointments\?.*Offset=100", "truncated", times=3))
    with pytest.raises(PmsUnavailable):
        client.appointments(Purpose.SCHEDULE, TODAY - timedelta(days=14), TODAY)
    sim.inject(Fault(r"/appointments\?.*Offset=100", "truncated", times=1))
    assert len(client.appointments(Purpose.SCHEDULE, TODAY - timedelta(days=7), TODAY)) > 100


def test_wrong_keys_are_a_clear_401(sim: SimulatorServer) -> None:
    bad = OpenDentalClient(sim.url, "nope", "nope")
    with pytest.raises(PmsRejected, match="refused Enamel's keys"):
        bad.providers()
    bad.close()


def test_plain_http_only_to_loopback_or_an_allowed_host() -> None:
    check_endpoint("http://127.0.0.1:30222/api/v1")
    check_endpoint("http://localhost:30222/api/v1")
    check_endpoint("https://api.opendental.com/api/v1")
    with pytest.raises(InsecureEndpoint, match="unencrypted"):
        check_endpoint("http://192.168.1.20:30223/api/v1")
    check_endpoint("http://od-server:30223/api/v1", frozenset({"od-server"}))
    with pytest.raises(InsecureEndpoint):
        OpenDentalClient("http://10.0.0.5:30223/api/v1", "d", "c")


def test_simulator_answers_match_the_documented_examples(sim: SimulatorServer) -> None:
    import httpx

    documented = json.loads((FIXTURES / "appointment_single.json").read_text())
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    apt_num = next(iter(sim.practice.appointments))
    ours = httpx.get(f"{sim.url}/appointments/{apt_num}", headers=headers).json()
    assert set(ours) == set(documented)
    for key, value in documented.items():
        assert type(ours[key]) is type(value), key
        if isinstance(value, str) and len(value) == 19 and value[4] == "-":
            datetime.strptime(ours[key], "%Y-%m-%d %H:%M:%S")
    assert set(ours["Pattern"]) <= {"X", "/"}
    slots_doc = json.loads((FIXTURES / "slots.json").read_text())
    slots = httpx.get(
        f"{sim.url}/appointments/Slots",
        params={"date": (TODAY + timedelta(days=1)).isoformat()},
        headers=headers,
    ).json()
    assert slots and all(set(s) == set(slots_doc[0]) for s in slots)
    missing = httpx.get(f"{sim.url}/appointments/1", headers=headers)
    assert missing.status_code == 404
    created = httpx.post(
        f"{sim.url}/appointments",
        headers=headers,
        json={"PatNum": 1001, "Op": 1, "AptDateTime": "2026-12-01 09:00:00"},
    )
    assert created.status_code == 201 and created.headers["Location"].endswith(
        f"/appointments/{created.json()['AptNum']}"
    )
    assert date.fromisoformat(created.json()["AptDateTime"][:10]) == date(2026, 12, 1)
