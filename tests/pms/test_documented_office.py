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


# -- InsVerifies (apiinsverifies), ApptFieldDefs (apiapptfielddefs), Definitions ----------

INSVERIFY_EXAMPLE = {
    "InsVerifyNum": 1234,
    "DateLastVerified": "2024-03-27",
    "UserNum": 0,
    "VerifyType": "PatientEnrollment",
    "FKey": 325,
    "DefNum": 0,
    "Note": "",
    "DateLastAssigned": "0001-01-01",
    "SecDateTEdit": "2024-03-27 09:39:54",
}


def test_insverifies_put_and_get_as_documented(sim: SimulatorServer) -> None:
    pat_plan = next(iter(sim.practice.insurance)) * 7  # a valid patplan.PatPlanNum here
    # The documented body, with this practice's plan in FKey (325 is none of its plans).
    documented = {"DateLastVerified": "2024-03-27", "VerifyType": "PatientEnrollment",
                  "FKey": 325, "DefNum": 721, "Note": "Need additional pat info"}  # fmt: skip
    assert _send(sim, "PUT", "/insverifies", documented).status_code == 400
    body = {k: v for k, v in documented.items() if k != "DefNum"} | {"FKey": pat_plan}
    answer = _send(sim, "PUT", "/insverifies", body)
    assert answer.status_code == 200
    assert_same_shape(answer.json(), INSVERIFY_EXAMPLE, "insverify put")
    assert answer.json()["DateLastVerified"] == "2024-03-27"
    # DateLastVerified is optional: a note alone keeps the date.
    again = _send(sim, "PUT", "/insverifies", {"VerifyType": "PatientEnrollment", "FKey": pat_plan})
    assert again.json()["DateLastVerified"] == "2024-03-27"
    assert again.json()["InsVerifyNum"] == answer.json()["InsVerifyNum"]
    found = _get(sim, "/insverifies", VerifyType="PatientEnrollment", FKey=pat_plan)
    assert [v["InsVerifyNum"] for v in found] == [answer.json()["InsVerifyNum"]]
    assert _get(sim, "/insverifies", VerifyType="InsuranceBenefit") == []
    assert _send(sim, "GET", "/insverifies?FKey=10").status_code == 400
    assert _send(sim, "PUT", "/insverifies", {"FKey": pat_plan}).status_code == 400


def test_apptfielddefs_and_definitions_have_the_documented_shape(sim: SimulatorServer) -> None:
    documented = {"ApptFieldDefNum": 8, "FieldName": "Patient a minor",
                  "FieldType": "PickList", "PickList": "Yes\r\nNo\r\nUnknown"}  # fmt: skip
    (ins,) = _get(sim, "/apptfielddefs")
    assert_same_shape(ins, documented, "apptfielddef")
    assert ins["FieldName"] == "Ins Verified"
    definition = {"DefNum": 293, "ItemName": "Sales Tax", "ItemValue": "+", "Category": 1,
                  "category": "AdjTypes", "isHidden": "false"}  # fmt: skip
    statuses = _get(sim, "/definitions", Category=13)
    assert statuses and all(d["Category"] == 13 for d in statuses)
    assert_same_shape(statuses[0], definition, "definition")
    assert "Left Msg" in {d["ItemName"] for d in statuses}


def test_recalls_put_status_answers_the_documented_requests(sim: SimulatorServer) -> None:
    recall = next(r for r in sim.practice.recalls if r["RecallTypeNum"] == 1)
    pat = recall["PatNum"]
    left_msg = next(d["DefNum"] for d in _get(sim, "/definitions", Category=13)
                    if d["ItemName"] == "Left Msg")  # fmt: skip
    body = {"PatNum": pat, "recallType": "Prophy", "RecallStatus": left_msg,
            "commlogMode": "Phone", "commlogNote": "Patient out of town until 08/30/2021."}  # fmt: skip
    answer = _send(sim, "PUT", "/recalls/Status", body)
    assert answer.status_code == 200
    (mine,) = [r for r in _get(sim, "/recalls", PatNum=pat) if r["RecallTypeNum"] == 1]
    assert (mine["RecallStatus"], mine["recallStatus"]) == (left_msg, "Left Msg")
    logs = _get(sim, "/commlogs", PatNum=pat)
    assert logs[-1]["Note"] == "Patient out of town until 08/30/2021."
    assert (logs[-1]["commType"], logs[-1]["Mode_"]) == ("Recall", "Phone")
    # The second documented body: no status given, so the status is kept.
    assert (
        _send(sim, "PUT", "/recalls/Status", {"PatNum": pat, "recallType": "Prophy"}).status_code
        == 200
    )
    (mine,) = [r for r in _get(sim, "/recalls", PatNum=pat) if r["RecallTypeNum"] == 1]
    assert mine["RecallStatus"] == left_msg
    assert _send(sim, "PUT", "/recalls/Status", {"PatNum": pat}).status_code == 400
    assert (
        _send(sim, "PUT", "/recalls/Status", {"PatNum": 1, "recallType": "Prophy"}).status_code
        == 404
    )
