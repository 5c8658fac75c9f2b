"""The simulator's endpoints for the office's follow-up work, each as its API page documents it.

Patients GET Simple (with the DateTStamp filter of the docs' sync pattern) and PUT
(apipatients); Commlogs GET/POST (apicommlogs); InsVerifies GET/PUT (apiinsverifies);
ApptFieldDefs GET (apiapptfielddefs); Definitions GET (apidefinitions); Recalls PUT Status
(apirecalls). Kept apart from server.py so the routing there stays one table of the older
endpoints.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from services.pms.simulator.practice import CONFIRM_DEFS, SyntheticPractice
from services.pms.simulator.server import (
    Answer,
    SimulatorServer,
    _bad,
    _d,
    _missing,
    _now,
    _page,
    _stamped,
)

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
PAT_STATUSES = ("Patient", "NonPatient", "Inactive", "Archived", "Deceased", "Prospective")
# Patients PUT: the fields Enamel's tests change (the page lists more; all are optional).
PATIENT_TEXT_FIELDS = (
    "LName", "FName", "MiddleI", "Preferred", "Address", "Address2", "City", "State", "Zip",
    "HmPhone", "WkPhone", "WirelessPhone", "Email",
)  # fmt: skip


# Definitions the office set up: commlog types (category 27), recall statuses (13).
COMMLOG_TYPES = {235: "ApptRelated", 236: "Insurance", 237: "Financial", 238: "Recall", 239: "Misc"}
RECALL_STATUSES = {310: "Left Msg", 311: "Contacted", 312: "Pt Declined", 313: "Pt Will Call"}
COMMLOG_MODES = (
    "None", "Email", "Mail", "Phone", "In Person", "Text", "Email and Text", "Phone and Text",
)  # fmt: skip
# Recalls PUT Status writes its commlogMode without spaces.
RECALL_COMMLOG_MODES = {m.replace(" ", ""): m for m in COMMLOG_MODES}
VERIFY_TYPES = ("PatientEnrollment", "InsuranceBenefit")
DEFINITION_CATEGORIES = {2: "ApptConfirmed", 13: "RecallUnschedStatus", 27: "CommLogTypes"}


def route(
    server: SimulatorServer, method: str, path: str, q: dict[str, str], body: dict[str, Any]
) -> Answer | None:
    """The answer for the endpoints held here, or None for server.py's own table."""
    p = server.practice
    if method == "GET":
        if path == "/patients/Simple":
            return _patients_simple(server, p, q)
        if path == "/commlogs":
            return _commlogs(server, p, q)
        m = re.fullmatch(r"/commlogs/(\d+)", path)
        if m:
            found = p.commlogs.get(int(m.group(1)))
            return (200, found, None) if found else _missing("commlog")
        if path == "/insverifies":
            return _insverifies(server, p, q)
        m = re.fullmatch(r"/insverifies/(\d+)", path)
        if m:
            found = p.insverifies.get(int(m.group(1)))
            return (200, found, None) if found else _missing("insverify")
        if path == "/apptfielddefs":
            return 200, _page(server, p.appt_field_defs, q), None
        if path == "/definitions":
            return _definitions(server, q)
    if method == "PUT":
        m = re.fullmatch(r"/patients/(\d+)", path)
        if m:
            return _patient_put(p, int(m.group(1)), body)
        if path == "/insverifies":
            return _insverify_put(p, body)
        if path == "/recalls/Status":
            return _recall_status(p, body)
    if method == "POST" and path == "/commlogs":
        return _commlog_post(p, body)
    return None


def _stamp(text: str) -> str:
    """A "yyyy-MM-dd HH:mm:ss" parameter, checked (a bad one is a 400, as on a real server)."""
    return datetime.strptime(text, TIME_FORMAT).strftime(TIME_FORMAT)


def _patients_simple(server: SimulatorServer, p: SyntheticPractice, q: dict[str, str]) -> Answer:
    items = sorted(p.patients.values(), key=lambda x: int(x["PatNum"]))
    for key in ("LName", "FName"):
        if key in q:
            needle = q[key].lower()
            items = [x for x in items if needle in str(x[key]).lower()]
    if "Birthdate" in q:
        items = [x for x in items if x["Birthdate"] == _d(q["Birthdate"]).isoformat()]
    if "PatStatus" in q:
        if q["PatStatus"] not in PAT_STATUSES:
            return _bad("PatStatus is not valid")
        items = [x for x in items if x["PatStatus"] == q["PatStatus"]]
    for key in ("ClinicNum", "PriProv", "Guarantor"):
        if key in q:
            items = [x for x in items if str(x[key]) == str(int(q[key]))]
    if "DateTStamp" in q:
        # "patients updated in the database since that date": a record stamped in the same
        # second as the serverDateTime a client stored is included, never lost.
        since = _stamp(q["DateTStamp"])
        items = [x for x in items if str(x["DateTStamp"]) >= since]
    return 200, _page(server, [_stamped(p, x) for x in items], q), None


