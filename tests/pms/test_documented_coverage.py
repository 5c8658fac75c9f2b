"""The simulator's plan lists answer the documented example requests as their API pages say
(apipatplans, apiinssubs, apiinsplans, apicarriers), SecDateTEdit increments included."""

from __future__ import annotations

from typing import Any

import httpx

from services.pms.simulator import SimulatorServer
from tests.pms.test_documented_examples import _first, _get, assert_same_shape

# The example records of the pages (apiinssubs GET multiple, apipatplans GET, apicarriers).
INSSUB_EXAMPLE = {"InsSubNum": 43, "PlanNum": 15, "Subscriber": 1, "DateEffective": "2019-01-01",
                  "DateTerm": "2019-12-31", "SubscriberID": "8645332", "BenefitNotes": "",
                  "ReleaseInfo": "true", "AssignBen": "true", "SubscNote": "Other info",
                  "SecDateTEdit": "2023-03-02 04:15:00"}  # fmt: skip
PATPLAN_EXAMPLE = {"PatPlanNum": 1228, "PatNum": 1897, "Ordinal": 1, "IsPending": "false",
                   "Relationship": "Self", "PatID": "", "InsSubNum": 369,
                   "OrthoAutoFeeBilledOverride": -1.0, "OrthoAutoNextClaimDate": "0001-01-01",
                   "SecDateTEntry": "2021-01-26 14:54:04",
                   "SecDateTEdit": "2021-02-16 13:42:33"}  # fmt: skip
CARRIER_EXAMPLE = {"CarrierNum": 1, "CarrierName": "Dental Guard", "Address": "123 Elen St",
                   "Address2": "", "City": "Portland", "State": "OR", "Zip": "97035",
                   "Phone": "(503)456-8910", "ElectID": "54651", "NoSendElect": "SendElect",
                   "IsHidden": "false"}  # fmt: skip


def _send(sim: SimulatorServer, method: str, path: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    return httpx.request(method, f"{sim.url}{path}", headers=headers, json=body)


def test_the_plan_lists_have_the_documented_shapes(sim: SimulatorServer) -> None:
    assert_same_shape(_first(_get(sim, "/inssubs")), INSSUB_EXAMPLE, "inssub")
    assert_same_shape(_first(_get(sim, "/patplans")), PATPLAN_EXAMPLE, "patplan")
    assert_same_shape(_first(_get(sim, "/carriers")), CARRIER_EXAMPLE, "carrier")
    plan = _first(_get(sim, "/insplans"))
    assert {"PlanNum", "GroupNum", "CarrierNum", "PlanType", "SecDateTEdit"} <= set(plan)


def test_inssubs_answers_the_documented_requests(sim: SimulatorServer) -> None:
    pat_num = next(iter(sim.practice.insurance))
    sub = _first(_get(sim, "/inssubs", Subscriber=pat_num))
    assert _get(sim, "/inssubs", PlanNum=sub["PlanNum"]) == [sub]
    # GET /inssubs?SecDateTEdit=2023-03-02%2004:15:00: every synthetic sub is edited later.
    response = _send(sim, "GET", "/inssubs?SecDateTEdit=2023-03-02%2004:15:00")
    assert response.status_code == 200 and len(response.json()) == 100
    # "on or after this date": the sub's own stamp finds it, one second later does not.
    stamp = sub["SecDateTEdit"]
    assert sub in _get(sim, "/inssubs", SecDateTEdit=stamp, Subscriber=pat_num)
    later = stamp[:-2] + f"{int(stamp[-2:]) + 1:02d}"
    assert _get(sim, "/inssubs", SecDateTEdit=later, Subscriber=pat_num) == []
    assert _send(sim, "GET", "/inssubs?SecDateTEdit=yesterday").status_code == 400


def test_an_inssub_put_moves_its_secdatetedit_on(sim: SimulatorServer) -> None:
    newest = max(s["SecDateTEdit"] for s in sim.practice.plan_lists()["/inssubs"])
    pat_num = sorted(sim.practice.insurance)[3]
    body = {"SubscriberID": "8645332", "SubscNote": "Other info"}  # from the documented PUT
    assert _send(sim, "PUT", f"/inssubs/{pat_num * 10}", body).status_code == 200
    changed = _get(sim, "/inssubs", SecDateTEdit=newest)
    edited = [s for s in changed if s["InsSubNum"] == pat_num * 10]
    assert edited and edited[0]["SubscriberID"] == "8645332"
    assert edited[0]["SecDateTEdit"] > newest
    assert _send(sim, "PUT", "/inssubs/1", body).status_code == 404


def test_patplans_get_and_drop_as_documented(sim: SimulatorServer) -> None:
    pat_num = sorted(sim.practice.insurance)[5]
    (pat_plan,) = _get(sim, "/patplans", PatNum=pat_num)
    assert _get(sim, "/patplans", PatNum=pat_num, InsSubNum=pat_plan["InsSubNum"]) == [pat_plan]
    number = pat_plan["PatPlanNum"]
    assert _send(sim, "DELETE", f"/patplans/{number}").status_code == 200
    assert _get(sim, "/patplans", PatNum=pat_num) == []  # no patplan row: no coverage
    assert _get(sim, "/inssubs", Subscriber=pat_num)  # "does not affect the InsPlan itself"
    assert _get(sim, f"/familymodules/{pat_num}/Insurance") == []
    assert _send(sim, "DELETE", f"/patplans/{number}").status_code == 404
    body = {"VerifyType": "PatientEnrollment", "FKey": number}
    assert _send(sim, "PUT", "/insverifies", body).status_code == 400


def test_insplans_answers_the_documented_filters(sim: SimulatorServer) -> None:
    every = len(sim.practice.insurance)
    by_carrier = _get(sim, "/insplans", CarrierNum=1)
    assert by_carrier and all(p["CarrierNum"] == 1 for p in by_carrier)
    assert len(_get(sim, "/insplans", PlanType="percentage")) == min(100, every)
    assert _get(sim, "/insplans", PlanType="p") == []
    assert _send(sim, "GET", "/insplans?PlanType=ppo").status_code == 400


def test_insverifies_secdatetedit_gives_what_was_altered_after(sim: SimulatorServer) -> None:
    # GET /insverifies?VerifyType=InsuranceBenefit&SecDateTEdit=2024-03-25%2005%3A30%3A00
    path = "/insverifies?VerifyType=InsuranceBenefit&SecDateTEdit=2024-03-25%2005%3A30%3A00"
    assert _send(sim, "GET", path).json() == []
    pat_plan = next(iter(sim.practice.insurance)) * 7
    body = {"DateLastVerified": "2024-03-27", "VerifyType": "PatientEnrollment", "FKey": pat_plan}
    made = _send(sim, "PUT", "/insverifies", body).json()
    stamp = made["SecDateTEdit"]
    assert _get(sim, "/insverifies", VerifyType="PatientEnrollment", SecDateTEdit=stamp) == []
    earlier = _get(sim, "/insverifies", SecDateTEdit="2024-03-25 05:30:00")
    assert [v["InsVerifyNum"] for v in earlier] == [made["InsVerifyNum"]]
