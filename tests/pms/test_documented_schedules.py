"""Schedules, Slots and Clinics as their pages document them (apischedules, apiappointments,
apiclinics), the documented example requests replayed against the simulator with its dates;
the ClinicNum, DateTStamp and AppointmentTypeNum filters; the adapter's reads of them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest

from services.clock import ManualClock
from services.pms.http import RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice
from services.pms.simulator.practice import FREE_HOURS
from tests.pms.conftest import TODAY
from tests.pms.test_documented_examples import _doc, _first, _get, assert_same_shape

FMT = "%Y-%m-%d %H:%M:%S"
TUESDAY = TODAY + timedelta(days=1)
FRIDAY = TODAY + timedelta(days=4)


def _status(sim: SimulatorServer, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    return httpx.request(method, f"{sim.url}{path}", headers=headers, json=body)


@pytest.fixture
def clinics() -> Iterator[SimulatorServer]:
    practice = SyntheticPractice(
        today=TODAY, clock=ManualClock(), patients_count=300, multi_clinic=True
    )
    server = SimulatorServer(practice, page_size=1000).start()
    yield server
    server.stop()


def client_for(sim: SimulatorServer, **kwargs: Any) -> OpenDentalClient:
    return OpenDentalClient(
        sim.url, sim.developer_key, sim.customer_key, page_size=1000,
        retry=RetryPolicy(attempts=1), sleep=lambda _s: None, **kwargs,
    )  # fmt: skip


# -- Schedules GET (apischedules) ------------------------------------------------------------


def test_schedules_answer_the_documented_requests_in_the_documented_shape(
    sim: SimulatorServer,
) -> None:
    single_doc = _doc("schedule_single.json")
    listed_doc = _doc("schedules.json")[0]
    # GET /schedules?date=2022-03-07 (a Monday: here the coming Tuesday)
    day = _get(sim, "/schedules", date=TUESDAY.isoformat())
    assert day and all(s["SchedDate"] == TUESDAY.isoformat() for s in day)
    for entry in day:
        assert_same_shape(entry, listed_doc, "schedule")
        assert all(isinstance(v, str) for v in entry.values()), "the page's values are strings"
    assert {s["ProvNum"] for s in day} == {"1", "2", "3", "4"}
    assert [s["StartTime"] for s in day] == sorted(s["StartTime"] for s in day)
    # GET /schedules?dateStart=2022-03-07&dateEnd=2022-03-11: the working week
    week = _get(sim, "/schedules", dateStart=TODAY.isoformat(), dateEnd=FRIDAY.isoformat())
    assert {s["SchedDate"] for s in week} == {
        (TODAY + timedelta(days=n)).isoformat() for n in range(5)
    }
    assert [s["StartTime"] for s in week] == sorted(s["StartTime"] for s in week)
    # GET /schedules?SchedType=Blockout: the synthetic office has none
    assert _get(sim, "/schedules", SchedType="Blockout") == []
    # Today's date by default; ProvNum filters.
    assert {s["SchedDate"] for s in _get(sim, "/schedules")} == {TODAY.isoformat()}
    assert {s["ProvNum"] for s in _get(sim, "/schedules", ProvNum=3)} == {"3"}
    # GET /schedules/24555 (single)
    number = day[0]["ScheduleNum"]
    assert_same_shape(_get(sim, f"/schedules/{number}"), single_doc, "schedule single")
    missing = _status(sim, "GET", "/schedules/1")
    assert missing.status_code == 404 and "Schedule not found" in missing.text
    assert _status(sim, "GET", "/schedules?SchedType=Lunch").status_code == 400
    # A weekend has no provider at work.
    saturday = TODAY + timedelta(days=5)
    assert _get(sim, "/schedules", date=saturday.isoformat()) == []


def test_the_adapter_reads_schedules_with_the_documented_string_numbers(
    sim: SimulatorServer,
) -> None:
    client = client_for(sim)
    entries = client.schedules(TODAY, FRIDAY)
    client.close()
    mine = [e for e in entries if e.day == TUESDAY and e.prov_num == 3]
    (hyg,) = mine
    assert (hyg.start, hyg.stop, hyg.sched_type) == (time(8), time(17), "Provider")
    assert hyg.op_nums == (6, 8)


# -- Appointments GET Slots (apiappointments) ------------------------------------------------


def _slots(sim: SimulatorServer, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = _get(sim, "/appointments/Slots", **params)
    for slot in found:
        assert_same_shape(slot, _doc("slots.json")[0], "slot")
    return found


def _overlaps(sim: SimulatorServer, slot: dict[str, Any]) -> list[int]:
    """Appointments holding the slot's chair, or its provider in any chair, during it."""
    start = datetime.strptime(slot["DateTimeStart"], FMT)
    end = datetime.strptime(slot["DateTimeEnd"], FMT)
    found = []
    for a in sim.practice.appointments.values():
        if a["AptStatus"] not in ("Scheduled", "Complete"):
            continue
        s = datetime.strptime(a["AptDateTime"], FMT)
        e = s + timedelta(minutes=len(a["Pattern"]) * 5)
        mine = a["Op"] == slot["OpNum"] or slot["ProvNum"] in (a["ProvNum"], a["ProvHyg"])
        if mine and s < end and start < e:
            found.append(a["AptNum"])
    return found