def _patient_put(p: SyntheticPractice, pat_num: int, body: dict[str, Any]) -> Answer:
    patient = p.patients.get(pat_num)
    if patient is None:
        return _missing("patient")
    changes: dict[str, Any] = {}
    for key in PATIENT_TEXT_FIELDS:
        if key in body:
            if key in ("LName", "FName") and not str(body[key]):
                return _bad(f"{key} cannot be blank")
            changes[key] = str(body[key])
    if "Birthdate" in body:
        changes["Birthdate"] = _d(str(body["Birthdate"])).isoformat()
    if "PatStatus" in body:
        if body["PatStatus"] not in PAT_STATUSES:
            return _bad("PatStatus is not valid")
        changes["PatStatus"] = body["PatStatus"]
    patient.update(changes)
    patient["DateTStamp"] = _now(p)
    return 200, patient, None


def _definitions(server: SimulatorServer, q: dict[str, str]) -> Answer:
    """Definitions GET: the office's definitions, optionally of one Category."""
    by_category = {2: CONFIRM_DEFS, 13: RECALL_STATUSES, 27: COMMLOG_TYPES}
    rows = [
        {
            "DefNum": num,
            "ItemName": name,
            "ItemValue": "",
            "Category": category,
            "category": DEFINITION_CATEGORIES[category],
            "isHidden": "false",
        }
        for category, defs in by_category.items()
        for num, name in defs.items()
    ]
    if "Category" in q:
        try:
            wanted = int(q["Category"])
        except ValueError:
            return _bad("Category is not valid")
        rows = [r for r in rows if r["Category"] == wanted]
    return 200, _page(server, sorted(rows, key=lambda r: int(str(r["DefNum"]))), q), None


# -- commlogs ---------------------------------------------------------------------------


def _new_commlog(
    p: SyntheticPractice, pat_num: int, note: str, comm_type: int, mode: str, when: str, sent: str
) -> dict[str, Any]:
    num = max(p.commlogs, default=0) + 1
    now = _now(p)
    p.commlogs[num] = {
        "CommlogNum": num,
        "PatNum": pat_num,
        "CommDateTime": when or now,
        "CommType": str(comm_type),
        "commType": COMMLOG_TYPES[comm_type],
        "Note": note,
        "Mode_": mode,
        "SentOrReceived": sent,
        "UserNum": 0,
        "DateTStamp": now,
        "CommSource": "User",
        "ProgramNum": 0,
        "DateTEntry": now,
        "ReferralNum": 0,
    }
    return p.commlogs[num]


def _commlogs(server: SimulatorServer, p: SyntheticPractice, q: dict[str, str]) -> Answer:
    items = sorted(p.commlogs.values(), key=lambda c: int(c["CommlogNum"]))
    if "PatNum" in q:
        items = [c for c in items if str(c["PatNum"]) == str(int(q["PatNum"]))]
    if "DateTStamp" in q:
        since = _stamp(q["DateTStamp"])
        items = [c for c in items if str(c["DateTStamp"]) >= since]
    return 200, _page(server, items, q), None


def _commlog_post(p: SyntheticPractice, body: dict[str, Any]) -> Answer:
    for key in ("PatNum", "Note"):
        if key not in body:
            return _bad(f"{key} is required")
    pat_num = int(body["PatNum"])
    if pat_num not in p.patients:
        return _missing("patient")
    by_name = {v: k for k, v in COMMLOG_TYPES.items()}
    if "commType" in body:  # "will be used over CommType if both are specified"
        if body["commType"] not in by_name:
            return _bad("commType is not a commlog type definition")
        comm_type = by_name[body["commType"]]
    elif "CommType" in body:
        if int(body["CommType"]) not in COMMLOG_TYPES:
            return _bad("CommType is not a commlog type definition")
        comm_type = int(body["CommType"])
    else:
        comm_type = by_name["Misc"]
    mode = str(body.get("Mode_", "Phone"))
    if mode not in COMMLOG_MODES:
        return _bad("Mode_ is not valid")
    sent = str(body.get("SentOrReceived", "Sent"))
    if sent not in ("Neither", "Sent", "Received"):
        return _bad("SentOrReceived is not valid")
    when = _stamp(str(body["CommDateTime"])) if "CommDateTime" in body else ""
    return 201, _new_commlog(p, pat_num, str(body["Note"]), comm_type, mode, when, sent), None


