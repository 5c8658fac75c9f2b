"""The simulator's schedule endpoints as their pages document them: Schedules GET (when each
provider works, apischedules), Appointments GET Slots (apiappointments: today or later only,
the practice default provider when no ProvNum is given, a provider's appointments in every
operatory counted together) and Clinics GET (apiclinics: an empty list when the office does
not use clinics)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from services.pms.simulator.practice import CLOSE, OPEN, SyntheticPractice, fmt_dt
from services.pms.simulator.server import Answer, SimulatorServer, _bad, _d, _missing, _page

SCHED_TYPES = ("Practice", "Provider", "Blockout", "Employee", "WebSchedASAP")
DEFAULT_PROVIDER = 1  # the PracticeDefaultProv preference
HOLDS = ("Scheduled", "Complete")
FMT = "%Y-%m-%d %H:%M:%S"


def provider_ops(p: SyntheticPractice, prov: int) -> list[int]:
    """The operatories a provider is assigned to (ProvDentist or ProvHygienist)."""
    return [
        int(o["OperatoryNum"])
        for o in p.operatories
        if prov in (o["ProvDentist"], o["ProvHygienist"]) and o["IsHidden"] != "true"
    ]


def make_schedules(p: SyntheticPractice, first: date, last: date) -> list[dict[str, Any]]:
    """A Provider entry per working weekday and provider (08:00-17:00 in their chairs), as
    Schedules GET shapes them (every value a string)."""
    entries: list[dict[str, Any]] = []
    number = 24000
    day = first
    while day <= last:
        if day.weekday() < 5:
            for provider in p.providers:
                prov = int(provider["ProvNum"])
                number += 1
                entries.append(
                    {
                        "ScheduleNum": str(number),
                        "SchedDate": day.isoformat(),
                        "StartTime": OPEN.strftime("%H:%M:%S"),
                        "StopTime": CLOSE.strftime("%H:%M:%S"),
                        "SchedType": "Provider",
                        "ProvNum": str(prov),
                        "BlockoutType": "0",
                        "blockoutType": "",
                        "Note": "",
                        "operatories": ",".join(str(n) for n in provider_ops(p, prov)),
                        "EmployeeNum": "0",
                        "DateTStamp": fmt_dt(datetime.combine(day - timedelta(days=30), OPEN)),
                    }
                )
        day += timedelta(days=1)
    return entries


def route(
    server: SimulatorServer, method: str, path: str, q: dict[str, str], body: dict[str, Any]
) -> Answer | None:
    p = server.practice
    if method != "GET":
        return None
    if path == "/schedules":
        return _schedules(server, p, q)
    m = re.fullmatch(r"/schedules/(\d+)", path)
    if m:
        found = next((s for s in p.schedules if s["ScheduleNum"] == m.group(1)), None)
        return (200, found, None) if found else _missing("Schedule not found")
    if path == "/appointments/Slots":
        return _slots(p, q)
    if path == "/clinics":
        return 200, [c for c in p.clinics if c["IsHidden"] != "true"], None
    return None


def _schedules(server: SimulatorServer, p: SyntheticPractice, q: dict[str, str]) -> Answer:
    if "date" in q:
        first = last = _d(q["date"])
    elif "dateStart" in q or "dateEnd" in q:
        first = _d(q.get("dateStart") or q.get("dateEnd") or "")
        last = _d(q.get("dateEnd") or q.get("dateStart") or "")
    else:
        first = last = p.today  # "Today's date by default"
    if "SchedType" in q and q["SchedType"] not in SCHED_TYPES:
        return _bad("SchedType is not valid")
    items = [s for s in p.schedules if first.isoformat() <= s["SchedDate"] <= last.isoformat()]
    for key, field in (
        ("SchedType", "SchedType"),
        ("ProvNum", "ProvNum"),
        ("EmployeeNum", "EmployeeNum"),
        ("BlockoutDefNum", "BlockoutType"),
    ):
        if key in q:
            items = [s for s in items if s[field] == q[key]]
    items.sort(key=lambda s: (s["StartTime"], int(s["ScheduleNum"])))  # "sorted by StartTime"
    return 200, _page(server, items, q), None


def _busy(p: SyntheticPractice, day: date, prov: int, op: int) -> list[tuple[datetime, datetime]]:
    """Time taken in `op`, and the provider's (ProvNum or ProvHyg) time in any operatory."""
    spans = []
    for a in p.appointments.values():
        if a["AptStatus"] not in HOLDS or not a["AptDateTime"].startswith(day.isoformat()):
            continue
        if a["Op"] == op or prov in (a["ProvNum"], a.get("ProvHyg") or 0):
            start = datetime.strptime(a["AptDateTime"], FMT)
            spans.append((start, start + timedelta(minutes=p.appointment_length(a))))
    return sorted(spans)


def _slots(p: SyntheticPractice, q: dict[str, str]) -> Answer:
    today = p.today
    if "date" in q:
        first = last = _d(q["date"])
    else:
        first = _d(q.get("dateStart") or today.isoformat())
        last = _d(q.get("dateEnd") or (first + timedelta(days=13)).isoformat())
    if first < today:
        return _bad("date must be today or a future date")
    if last < first:
        return _bad("dateEnd must not be before dateStart")
    length = int(q.get("lengthMinutes", "0") or 0)
    prov = int(q.get("ProvNum") or DEFAULT_PROVIDER)
    if not any(int(x["ProvNum"]) == prov for x in p.providers):
        return _bad("ProvNum is not valid")
    op_filter = int(q["OpNum"]) if q.get("OpNum") else None
    slots = []
    with p.lock:
        for s in sorted(p.schedules, key=lambda s: (s["SchedDate"], s["StartTime"])):
            day = date.fromisoformat(s["SchedDate"])
            if not first <= day <= last or s["SchedType"] != "Provider":
                continue
            if int(s["ProvNum"]) != prov:
                continue
            ops = [int(n) for n in s["operatories"].split(",") if n] or provider_ops(p, prov)
            begin = datetime.combine(day, time.fromisoformat(s["StartTime"]))
            end = datetime.combine(day, time.fromisoformat(s["StopTime"]))
            for op in ops:
                if op_filter is not None and op != op_filter:
                    continue
                cursor = begin
                for b_start, b_end in [*_busy(p, day, prov, op), (end, end)]:
                    stop = min(b_start, end)
                    if stop > cursor and (stop - cursor) >= timedelta(minutes=length):
                        slots.append(
                            {
                                "DateTimeStart": fmt_dt(cursor),
                                "DateTimeEnd": fmt_dt(stop),
                                "ProvNum": prov,
                                "OpNum": op,
                            }
                        )
                    cursor = max(cursor, b_end)
    return 200, slots, None
