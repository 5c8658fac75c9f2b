"""The simulator answers with the same field names and formats as the documented examples."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.pms.simulator import SimulatorServer
from tests.pms.conftest import TODAY

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime": re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"),
    "us_date": re.compile(r"\d{1,2}/\d{1,2}/\d{4}"),
    "bool": re.compile(r"true|false|True|False"),
    "rgb": re.compile(r"\d{1,3},\d{1,3},\d{1,3}"),
    "pattern": re.compile(r"[X/]+"),
}


def _format(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return next((name for name, rx in FORMATS.items() if rx.fullmatch(value)), None)


def assert_same_shape(ours: dict[str, Any], documented: dict[str, Any], what: str) -> None:
    assert set(ours) == set(documented), (
        what,
        sorted(set(ours) ^ set(documented)),
    )
    for key, doc_value in documented.items():
        value = ours[key]
        assert type(value) is type(doc_value), (what, key, type(value).__name__)
        fmt = _format(doc_value)
        # An empty example value ("") says nothing about the format; a dated one does.
        if fmt is not None and fmt != "pattern":
            assert _format(value) == fmt, (what, key)
        if fmt == "bool":
            assert value in ("true", "false"), (what, key)


def _get(sim: SimulatorServer, path: str, **params: Any) -> Any:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    response = httpx.get(f"{sim.url}{path}", params=params, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def _doc(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _first(items: Any) -> dict[str, Any]:
    assert isinstance(items, list) and items
    first = items[0]
    assert isinstance(first, dict)
    return first


@pytest.fixture
def some(sim: SimulatorServer) -> dict[str, int]:
    p = sim.practice
    return {
        "apt": next(iter(p.appointments)),
        "pat": next(iter(p.insurance)),
        "recall_pat": p.recalls[0]["PatNum"],
    }


def test_appointments(sim: SimulatorServer, some: dict[str, int]) -> None:
    doc = _doc("appointment_single.json")
    assert_same_shape(_get(sim, f"/appointments/{some['apt']}"), doc, "appointment")
    listed = _get(sim, "/appointments", date=(TODAY + timedelta(days=1)).isoformat())
    for record in listed[:20]:
        assert_same_shape(record, doc, "appointment list")
        assert set(record["Pattern"]) <= {"X", "/"}
    for record in _get(sim, "/appointments/ASAP")[:5]:
        assert_same_shape(record, doc, "ASAP list")
        assert record["Priority"] == "ASAP"
    slot_doc = _doc("slots.json")[0]
    for slot in _get(sim, "/appointments/Slots", date=(TODAY + timedelta(days=1)).isoformat()):
        assert_same_shape(slot, slot_doc, "slot")


def test_patients(sim: SimulatorServer, some: dict[str, int]) -> None:
    single = _doc("patient_single.json")
    assert_same_shape(_get(sim, f"/patients/{some['pat']}"), single, "patient")
    last = sim.practice.patients[some["pat"]]["LName"]
    assert_same_shape(
        _first(_get(sim, "/patients", LName=last)), _doc("patients_list.json")[0], "patients"
    )
    simple = _first(_get(sim, "/patients/Simple", LName=last))
    assert_same_shape(simple, {"serverDateTime": "2021-08-05 09:05:42", **single}, "Simple")


def test_reference_lists(sim: SimulatorServer) -> None:
    assert_same_shape(_first(_get(sim, "/providers")), _doc("providers.json")[0], "providers")
    assert_same_shape(_first(_get(sim, "/operatories")), _doc("operatories.json")[0], "operatories")
    assert_same_shape(_first(_get(sim, "/recalltypes")), _doc("recalltypes.json")[0], "types")
    prefs = _get(sim, "/preferences", PrefName="RecallDaysPast")
    assert_same_shape(_first(prefs), _doc("preferences.json")[0], "preferences")


def test_recalls(sim: SimulatorServer, some: dict[str, int]) -> None:
    assert_same_shape(_first(_get(sim, "/recalls")), _doc("recalls.json")[0], "recalls")
    assert _get(sim, "/recalls", PatNum=some["recall_pat"])
    listed = _get(sim, "/recalls/List", DateStart="2000-01-01", DateEnd=TODAY.isoformat())
    assert_same_shape(_first(listed), _doc("recall_list.json")[0], "recall list")


def test_insurance_and_appointment_fields(sim: SimulatorServer, some: dict[str, int]) -> None:
    plans = _get(sim, f"/familymodules/{some['pat']}/Insurance")
    assert_same_shape(_first(plans), _doc("family_insurance.json")[0], "insurance")
    field = _get(sim, "/apptfields", AptNum=some["apt"], FieldName="Ins Verified")
    assert_same_shape(field, _doc("apptfield.json"), "apptfield")
    assert field["FieldValue"] == ""  # documented: "" when the appointment has none


def test_writes_answer_as_documented(sim: SimulatorServer) -> None:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    created = httpx.post(
        f"{sim.url}/appointments",
        headers=headers,
        json={"PatNum": 1001, "Op": 1, "AptDateTime": "2026-12-01 09:00:00"},
    )
    assert created.status_code == 201
    apt = created.json()
    assert created.headers["Location"] == f"{sim.url}/appointments/{apt['AptNum']}"
    assert_same_shape(apt, _doc("appointment_created.json"), "created")
    assert apt["Pattern"] == "/XX/"  # the documented default, 20 minutes
    put = httpx.put(f"{sim.url}/appointments/{apt['AptNum']}", headers=headers, json={"Note": "x"})
    assert put.status_code == 200 and put.json()["Note"] == "x"
    for path, body in [
        ("/Break", {"sendToUnscheduledList": "false"}),
        ("/Confirm", {"confirmVal": "Confirmed"}),
        ("/Note", {"Note": "y"}),
    ]:
        answer = httpx.put(
            f"{sim.url}/appointments/{apt['AptNum']}{path}", headers=headers, json=body
        )
        assert (answer.status_code, answer.content) == (200, b""), path
    stored = sim.practice.appointments[apt["AptNum"]]
    assert stored["Note"] == "x\r\ny"  # PUT Note appends on a new line
    assert (stored["AptStatus"], stored["confirmed"]) == ("Broken", "Appointment Confirmed")
    ok = httpx.put(
        f"{sim.url}/apptfields",
        headers=headers,
        json={"FieldName": "Ins Verified", "AptNum": apt["AptNum"], "FieldValue": "Yes"},
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/appointments/1", None, 404),
        ("GET", "/patients/1", None, 404),
        ("GET", "/nothing-here", None, 404),
        ("GET", "/appointments?AptStatus=Whatever", None, 400),
        ("GET", "/appointments?dateStart=not-a-date", None, 400),
        ("POST", "/appointments", {"PatNum": 1001}, 400),
        (
            "POST",
            "/appointments",
            {"PatNum": 1, "Op": 1, "AptDateTime": "2026-12-01 09:00:00"},
            404,
        ),
        ("PUT", "/appointments/{apt}/Break", {}, 400),
        ("PUT", "/appointments/{apt}/Confirm", {"confirmVal": "Maybe"}, 400),
        (
            "PUT",
            "/apptfields",
            {"FieldName": "Favourite Colour", "AptNum": "{apt}", "FieldValue": "x"},
            400,
        ),
        ("GET", "/apptfields?AptNum={apt}", None, 400),
    ],
)
def test_errors_use_the_documented_status_codes(
    sim: SimulatorServer, some: dict[str, int], method: str, path: str, body: Any, status: int
) -> None:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    path = path.replace("{apt}", str(some["apt"]))
    if isinstance(body, dict):
        body = {k: (some["apt"] if v == "{apt}" else v) for k, v in body.items()}
    answer = httpx.request(method, f"{sim.url}{path}", headers=headers, json=body)
    assert answer.status_code == status
    assert answer.content  # each error comes with an explanation


def test_a_bad_odfhir_header_is_401(sim: SimulatorServer) -> None:
    for header in ["", "ODFHIR wrong/keys", f"Bearer {sim.developer_key}/{sim.customer_key}"]:
        answer = httpx.get(f"{sim.url}/providers", headers={"Authorization": header})
        assert answer.status_code == 401