# -- insurance verification ----------------------------------------------------------------


def _insverifies(server: SimulatorServer, p: SyntheticPractice, q: dict[str, str]) -> Answer:
    items = sorted(p.insverifies.values(), key=lambda v: int(v["InsVerifyNum"]))
    if "FKey" in q and "VerifyType" not in q:
        return _bad("VerifyType is required if FKey is specified")
    if "VerifyType" in q:
        if q["VerifyType"] not in VERIFY_TYPES:
            return _bad("VerifyType is not valid")
        items = [v for v in items if v["VerifyType"] == q["VerifyType"]]
    if "FKey" in q:
        items = [v for v in items if str(v["FKey"]) == str(int(q["FKey"]))]
    if "SecDateTEdit" in q:
        since = _stamp(q["SecDateTEdit"])
        items = [v for v in items if str(v["SecDateTEdit"]) > since]
    return 200, _page(server, items, q), None


def _valid_fkey(p: SyntheticPractice, verify_type: str, fkey: int) -> bool:
    # The synthetic plans number PatPlanNum = PatNum * 7 and PlanNum = PatNum * 3.
    factor = 7 if verify_type == "PatientEnrollment" else 3
    if verify_type == "PatientEnrollment" and fkey in p.dropped_pat_plans:
        return False  # dropped: no such patplan any more
    return fkey % factor == 0 and fkey // factor in p.insurance


def _insverify_put(p: SyntheticPractice, body: dict[str, Any]) -> Answer:
    for key in ("VerifyType", "FKey"):
        if key not in body:
            return _bad(f"{key} is required")
    verify_type, fkey = str(body["VerifyType"]), int(body["FKey"])
    if verify_type not in VERIFY_TYPES:
        return _bad("VerifyType is not valid")
    if not _valid_fkey(p, verify_type, fkey):
        return _bad("FKey is not a valid patplan or insplan")
    verified = _d(str(body["DateLastVerified"])).isoformat() if "DateLastVerified" in body else None
    found = next(
        (v for v in p.insverifies.values() if (v["VerifyType"], v["FKey"]) == (verify_type, fkey)),
        None,
    )
    if found is None:
        num = max(p.insverifies, default=0) + 1
        found = p.insverifies[num] = {
            "InsVerifyNum": num,
            "DateLastVerified": "0001-01-01",
            "UserNum": 0,
            "VerifyType": verify_type,
            "FKey": fkey,
            "DefNum": 0,
            "Note": "",
            "DateLastAssigned": "0001-01-01",
            "SecDateTEdit": _now(p),
        }
    if verified is not None:
        found["DateLastVerified"] = verified
    if "DefNum" in body:
        found["DefNum"] = int(body["DefNum"])
    if "Note" in body:
        found["Note"] = str(body["Note"])
    found["SecDateTEdit"] = _now(p)
    return 200, found, None


# -- recalls ------------------------------------------------------------------------------


def _recall_status(p: SyntheticPractice, body: dict[str, Any]) -> Answer:
    for key in ("PatNum", "recallType"):
        if key not in body:
            return _bad(f"{key} is required")
    pat_num = int(body["PatNum"])
    if pat_num not in p.patients:
        return _missing("patient")
    type_num = next(
        (t["RecallTypeNum"] for t in p.recall_types if t["Description"] == body["recallType"]),
        None,
    )
    if type_num is None:
        return _bad("recallType is not a recall type")
    recall = next(
        (r for r in p.recalls if r["PatNum"] == pat_num and r["RecallTypeNum"] == type_num), None
    )
    if recall is None:
        return _missing("recall")
    status = int(body.get("RecallStatus", recall["RecallStatus"]) or 0)
    if status and status not in RECALL_STATUSES:
        return _bad("RecallStatus is not a recall status definition")
    mode = str(body.get("commlogMode", "None"))
    if mode not in RECALL_COMMLOG_MODES:
        return _bad("commlogMode is not valid")
    recall["RecallStatus"], recall["recallStatus"] = status, RECALL_STATUSES.get(status, "")
    recall["DateTStamp"] = _now(p)
    note = str(body.get("commlogNote") or f"Recall reminder. Status: {recall['recallStatus']}")
    _new_commlog(p, pat_num, note, 238, RECALL_COMMLOG_MODES[mode], "", "Sent")
    return 200, b"", None