def test_slots_answer_the_documented_requests_by_the_documented_rules(
    sim: SimulatorServer,
) -> None:
    # GET /appointments/Slots?date=2021-02-15: the practice default provider only.
    default = _slots(sim, date=TUESDAY.isoformat())
    assert default and {s["ProvNum"] for s in default} == {1}
    # GET /appointments/Slots?date=2022-03-30&ProvNum=50&OpNum=16
    one_chair = _slots(sim, date=TUESDAY.isoformat(), ProvNum=3, OpNum=6)
    assert one_chair and {(s["ProvNum"], s["OpNum"]) for s in one_chair} == {(3, 6)}
    # GET /appointments/Slots?ProvNum=1&OpNum=18&dateStart=2022-03-28&dateEnd=2022-04-01
    week = _slots(
        sim, ProvNum=1, OpNum=2, dateStart=TUESDAY.isoformat(), dateEnd=FRIDAY.isoformat()
    )
    assert {s["DateTimeStart"][:10] for s in week} == {
        (TUESDAY + timedelta(days=n)).isoformat() for n in range(4)
    }
    # A provider across operatories: every slot is free in its chair and for its provider
    # in every chair (their appointments in all operatories count together).
    for prov in (1, 2, 3, 4):
        found = _slots(sim, dateStart=TUESDAY.isoformat(), dateEnd=FRIDAY.isoformat(), ProvNum=prov)
        assert found, f"provider {prov} has free time under these rules"
        for slot in found:
            assert _overlaps(sim, slot) == [], slot
        # the synthetic book keeps each provider's free hour open
        hour = FREE_HOURS[prov]
        assert any(
            s["DateTimeStart"][11:16] <= f"{hour:%H:%M}"
            and s["DateTimeEnd"][11:16] >= f"{hour.hour + 1:02d}:00"
            for s in found
        )
    # lengthMinutes ignores shorter slots; the default range is the next 14 days.
    long = _slots(sim, date=TUESDAY.isoformat(), ProvNum=1, lengthMinutes=60)
    assert all(
        datetime.strptime(s["DateTimeEnd"], FMT) - datetime.strptime(s["DateTimeStart"], FMT)
        >= timedelta(minutes=60)
        for s in long
    )
    days = {s["DateTimeStart"][:10] for s in _slots(sim, ProvNum=1)}
    assert min(days) >= TODAY.isoformat() and max(days) <= (TODAY + timedelta(days=13)).isoformat()


def test_slots_are_today_or_later_only(sim: SimulatorServer) -> None:
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert _status(sim, "GET", f"/appointments/Slots?date={yesterday}").status_code == 400
    assert _status(sim, "GET", f"/appointments/Slots?dateStart={yesterday}").status_code == 400
    assert _status(sim, "GET", f"/appointments/Slots?date={TODAY}").status_code == 200


def test_a_booked_slot_is_gone_for_the_provider_in_every_chair(sim: SimulatorServer) -> None:
    (first, *_) = _slots(sim, date=TUESDAY.isoformat(), ProvNum=3, OpNum=6)
    start = datetime.strptime(first["DateTimeStart"], FMT)
    pat = next(iter(sim.practice.patients))
    # The hygienist is booked in their other chair (Op 8) at the slot's start.
    created = _status(
        sim, "POST", "/appointments",
        {"PatNum": pat, "Op": 8, "AptDateTime": start.strftime(FMT), "Pattern": "XXXXXX",
         "ProvNum": 3, "ProvHyg": 3, "IsHygiene": "true"},
    )  # fmt: skip
    assert created.status_code == 201
    again = _slots(sim, date=TUESDAY.isoformat(), ProvNum=3, OpNum=6)
    assert all(not (s["DateTimeStart"] <= start.strftime(FMT) < s["DateTimeEnd"]) for s in again)


