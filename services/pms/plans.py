"""Patients' insurance plans read from Open Dental's plan lists, page by page, for a worklist.

FamilyModules GET Insurance answers for one patient; a worklist of two hundred patients is two
hundred requests. The lists (PatPlans, InsSubs, InsPlans, Carriers GET multiple) answer for
the whole practice in pages, so a worklist costs the same few requests however long it is.
Each patient's plans come back in the shape FamilyModules gives them, joined on the numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from services.pms import parse
from services.pms.paging import ListAsk

# Up to this many patients, one FamilyModules GET each is fewer requests than the lists.
PER_PATIENT_UP_TO = 10

Lists = Callable[[Sequence[ListAsk]], list[list[dict[str, Any]]]]

LISTS = {
    "/patplans": "patient plans",
    "/inssubs": "insurance subscriptions",
    "/insplans": "insurance plans",
    "/carriers": "carriers",
}


def plan_asks(*, subscriber_id: bool, group_number: bool, carrier: bool) -> list[ListAsk]:
    """The plan lists a purpose needs: PatPlans always, the others for the fields asked for."""
    needed = ["/patplans"]
    if subscriber_id or group_number or carrier:
        needed.append("/inssubs")
    if group_number or carrier:
        needed.append("/insplans")
    if carrier:
        needed.append("/carriers")
    return [ListAsk(path, {}, LISTS[path]) for path in needed]


def plans_from_lists(
    lists: Lists,
    pat_nums: Iterable[int],
    *,
    subscriber_id: bool,
    group_number: bool,
    carrier: bool,
) -> dict[int, list[dict[str, Any]]]:
    """Each patient's plans (PatPlanNum, PatNum, Ordinal and what was asked for), by PatNum.

    The lists that are needed, and their pages, are read side by side where the client
    allows (services/pms/paging.py); a list is used only once every page of it has arrived."""
    asks = plan_asks(subscriber_id=subscriber_id, group_number=group_number, carrier=carrier)
    read = dict(zip((a.path for a in asks), lists(asks), strict=True))
    return plans_joined(
        read, pat_nums, subscriber_id=subscriber_id, group_number=group_number, carrier=carrier
    )


def plans_joined(
    read: Mapping[str, list[dict[str, Any]]],
    pat_nums: Iterable[int],
    *,
    subscriber_id: bool,
    group_number: bool,
    carrier: bool,
) -> dict[int, list[dict[str, Any]]]:
    """`plans_from_lists` from lists already read (by path, as `plan_asks` names them)."""
    wanted = set(pat_nums)
    subs = {parse.integer(s, "InsSubNum"): s for s in read.get("/inssubs", [])}
    plans = {parse.integer(p, "PlanNum"): p for p in read.get("/insplans", [])}
    carriers = {parse.integer(c, "CarrierNum"): c for c in read.get("/carriers", [])}
    found: dict[int, list[dict[str, Any]]] = {n: [] for n in wanted}
    for pat_plan in read["/patplans"]:
        pat_num = parse.integer(pat_plan, "PatNum")
        if pat_num not in wanted:
            continue
        record: dict[str, Any] = {
            "PatNum": pat_num,
            "PatPlanNum": parse.integer(pat_plan, "PatPlanNum"),
            "Ordinal": parse.integer(pat_plan, "Ordinal", optional=True),
        }
        sub = subs.get(parse.integer(pat_plan, "InsSubNum", optional=True), {})
        plan = plans.get(parse.integer(sub, "PlanNum", optional=True), {}) if sub else {}
        if subscriber_id:
            record["SubscriberID"] = parse.text(sub, "SubscriberID") if sub else ""
        if group_number:
            record["GroupNum"] = parse.text(plan, "GroupNum") if plan else ""
        if carrier:
            number = parse.integer(plan, "CarrierNum", optional=True) if plan else 0
            record["CarrierName"] = (
                parse.text(carriers[number], "CarrierName") if number in carriers else ""
            )
        found[pat_num].append(record)
    return found
