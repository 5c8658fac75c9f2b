"""The simulator's plan lists, each as its API page documents it.

PatPlans GET (PatNum, InsSubNum) and DELETE (apipatplans: "Drop", no coverage; the InsSub
and the InsPlan stay); InsSubs GET (multiple) with PlanNum, Subscriber and SecDateTEdit ("on
or after this date") and PUT (apiinssubs: SecDateTEdit updated automatically); InsPlans GET
(multiple) with PlanType and CarrierNum (apiinsplans); Carriers GET (multiple, no filter:
apicarriers). The synthetic numbers: PatPlanNum = PatNum * 7, InsSubNum = PatNum * 10.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from services.pms.simulator.server import Answer, SimulatorServer, _bad, _missing, _now, _page

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PLAN_TYPES = {"percentage": "", "p": "p", "f": "f", "c": "c"}
SUB_TEXT_FIELDS = ("SubscriberID", "SubscNote", "BenefitNotes", "DateEffective", "DateTerm")


def route(
    server: SimulatorServer, method: str, path: str, q: dict[str, str], body: dict[str, Any]
) -> Answer | None:
    """The answer for the endpoints held here, or None."""
    p = server.practice
    lists = p.plan_lists
    if method == "GET" and path == "/patplans":
        items = [
            x
            for x in lists()["/patplans"]
            if all(str(x[k]) == str(int(q[k])) for k in ("PatNum", "InsSubNum") if k in q)
        ]
        return 200, _page(server, items, q), None
    if method == "GET" and path == "/inssubs":
        items = [
            x
            for x in lists()["/inssubs"]
            if all(str(x[k]) == str(int(q[k])) for k in ("PlanNum", "Subscriber") if k in q)
        ]
        if "SecDateTEdit" in q:  # "Returns all InsSubs on or after this date"
            since = _moment(q["SecDateTEdit"])
            items = [x for x in items if str(x["SecDateTEdit"]) >= since]
        return 200, _page(server, items, q), None
    if method == "GET" and path == "/insplans":
        items = lists()["/insplans"]
        if "PlanType" in q:
            if q["PlanType"] not in PLAN_TYPES:
                return _bad("PlanType is not valid")
            items = [x for x in items if x["PlanType"] == PLAN_TYPES[q["PlanType"]]]
        if "CarrierNum" in q:
            items = [x for x in items if str(x["CarrierNum"]) == str(int(q["CarrierNum"]))]
        return 200, _page(server, items, q), None
    if method == "GET" and path == "/carriers":
        return 200, _page(server, lists()["/carriers"], q), None
    m = re.fullmatch(r"/inssubs/(\d+)", path)
    if m and method == "PUT":
        return _sub_put(server, int(m.group(1)), body)
    m = re.fullmatch(r"/patplans/(\d+)", path)
    if m and method == "DELETE":
        number = int(m.group(1))
        if number % 7 or number // 7 not in p.insurance or number in p.dropped_pat_plans:
            return _missing("patplan")
        p.dropped_pat_plans.add(number)
        p.plans_version += 1
        return 200, b"", None
    return None


def _moment(text: str) -> str:
    """A "yyyy-MM-dd HH:mm:ss" (or "yyyy-MM-dd") parameter; a bad one is a 400."""
    full = text if len(text) > 10 else f"{text} 00:00:00"
    return datetime.strptime(full, TIME_FORMAT).strftime(TIME_FORMAT)


def _sub_put(server: SimulatorServer, number: int, body: dict[str, Any]) -> Answer:
    p = server.practice
    pat_num = number // 10
    if number % 10 or pat_num not in p.insurance:
        return _missing("inssub")
    if "SubscriberID" in body:
        if not str(body["SubscriberID"]).strip():
            return _bad("SubscriberID cannot be blank")
        p.insurance[pat_num]["subscriber_id"] = str(body["SubscriberID"])
    p.sub_edited[number] = _now(p)
    p.plans_version += 1
    return 200, b"", None
