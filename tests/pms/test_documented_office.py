"""The simulator's follow-up endpoints answer the documented example requests as documented."""

from __future__ import annotations

from typing import Any

import httpx

from services.pms.simulator import SimulatorServer
from tests.pms.test_documented_examples import _doc, _first, _get, assert_same_shape


def _send(sim: SimulatorServer, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    return httpx.request(method, f"{sim.url}{path}", headers=headers, json=body)


# -- Patients GET Simple and PUT (apipatients) -------------------------------------------


def test_patients_simple_has_the_documented_shape_and_server_time(sim: SimulatorServer) -> None:
    first = _first(_get(sim, "/patients/Simple"))
    assert_same_shape(first, _doc("patients_simple.json"), "patients simple")
    assert next(iter(first)) == "serverDateTime"


def test_patients_simple_answers_the_documented_requests(sim: SimulatorServer) -> None:
    everyone = len(sim.practice.patients)
    assert len(_get(sim, "/patients/Simple", Offset=700)) == min(100, max(0, everyone - 700))
    # The documented DateTStamp example is long before every synthetic record's stamp.
    assert len(_get(sim, "/patients/Simple", DateTStamp="2021-07-01 05:30:00")) == 100
    some = sim.practice.patients[1001]
    found = _get(
        sim,
        "/patients/Simple",
        LName=some["LName"][:3].lower(),
        FName=some["FName"][1:4],
        Birthdate=some["Birthdate"],
    )
    assert 1001 in [x["PatNum"] for x in found]
    assert _get(sim, "/patients/Simple", PatStatus="Inactive") == []


def test_datetstamp_gives_the_changes_since_a_stored_server_time(sim: SimulatorServer) -> None:
    server_time = _first(_get(sim, "/patients/Simple"))["serverDateTime"]
    assert _get(sim, "/patients/Simple", DateTStamp=server_time) == []
    answer = _send(sim, "PUT", "/patients/1002", {"WirelessPhone": "(503)555-0199"})
    assert answer.status_code == 200 and answer.json()["WirelessPhone"] == "(503)555-0199"
    changed = _get(sim, "/patients/Simple", DateTStamp=server_time)
    assert [x["PatNum"] for x in changed] == [1002]
    assert changed[0]["DateTStamp"] >= server_time


def test_patient_errors_are_the_documented_codes(sim: SimulatorServer) -> None:
    assert _send(sim, "GET", "/patients/Simple?DateTStamp=yesterday").status_code == 400
    assert _send(sim, "GET", "/patients/Simple?PatStatus=Sleeping").status_code == 400
    assert _send(sim, "PUT", "/patients/1", {"FName": "X"}).status_code == 404
    assert _send(sim, "PUT", "/patients/1001", {"LName": ""}).status_code == 400
