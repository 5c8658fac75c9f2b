"""More of the adapter against the simulator: single reads, writes, paging edges, retries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from services.access import Field, Purpose, fields_for
from services.pms.http import RateLimiter, RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.records import (
    AptStatus,
    ConfirmStatus,
    PmsBadAnswer,
    PmsRejected,
    PmsUnavailable,
    RecordRef,
)
from services.pms.simulator import Fault, SimulatorServer, SyntheticPractice
from tests.pms.conftest import TODAY, SleepRecorder


def test_single_appointment_and_patients_by_number(
    sim: SimulatorServer, client: OpenDentalClient
) -> None:
    apt_num, raw = next(iter(sim.practice.appointments.items()))
    apt = client.appointment(Purpose.SCHEDULE, apt_num)
    assert (apt.apt_num, apt.pat_num) == (apt_num, raw["PatNum"])
    assert apt.date_time == apt.start and apt.duration_minutes == len(raw["Pattern"]) * 5
    assert apt.patient_name and apt.note is None
    assert apt.record_ref() == RecordRef("apt", apt_num, raw["PatNum"])
    wanted = [1001, 1002, 1003]
    contacts = client.patients(Purpose.PATIENT_LOOKUP, wanted)
    assert [c.pat_num for c in contacts] == wanted
    assert all(c.name and c.phone and c.birthdate for c in contacts)
    names_only = client.patients(Purpose.ACCESS_REPORT, [1001])
    assert names_only[0].name and names_only[0].phone is None and names_only[0].birthdate is None
    with pytest.raises(PmsRejected, match="404"):
        client.appointment(Purpose.SCHEDULE, 1)


def test_patient_search_by_name_phone_birthdate(
    sim: SimulatorServer, client: OpenDentalClient
) -> None:
    target = sim.practice.patients[1500]
    by_name = client.find_patients(
        Purpose.PATIENT_LOOKUP, name=f"{target['LName']}, {target['FName']}"
    )
    assert 1500 in {p.pat_num for p in by_name}
    assert len(by_name) < 100  # a narrow search
    by_phone = client.find_patients(Purpose.PATIENT_LOOKUP, phone=target["WirelessPhone"])
    assert [p.pat_num for p in by_phone] == [1500]
    by_birth = client.find_patients(
        Purpose.PATIENT_LOOKUP, birthdate=date.fromisoformat(target["Birthdate"])
    )
    assert 1500 in {p.pat_num for p in by_birth}
    # "Smith" would match many: a last name shared by ~1/25 of 3,000 patients spans pages.
    many = client.find_patients(Purpose.PATIENT_LOOKUP, name=target["LName"])
    assert len(many) > 100
    assert client.find_patients(Purpose.PATIENT_LOOKUP) == []


def test_recalls_insurance_and_refs(sim: SimulatorServer, client: OpenDentalClient) -> None:
    recalls = client.recalls_due(Purpose.RECALL_REMINDERS, TODAY)
    enabled_due = [
        r
        for r in sim.practice.recalls
        if r["DateDue"] <= TODAY.isoformat() and r["IsDisabled"] == "false"
    ]
    # Neither booked already nor put off until a later date (the simulator has both kinds).
    to_call = [
        r
        for r in enabled_due
        if r["DateScheduled"] == "0001-01-01" and r["DisableUntilDate"] <= TODAY.isoformat()
    ]
    assert len(to_call) < len(enabled_due)
    assert {r.recall_num for r in recalls} == {r["RecallNum"] for r in to_call}
    assert len(recalls) > 100  # several pages of /recalls
    assert {r.recall_type for r in recalls} <= {"Prophy", "Perio", "4BW", "Pano"}
    assert all(r.last_visit and r.patient_name and r.phone for r in recalls)
    assert recalls[0].record_ref() == RecordRef("rcl", recalls[0].recall_num, recalls[0].pat_num)
    insured = next(iter(sim.practice.insurance))
    facts = client.insurance_for(Purpose.INSURANCE_VERIFICATION, insured)
    assert facts is not None and facts.record_ref() == RecordRef("ins", insured * 7, insured)
    uninsured = next(n for n in sim.practice.patients if n not in sim.practice.insurance)
    assert client.insurance_for(Purpose.INSURANCE_VERIFICATION, uninsured) is None


def test_create_confirm_field_and_reschedule(
    sim: SimulatorServer, client: OpenDentalClient
) -> None:
    start = datetime.combine(TODAY + timedelta(days=3), datetime.min.time()).replace(hour=7)
    apt_num = client.create_appointment(1001, start, 2, minutes=45, prov_num=1, asap=True)
    stored = sim.practice.appointments[apt_num]
    assert (stored["Pattern"], stored["Op"], stored["Priority"]) == ("X" * 9, 2, "ASAP")
    assert apt_num in {a.apt_num for a in client.asap_list(Purpose.WAITLIST)}
    client.confirm(apt_num, ConfirmStatus.SENT)
    assert not client.appointment(Purpose.SCHEDULE, apt_num).confirmed
    client.confirm(apt_num)
    assert client.appointment(Purpose.SCHEDULE, apt_num).confirmed
    client.set_appointment_field(apt_num, "Ins Verified", "Yes")
    assert client.appointment_field(apt_num, "Ins Verified") == "Yes"
    with pytest.raises(PmsRejected, match="400"):
        client.set_appointment_field(apt_num, "Not A Field Def", "x")
    client.break_appointment(apt_num)
    assert stored["AptStatus"] == "Broken"
    with pytest.raises(PmsRejected):
        client.break_appointment(apt_num)  # only a Scheduled appointment can be broken
    client.reschedule(apt_num, start + timedelta(hours=2), op_num=3, prov_num=2)
    assert (stored["AptStatus"], stored["AptDateTime"][11:], stored["ProvNum"]) == (
        "Scheduled",
        "09:00:00",
        2,
    )
    with pytest.raises(PmsRejected, match="multiple of 5"):
        client.create_appointment(1001, start, 2, minutes=7)


def test_a_post_is_not_retried_once_it_may_have_landed(
    sim: SimulatorServer, client: OpenDentalClient, sleeps: SleepRecorder
) -> None:
    start = datetime.combine(TODAY + timedelta(days=4), datetime.min.time()).replace(hour=7)
    before = len(sim.practice.appointments)
    sim.inject(Fault(r"^/api/v1/appointments$", "500", method="POST"))
    with pytest.raises(PmsUnavailable, match="whether the change was made"):
        client.create_appointment(1001, start, 1)
    sim.inject(Fault(r"^/api/v1/appointments$", "timeout", seconds=0.6, method="POST"))
    impatient = OpenDentalClient(
        sim.url, sim.developer_key, sim.customer_key, timeout=0.3, sleep=sleeps
    )
    with pytest.raises(PmsUnavailable, match="whether the change was made"):
        impatient.create_appointment(1001, start, 1)
    impatient.close()
    posts = [m for m, _ in sim.requests if m == "POST"]
    assert len(posts) == 2 and sleeps.calls == []
    # A 429 means the server did nothing: that one is retried.
    sim.inject(Fault(r"^/api/v1/appointments$", "429", method="POST", retry_after=2))
    client.create_appointment(1001, start, 1)
    assert sleeps.calls == [2.0]
    # The timed-out POST may well have landed (the server finished it late): exactly why
    # it was not sent again.
    assert len(sim.practice.appointments) in (before + 1, before + 2)


def test_retry_after_as_an_http_date(
    sim: SimulatorServer, client: OpenDentalClient, sleeps: SleepRecorder
) -> None:
    # Retry-After as a date is relative to the real clock the client compares it with.
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=8), usegmt=True)
    sim.inject(Fault(r"/operatories", "429", retry_after=when))
    assert len(client.operatories()) == 8
    assert len(sleeps.calls) == 1 and 5.0 < sleeps.calls[0] <= 8.0
    policy = RetryPolicy(max_delay=20.0)
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert policy.delay(1, "Mon, 23 Nov 2026 12:00:30 GMT", now) == 20.0  # capped
    assert policy.delay(1, "Mon, 23 Nov 2026 11:59:00 GMT", now) == 0.0  # already past
    assert policy.delay(3, "soon", now) == 2.0  # unreadable: plain back-off
    assert policy.delay(1, "-5", now) == 0.0


@pytest.mark.parametrize("kind", ["disconnect", "truncated"])
def test_a_broken_connection_is_retried_then_succeeds(
    sim: SimulatorServer, client: OpenDentalClient, kind: str
) -> None:
    sim.inject(Fault(r"/appointments\?.*Offset=100", kind, times=1))
    found = client.appointments(Purpose.SCHEDULE, TODAY - timedelta(days=7), TODAY)
    assert len(found) > 100
    assert len({a.apt_num for a in found}) == len(found)


@pytest.mark.parametrize(
    "body",
    [
        b"",  # an empty 200 where a list was due
        b"{}",
        b'{"AptNum": 1}',
        b"null",
        b'"a string"',
        b"[1, 2, 3]",
        b"[[]]",
        b'[{"AptNum": 1}]',
        b"\xff\xfe not utf-8",
        b"[" * 100_000,
        b'[{"AptNum": 1, "PatNum": 2, "AptDateTime": "2026-13-45 99:00:00"}]',
    ],
)
def test_any_malformed_page_is_a_clear_error_and_nothing_is_returned(
    sim: SimulatorServer, client: OpenDentalClient, body: bytes
) -> None:
    sim.inject(Fault(r"/appointments\?.*Offset=100", "body", body=body))
    with pytest.raises(PmsBadAnswer) as caught:
        client.appointments(Purpose.SCHEDULE, TODAY - timedelta(days=7), TODAY)
    assert "Nothing was shown" in caught.value.message
    assert "2026" not in caught.value.message and 'AptNum": 1' not in caught.value.message


def test_paging_a_server_with_smaller_pages_than_asked(sim: SimulatorServer) -> None:
    # Asked for 1,000 a page, the server gives 100: the list must not stop at 100.
    client = OpenDentalClient(sim.url, sim.developer_key, sim.customer_key, page_size=1000)
    try:
        found = client.appointments(Purpose.APPOINTMENT_CONFLICTS, TODAY, TODAY + timedelta(days=7))
    finally:
        client.close()
    expected = [
        a
        for a in sim.practice.appointments.values()
        if TODAY.isoformat() <= a["AptDateTime"][:10] <= (TODAY + timedelta(days=7)).isoformat()
    ]
    assert len(found) == len(expected) > 200


def test_a_page_longer_than_asked_is_refused(sim: SimulatorServer) -> None:
    client = OpenDentalClient(sim.url, sim.developer_key, sim.customer_key, page_size=50)
    try:
        with pytest.raises(PmsBadAnswer):
            sim.page_size = 100
            sim.practice.lock  # noqa: B018 - the simulator ignores Limit below its page
            sim.inject(Fault(r"/providers", "body", body=b"[" + b",".join([b"{}"] * 51) + b"]"))
            client.providers()
    finally:
        client.close()


def test_minimum_necessary_across_purposes(sim: SimulatorServer, client: OpenDentalClient) -> None:
    # The simulator sends a clinical Note and the patient's number on every appointment.
    assert all(a["Note"] for a in sim.practice.appointments.values() if a["AptNum"] < 5100)
    start, end = TODAY - timedelta(days=7), TODAY
    noshow = client.appointments(Purpose.NO_SHOW_RESCHEDULING, start, end, status=AptStatus.BROKEN)
    assert noshow and all(a.note is None and a.confirmed is None for a in noshow)
    conflicts = client.appointments(Purpose.APPOINTMENT_CONFLICTS, TODAY, TODAY + timedelta(days=3))
    assert all(a.record_ref().pat_num is None and a.patient_name is None for a in conflicts)
    recalls = client.recalls_due(Purpose.RECALL_REMINDERS, TODAY)
    assert Field.EMAIL not in fields_for(Purpose.RECALL_REMINDERS)
    assert all(not hasattr(r, "note") for r in recalls)
    waitlist = client.asap_list(Purpose.WAITLIST)
    assert waitlist and all(a.phone is None and a.note is None for a in waitlist)
    insurance = client.appointments(Purpose.INSURANCE_VERIFICATION, TODAY, TODAY)
    assert all(a.phone is None and a.email is None and a.note is None for a in insurance)


def test_rate_limiter_is_a_token_bucket() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = RateLimiter(0.2, burst=2, clock=lambda: now[0], sleep=sleep)
    bucket.acquire()
    bucket.acquire()
    assert slept == []  # the burst
    bucket.acquire()
    assert slept == [pytest.approx(5.0)]  # one request every 5 s, as the cloud API throttles
    now[0] += 12.0
    bucket.acquire()
    bucket.acquire()
    assert len(slept) == 1


def test_rate_limit_applies_to_real_calls(sim: SimulatorServer, sleeps: SleepRecorder) -> None:
    # The limiter's time stands still between the two calls (however long the first took on
    # a busy machine): the second waits the whole 5 s interval, and only the second.
    client = OpenDentalClient(
        sim.url,
        sim.developer_key,
        sim.customer_key,
        requests_per_second=0.2,
        sleep=sleeps,
        monotonic=lambda: 1000.0,
    )
    try:
        client.providers()
        client.operatories()
    finally:
        client.close()
    assert sleeps.calls == [5.0]


def test_the_synthetic_practice_is_the_same_every_time() -> None:
    # How fast it builds is measured in tests/bench/bench_pms.py, not asserted here.
    a = SyntheticPractice(today=TODAY)
    b = SyntheticPractice(today=TODAY)
    assert a.appointments == b.appointments and a.patients == b.patients
    assert len(a.patients) >= 3000 and len(a.providers) == 4 and len(a.operatories) == 8
    broken = [
        x
        for x in a.appointments.values()
        if x["AptStatus"] == "Broken" and x["AptDateTime"][:10] >= str(TODAY - timedelta(days=7))
    ]
    assert broken
    assert any(x["Priority"] == "ASAP" for x in a.appointments.values())


def test_fault_specs_from_the_command_line() -> None:
    fault = Fault.parse(r"/appointments\?.*Offset=100:429:2")
    assert (fault.pattern, fault.kind, fault.times) == (r"/appointments\?.*Offset=100", "429", 2)
    assert Fault.parse("/providers:timeout:1:2.5").seconds == 2.5
    assert Fault.parse("/x:y:malformed").pattern == "/x:y"
    # Empty TIMES, as the help text's PATTERN:KIND[:TIMES[:SECONDS]] allows: always, 4 s.
    slow = Fault.parse("appointments:latency::4")
    assert (slow.pattern, slow.kind, slow.seconds) == ("appointments", "latency", 4.0)
    assert slow.times == Fault.parse("appointments:latency").times > 1000
    for bad in ["/providers", "/providers:explode", "(:500", "/x:latency:two"]:
        with pytest.raises(ValueError):
            Fault.parse(bad)


@pytest.fixture
def sim_process() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from services.pms.sim_server import main; sys.exit(main())",
            "--patients",
            "500",
            "--fault",
            "/operatories:500:1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    yield proc, line.rsplit(" ", 1)[-1].strip()
    proc.terminate()
    proc.wait(timeout=10)


def test_enamel_pms_sim_prints_its_url_and_serves(
    sim_process: tuple[subprocess.Popen[str], str],
) -> None:
    proc, url = sim_process
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v1")
    headers = {"Authorization": "ODFHIR sim-developer-key/sim-customer-key"}
    assert httpx.get(f"{url}/operatories", headers=headers).status_code == 500
    assert len(httpx.get(f"{url}/operatories", headers=headers).json()) == 8
    assert proc.poll() is None


def test_logs_name_events_and_allowed_fields_only(
    sim: SimulatorServer, client: OpenDentalClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from app.logging_setup import ALLOWED_FIELDS

    standard = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
    caplog.set_level(logging.DEBUG, logger="services.pms")
    sim.inject(Fault(r"/patients/", "429", times=1))
    sim.inject(Fault(r"/operatories", "500", times=9))
    client.appointments(Purpose.SCHEDULE, TODAY, TODAY)
    with pytest.raises(PmsUnavailable):
        client.operatories()
    assert {r.getMessage() for r in caplog.records} >= {
        "pms.request_retried",
        "pms.request_failed",
        "pms.list_loaded",
    }
    for record in caplog.records:
        assert record.getMessage().startswith("pms.") and " " not in record.getMessage()
        assert set(record.__dict__) - standard <= set(ALLOWED_FIELDS)
        flat = str({k: v for k, v in record.__dict__.items() if k not in standard})
        assert sim.developer_key not in flat and sim.customer_key not in flat
        assert not any(str(n) in flat for n in (1001, 1002, 1003))  # no patient numbers


def test_recalls_put_off_by_balance_or_date_or_booked_are_not_due(
    sim: SimulatorServer, client: OpenDentalClient
) -> None:
    due = [r for r in client.recalls_due(Purpose.RECALL_REMINDERS, TODAY)]
    by_num = {r["RecallNum"]: r for r in sim.practice.recalls}
    balance, later, booked, past = (by_num[r.recall_num] for r in due[:4])
    balance["DisableUntilBalance"] = 50.0
    later["DisableUntilDate"] = (TODAY + timedelta(days=1)).isoformat()
    booked["DateScheduled"] = (TODAY + timedelta(days=3)).isoformat()
    past["DisableUntilDate"] = (TODAY - timedelta(days=1)).isoformat()  # over: due again

    again = {r.recall_num for r in client.recalls_due(Purpose.RECALL_REMINDERS, TODAY)}

    assert again == {r.recall_num for r in due} - {
        balance["RecallNum"],
        later["RecallNum"],
        booked["RecallNum"],
    }