# -- ClinicNum, DateTStamp, AppointmentTypeNum (apiappointments, apiclinics) -------------


def test_clinics_get_is_empty_for_a_practice_without_clinics(sim: SimulatorServer) -> None:
    assert _get(sim, "/clinics") == []


def test_a_multi_clinic_practice_filters_by_clinicnum_as_documented(
    clinics: SimulatorServer,
) -> None:
    listed = _get(clinics, "/clinics")
    assert [c["ClinicNum"] for c in listed] == [1, 2]
    for c in listed:
        assert_same_shape(c, _doc("clinics.json")[0], "clinic")
    day = TUESDAY.isoformat()
    everything = _get(clinics, "/appointments", date=day)
    assert {a["ClinicNum"] for a in everything} == {1, 2}
    # GET /appointments?dateStart=…&dateEnd=…&DateTStamp=…&ClinicNum=3 (here clinic 2)
    second = _get(
        clinics, "/appointments", dateStart=day, dateEnd=day, DateTStamp="2020-07-30", ClinicNum=2
    )
    assert second and {a["ClinicNum"] for a in second} == {2}
    assert len(second) < len(everything)
    assert _get(clinics, "/appointments", date=day, ClinicNum=0) == []  # none without a clinic
    # The ASAP list: ClinicNum "Required only if Clinics are enabled".
    assert _status(clinics, "GET", "/appointments/ASAP").status_code == 400
    assert {a["ClinicNum"] for a in _get(clinics, "/appointments/ASAP", ClinicNum=1)} <= {1}
    # POST: "Default to op.ClinicNum if they have one set."
    pat = next(iter(clinics.practice.patients))
    made = _status(
        clinics, "POST", "/appointments",
        {"PatNum": pat, "Op": 4, "AptDateTime": f"{day} 07:00:00"},
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["ClinicNum"] == 2


def test_datetstamp_and_appointmenttypenum_filter_appointments(sim: SimulatorServer) -> None:
    day = TUESDAY.isoformat()
    stamp = _first(_get(sim, "/appointments", date=day))["serverDateTime"]
    assert _get(sim, "/appointments", date=day, DateTStamp=stamp) == []
    apt = _first(_get(sim, "/appointments", date=day))
    changed = _status(sim, "PUT", f"/appointments/{apt['AptNum']}", {"AppointmentTypeNum": 7})
    assert changed.status_code == 200
    assert [a["AptNum"] for a in _get(sim, "/appointments", date=day, DateTStamp=stamp)] == [
        apt["AptNum"]
    ]
    assert [a["AptNum"] for a in _get(sim, "/appointments", AppointmentTypeNum=7)] == [
        apt["AptNum"]
    ]
    assert _status(sim, "GET", "/appointments?DateTStamp=yesterday").status_code == 400


def test_the_adapter_sends_clinicnum_where_the_practice_uses_clinics(
    clinics: SimulatorServer,
) -> None:
    from services.access import Purpose

    client = client_for(clinics, clinic_num=2)
    try:
        listed = client.appointments(Purpose.APPOINTMENT_CONFLICTS, TUESDAY, TUESDAY)
        assert listed
        assert all(clinics.practice.appointments[a.apt_num]["ClinicNum"] == 2 for a in listed)
        client.asap_list(Purpose.WAITLIST)  # refused without ClinicNum in this practice
        pat = next(iter(clinics.practice.patients))
        apt_num = client.create_appointment(pat, datetime.combine(TUESDAY, time(7)), 7)
        assert clinics.practice.appointments[apt_num]["ClinicNum"] == 2
    finally:
        client.close()
    sent = [path for method, path in clinics.requests if method == "GET"]
    assert all("ClinicNum=2" in p for p in sent if p.startswith("/api/v1/appointments"))
    plain = client_for(clinics)
    try:
        with pytest.raises(Exception, match="refused"):
            plain.asap_list(Purpose.WAITLIST)
    finally:
        plain.close()
