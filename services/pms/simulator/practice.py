"""The synthetic practice: providers, operatories, patients, appointments, recalls, insurance.

Everything comes from one seed, so tests and the demo see the same practice every time.
Names are drawn from short invented lists; no record describes a real person.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from services.clock import Clock, SystemClock

FIRST = [
    "Avery",
    "Blake",
    "Casey",
    "Dana",
    "Emerson",
    "Finley",
    "Gray",
    "Harper",
    "Indigo",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Tatum",
    "Umber",
    "Val",
    "Wren",
    "Xan",
    "Yael",
    "Zion",
]
LAST = [
    "Abernethy",
    "Brightwater",
    "Copperfield",
    "Dunmore",
    "Eastwick",
    "Fairbanks",
    "Greenhollow",
    "Hartwell",
    "Ironside",
    "Juniper",
    "Kettleby",
    "Larkspur",
    "Merriweather",
    "Northcott",
    "Oakhurst",
    "Pembrook",
    "Quillfeather",
    "Ravensworth",
    "Silverton",
    "Thistlewood",
    "Underhill",
    "Valentine",
    "Whitlock",
    "Yarborough",
    "Zephyrine",
]
PROCS = [
    ("Prophy, Exam", 6, True),
    ("Perio Maint", 9, True),
    ("Comp Filling", 6, False),
    ("Crown Prep", 12, False),
    ("Root Canal", 12, False),
    ("New Pt Exam", 9, False),
    ("Extraction", 6, False),
    ("Seat Crown", 6, False),
]
CARRIERS = ["Delta Dental", "MetLife", "Cigna Dental", "Aetna Dental", "Guardian"]
OPEN, CLOSE = time(8, 0), time(17, 0)
# The office's "Appt Confirmed" definitions (category 2), and what PUT Confirm's confirmVal
# sets them to.
CONFIRM_DEFS = {19: "Not Called", 20: "Unconfirmed", 21: "Appointment Confirmed", 22: "Texted"}
CONFIRM_VALS = {"None": 19, "Sent": 22, "Confirmed": 21, "Not Accepted": 20, "Failed": 20}
APPT_FIELD_DEFS = ("Ins Verified",)
# An hour each provider keeps free on coming days (no appointment of theirs, in no chair of
# theirs): Slots counts a provider's appointments in every operatory together, so a book
# filled chair by chair would leave no provider time at all. The dentists share theirs (an
# appointment can move from one dentist's chair to the other's), as do the hygienists.
FREE_HOURS = {1: time(14, 0), 2: time(14, 0), 3: time(9, 0), 4: time(9, 0)}
# A multi-clinic practice (SyntheticPractice(multi_clinic=True)): operatories by clinic.
CLINIC_OPS = {1: (1, 2, 3, 6), 2: (4, 5, 7, 8)}
PROGRAM_VERSION = "24.3.1.0"


def fmt_dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class SyntheticPractice:
    today: date
    seed: int = 20261123
    patients_count: int = 3000
    providers: list[dict[str, Any]] = field(default_factory=list)
    operatories: list[dict[str, Any]] = field(default_factory=list)
    patients: dict[int, dict[str, Any]] = field(default_factory=dict)
    appointments: dict[int, dict[str, Any]] = field(default_factory=dict)
    recalls: list[dict[str, Any]] = field(default_factory=list)
    insurance: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The plan lists built from `insurance` once (keyed by how many plans there are and
    # `plans_version`, which every coverage edit moves on: services.pms.simulator.coverage).
    _plan_lists: tuple[tuple[int, int], dict[str, list[dict[str, Any]]]] | None = field(
        default=None, repr=False, compare=False
    )
    plans_version: int = 0
    sub_edited: dict[int, str] = field(default_factory=dict)  # InsSubNum -> SecDateTEdit
    dropped_pat_plans: set[int] = field(default_factory=set)  # PatPlans DELETE'd (PatPlanNum)
    appt_fields: dict[tuple[int, str], str] = field(default_factory=dict)
    recall_types: list[dict[str, Any]] = field(default_factory=list)
    # The office's follow-up records (services.pms.simulator.office): by their numbers.
    commlogs: dict[int, dict[str, Any]] = field(default_factory=dict)
    insverifies: dict[int, dict[str, Any]] = field(default_factory=dict)
    # ApptFieldDefs as the office set them up (FieldName, FieldType "Text" or "PickList").
    appt_field_defs: list[dict[str, Any]] = field(
        default_factory=lambda: [
            {"ApptFieldDefNum": 7 + i, "FieldName": name, "FieldType": "Text", "PickList": ""}
            for i, name in enumerate(APPT_FIELD_DEFS)
        ]
    )
    multi_clinic: bool = False  # clinics in use (Clinics GET, ClinicNum on records)
    clinics: list[dict[str, Any]] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)  # Schedules GET
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: Clock = field(default_factory=SystemClock)  # the server's clock (serverDateTime)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.providers = [
            {
                "ProvNum": 1,
                "Abbr": "DrA",
                "FName": "Alex",
                "LName": "Morrow",
                "IsSecondary": "false",
                "IsHidden": "false",
            },
            {
                "ProvNum": 2,
                "Abbr": "DrB",
                "FName": "Bailey",
                "LName": "Stone",
                "IsSecondary": "false",
                "IsHidden": "false",
            },
            {
                "ProvNum": 3,
                "Abbr": "HygC",
                "FName": "Cameron",
                "LName": "Lee",
                "IsSecondary": "true",
                "IsHidden": "false",
            },
            {
                "ProvNum": 4,
                "Abbr": "HygD",
                "FName": "Devon",
                "LName": "Park",
                "IsSecondary": "true",
                "IsHidden": "false",
            },
        ]
        stamp = fmt_dt(datetime.combine(self.today - timedelta(days=90), time(9, 0)))
        for n, provider in enumerate(self.providers):
            hyg = provider["IsSecondary"] == "true"
            provider.update(
                {
                    "MI": "",
                    "Suffix": "" if hyg else "DDS",
                    "FeeSched": 53,
                    "Specialty": 264 if hyg else 263,
                    "SSN": "",
                    "StateLicense": f"SIM{1000 + n}",
                    "provColor": "164,255,164" if not hyg else "203,151,255",
                    "UsingTIN": "false",
                    "SigOnFile": "true",
                    "NationalProvID": "",
                    "DateTStamp": stamp,
                    "IsNotPerson": "false",
                    "ProvStatus": "Active",
                    "IsHiddenReport": "false",
                    "Birthdate": "0001-01-01",
                    "SchedNote": "",
                    "PreferredName": "",
                }
            )
        for i in range(8):
            hyg = i >= 5
            self.operatories.append(
                {
                    "OperatoryNum": i + 1,
                    "OpName": f"Op {i + 1}" + (" (Hyg)" if hyg else ""),
                    "Abbrev": f"Op{i + 1}",
                    "ProvDentist": 1 if i < 3 else 2 if not hyg else 0,
                    "ProvHygienist": (3 if i % 2 else 4) if hyg else 0,
                    "IsHygiene": "true" if hyg else "false",
                    "IsHidden": "false",
                    "ItemOrder": i,
                    "ClinicNum": 0,
                    "SetProspective": "false",
                    "IsWebSched": "false",
                    "OperatoryType": 0,
                    "operatoryType": "",
                }
            )
        for n in range(1, self.patients_count + 1):
            pat_num = 1000 + n
            birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 80 * 365))
            area = rng.choice(["503", "971", "360"])
            first, last = rng.choice(FIRST), rng.choice(LAST)
            pri_prov = rng.choice([1, 2])
            self.patients[pat_num] = {
                "PatNum": pat_num,
                "LName": last,
                "FName": first,
                "MiddleI": "",
                "Preferred": "",
                "PatStatus": "Patient",
                "Gender": rng.choice(["Male", "Female", "Unknown"]),
                "Position": rng.choice(["Single", "Married", "Child"]),
                "Birthdate": birth.isoformat(),
                "SSN": "",
                "Address": f"{rng.randrange(10, 9999)} Synthetic Way",
                "Address2": "",
                "City": "Portland",
                "State": "OR",
                "Zip": "97201",
                "HmPhone": f"({area}){rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}",
                "WkPhone": "",
                "WirelessPhone": f"({area}){rng.randrange(200, 999)}-{rng.randrange(1000, 9999)}",
                "Guarantor": pat_num,
                "Email": f"patient{pat_num}@example.test",
                "EstBalance": 0.0,
                "PriProv": pri_prov,
                "priProvAbbr": self._abbr(pri_prov),
                "SecProv": 0,
                "secProvAbbr": "",
                "FeeSched": 0,
                "BillingType": "Standard Account",
                "ImageFolder": f"{last}{first}{pat_num}",
                "FamFinUrgNote": "",
                "ChartNumber": "",
                "MedicaidID": "",
                "BalTotal": 0.0,
                "EmployerNum": 0,
                "DateFirstVisit": (birth + timedelta(days=6000)).isoformat(),
                "ClinicNum": 0,
                "clinicAbbr": "",
                "Premed": "false",
                "Ward": "",
                "PreferConfirmMethod": "None",
                "PreferContactMethod": "WirelessPh",
                "PreferRecallMethod": "TextMessage",
                "Language": "",
                "AdmitDate": "0001-01-01",
                "siteDesc": "",
                "DateTStamp": stamp,
                "SuperFamily": 0,
                "TxtMsgOk": "Yes",
                "SecDateEntry": "2020-01-06",
            }
            if rng.random() < 0.7:
                self.insurance[pat_num] = {
                    "carrier": rng.choice(CARRIERS),
                    "subscriber_id": f"SUB{rng.randrange(10**6, 10**7)}",
                    "group": f"GRP{rng.randrange(1000, 9999)}",
                }
        pat_nums = list(self.patients)
        apt_num = 5000
        for offset in range(-14, 22):
            day = self.today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            # A provider who covers several operatories sees one patient at a time: their
            # other chairs are booked only where they are free (the deliberate
            # double-bookings below are the exceptions the conflicts screen must find).
            busy: dict[int, list[tuple[datetime, datetime]]] = {}
            cursors = {
                int(op["OperatoryNum"]): datetime.combine(day, OPEN) for op in self.operatories
            }
            by_num = {int(op["OperatoryNum"]): op for op in self.operatories}
            while cursors:
                op_num = min(cursors, key=lambda n: (cursors[n], n))  # chairs fill side by side
                op = by_num[op_num]
                t = cursors[op_num]
                is_hyg_op = op["IsHygiene"] == "true"
                owner = (op["ProvHygienist"] or 3) if is_hyg_op else (op["ProvDentist"] or 1)
                proc, units, hyg = rng.choice(PROCS)
                length = units * 5
                if t + timedelta(minutes=length) > datetime.combine(day, CLOSE):
                    del cursors[op_num]
                    continue
                if rng.random() < 0.12:  # a gap in the book
                    cursors[op_num] = t + timedelta(minutes=30)
                    continue
                end = t + timedelta(minutes=length)
                clash = next((b for b in busy.get(owner, []) if b[0] < end and t < b[1]), None)
                if clash is not None:
                    cursors[op_num] = clash[1]
                    continue
                busy.setdefault(owner, []).append((t, end))
                apt_num += 1
                if offset < 0:
                    status = "Broken" if rng.random() < 0.06 else "Complete"
                else:
                    status = "Scheduled"
                is_hyg = op["IsHygiene"] == "true"
                prov = (op["ProvHygienist"] or 3) if is_hyg else (op["ProvDentist"] or 1)
                self.appointments[apt_num] = self._appointment(
                    apt_num,
                    rng.choice(pat_nums),
                    t,
                    units,
                    op["OperatoryNum"],
                    prov,
                    status,
                    proc,
                    is_hyg,
                    confirmed=rng.random() < 0.55,
                    asap=status == "Scheduled" and rng.random() < 0.03,
                )
                cursors[op_num] = end
        # Deliberate double-bookings: a provider in two operatories at once, on coming days.
        for k in range(3):
            day = self.today + timedelta(days=1 + k)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            apt_num += 1
            self.appointments[apt_num] = self._appointment(
                apt_num,
                rng.choice(pat_nums),
                datetime.combine(day, time(10, 0)),
                6,
                2,
                1,
                "Scheduled",
                "Comp Filling",
                False,
                confirmed=False,
                asap=False,
            )
        self.recall_types = [
            {"RecallTypeNum": 1, "Description": "Prophy", "DefaultInterval": "6m1d",
             "TimePattern": "/XXXX/", "Procedures": "D1110", "AppendToSpecial": "false"},
            {"RecallTypeNum": 2, "Description": "Perio", "DefaultInterval": "3m1d",
             "TimePattern": "/XXXXXX/", "Procedures": "D4910", "AppendToSpecial": "false"},
            {"RecallTypeNum": 3, "Description": "4BW", "DefaultInterval": "1y",
             "TimePattern": "", "Procedures": "D0274", "AppendToSpecial": "true"},
            {"RecallTypeNum": 4, "Description": "Pano", "DefaultInterval": "5y",
             "TimePattern": "", "Procedures": "D0330", "AppendToSpecial": "true"},
        ]  # fmt: skip
        for pat_num in rng.sample(pat_nums, min(600, len(pat_nums) // 5)):
            due = self.today + timedelta(days=rng.randrange(-200, 90))
            self.recalls.append(
                {
                    "RecallNum": len(self.recalls) + 1,
                    "PatNum": pat_num,
                    "DateDue": due.isoformat(),
                    "DatePrevious": (due - timedelta(days=183)).isoformat(),
                    "RecallInterval": "6m1d",
                    "RecallStatus": 0,
                    "recallStatus": "",
                    "Note": "",
                    "IsDisabled": "true" if rng.random() < 0.02 else "false",
                    "DateTStamp": stamp,
                    "RecallTypeNum": rng.choice([1, 1, 1, 2, 3, 4]),
                    "DisableUntilBalance": 0.0,
                    "DisableUntilDate": "0001-01-01",
                    "DateScheduled": "0001-01-01",
                    "Priority": "Normal",
                    "TimePatternOverride": "",
                }
            )
        # Some recalls already have their visit booked, some are put off for a while (no
        # draw from rng, so the rest of the practice stays as it was).
        for r in self.recalls:
            if r["RecallNum"] % 17 == 0:
                r["DateScheduled"] = (self.today + timedelta(days=10)).isoformat()
            elif r["RecallNum"] % 23 == 0:
                r["DisableUntilDate"] = (self.today + timedelta(days=30)).isoformat()
        # No draw from rng below either: the rest of the practice stays as it was.
        self._free_provider_hours()
        from services.pms.simulator.scheduling import make_schedules

        self.schedules = make_schedules(
            self, self.today - timedelta(days=14), self.today + timedelta(days=42)
        )
        if self.multi_clinic:
            self._use_clinics()

    def _free_provider_hours(self) -> None:
        """From tomorrow on, each provider's free hour (FREE_HOURS) holds none of their
        appointments and none in their chairs."""
        for apt_num, a in list(self.appointments.items()):
            start = datetime.strptime(a["AptDateTime"], "%Y-%m-%d %H:%M:%S")
            if start.date() <= self.today or a["AptStatus"] != "Scheduled":
                continue
            end = start + timedelta(minutes=self.appointment_length(a))
            for prov, at in FREE_HOURS.items():
                free_from = datetime.combine(start.date(), at)
                chairs = {
                    o["OperatoryNum"]
                    for o in self.operatories
                    if prov in (o["ProvDentist"], o["ProvHygienist"])
                }
                mine = prov in (a["ProvNum"], a["ProvHyg"]) or a["Op"] in chairs
                if mine and start < free_from + timedelta(hours=1) and free_from < end:
                    del self.appointments[apt_num]
                    break

    def _use_clinics(self) -> None:
        self.clinics = [
            {
                "ClinicNum": n, "Description": name, "Address": f"{100 * n} Synthetic Way",
                "Address2": "", "City": "Portland", "State": "OR", "Zip": "97201",
                "BillingAddress": "", "BillingAddress2": "", "BillingCity": "",
                "BillingState": "", "BillingZip": "", "PayToAddress": "", "PayToAddress2": "",
                "PayToCity": "", "PayToState": "", "PayToZip": "", "Phone": f"50355500{n:02d}",
                "Abbr": name[:5], "IsHidden": "false",
            }
            for n, name in ((1, "Northside"), (2, "Southside"))
        ]  # fmt: skip
        clinic_of = {op: n for n, ops in CLINIC_OPS.items() for op in ops}
        for o in self.operatories:
            o["ClinicNum"] = clinic_of[int(o["OperatoryNum"])]
        for a in self.appointments.values():
            a["ClinicNum"] = clinic_of.get(int(a["Op"]), 0)
        for pat_num, pt in self.patients.items():
            pt["ClinicNum"] = 1 + pat_num % 2
            pt["clinicAbbr"] = self.clinics[pat_num % 2]["Abbr"]

    def clinic_of_op(self, op: int) -> int:
        return next((int(o["ClinicNum"]) for o in self.operatories if o["OperatoryNum"] == op), 0)

    def _appointment(
        self,
        apt_num: int,
        pat_num: int,
        start: datetime,
        units: int,
        op: int,
        prov: int,
        status: str,
        proc: str,
        hyg: bool,
        *,
        confirmed: bool,
        asap: bool,
    ) -> dict[str, Any]:
        return {
            "AptNum": apt_num,
            "PatNum": pat_num,
            "AptStatus": status,
            "Pattern": "/" + "X" * (units - 2) + "/" if units > 2 else "X" * units,
            "Confirmed": 21 if confirmed else 19,
            "confirmed": CONFIRM_DEFS[21 if confirmed else 19],
            "TimeLocked": "false",
            "Op": op,
            "Note": "Pt reports sensitivity on #14; see perio chart.",
            "ProvNum": prov,
            "provAbbr": self._abbr(prov),
            "ProvHyg": prov if hyg else 0,
            "AptDateTime": fmt_dt(start),
            "NextAptNum": 0,
            "UnschedStatus": 0,
            "unschedStatus": "",
            "IsNewPatient": "false",
            "ProcDescript": proc,
            "ClinicNum": 0,
            "IsHygiene": "true" if hyg else "false",
            "DateTStamp": fmt_dt(start - timedelta(days=20)),
            "DateTimeArrived": "0001-01-01 00:00:00",
            "DateTimeSeated": "0001-01-01 00:00:00",
            "DateTimeDismissed": "0001-01-01 00:00:00",
            "InsPlan1": 0,
            "InsPlan2": 0,
            "DateTimeAskedToArrive": "0001-01-01 00:00:00",
            "colorOverride": "0,0,0",
            "AppointmentTypeNum": 0,
            "SecUserNumEntry": 0,
            "SecDateTEntry": fmt_dt(start - timedelta(days=30)),
            "Priority": "ASAP" if asap else "Normal",
            "PatternSecondary": "",
            "ItemOrderPlanned": 0,
        }

    def recall_list(self, start: str | None, end: str | None) -> list[dict[str, Any]]:
        """The Recall List as Open Dental shows it: names, M/d/yyyy dates, a contact line."""
        low = date.fromisoformat(start) if start else self.today - timedelta(days=365)
        high = date.fromisoformat(end) if end else self.today + timedelta(days=7)
        types = {t["RecallTypeNum"]: t["Description"] for t in self.recall_types}
        rows = []
        for r in sorted(self.recalls, key=lambda r: r["DateDue"]):
            due = date.fromisoformat(r["DateDue"])
            if r["IsDisabled"] == "true" or not low <= due <= high:
                continue
            # Booked already, or put off until a later date: not on the list.
            if r["DateScheduled"] != "0001-01-01" or r["DisableUntilDate"] > self.today.isoformat():
                continue
            pt = self.patients[r["PatNum"]]
            rows.append(
                {
                    "DueDate": f"{due.month}/{due.day}/{due.year}",
                    "PatNum": pt["PatNum"],
                    "Patient": f"{pt['LName']}, {pt['FName']}",
                    "Age": str(
                        max(0, (self.today - date.fromisoformat(pt["Birthdate"])).days // 365)
                    ),
                    "Type": types.get(r["RecallTypeNum"], ""),
                    "Interval": r["RecallInterval"],
                    "NumRemind": "",
                    "LastRemind": "",
                    "Contact": f"Text:{pt['WirelessPhone']}",
                    "Status": "",
                    "ClinicNum": 0,
                    "Note": "",
                }
            )
        return rows

    def family_insurance(self, pat_num: int) -> list[dict[str, Any]]:
        """FamilyModules GET Insurance: zero or one plan per synthetic patient (none once its
        PatPlan was dropped: no coverage)."""
        if pat_num not in self.insurance or pat_num * 7 in self.dropped_pat_plans:
            return []
        return [self._plan_of(pat_num)]

    def _plan_of(self, pat_num: int) -> dict[str, Any]:
        ins = self.insurance[pat_num]
        pt = self.patients[pat_num]
        return {
            "PatNum": pat_num,
            "InsSubNum": pat_num * 10,
            "Subscriber": pat_num,
            "subscriber": f"{pt['FName']} {pt['LName']}",
            "SubscriberID": ins["subscriber_id"],
            "SubscNote": "",
            "PatPlanNum": pat_num * 7,
            "Ordinal": 1,
            "ordinal": "Primary",
            "IsPending": "false",
            "Relationship": "Self",
            "PatID": "",
            "CarrierNum": CARRIERS.index(ins["carrier"]) + 1,
            "CarrierName": ins["carrier"],
            "PlanNum": pat_num * 3,
            "GroupName": "Employer Plan",
            "GroupNum": ins["group"],
            "PlanNote": "",
            "FeeSched": 53,
            "feeSchedule": "Standard",
            "PlanType": "",
            "planType": "Category Percentage",
            "CopayFeeSched": 0,
            "EmployerNum": 0,
            "employer": "",
            "IsMedical": "false",
        }

    def plan_lists(self) -> dict[str, list[dict[str, Any]]]:
        """PatPlans, InsSubs, InsPlans and Carriers GET (multiple): the same plans as
        FamilyModules, in the lists' own shapes, ordered by their numbers."""
        key = (len(self.insurance), self.plans_version)
        if self._plan_lists is not None and self._plan_lists[0] == key:
            return self._plan_lists[1]
        pat_plans, subs, plans = [], [], []
        for pat_num in sorted(self.insurance):
            family = self._plan_of(pat_num)  # a dropped PatPlan leaves its sub and plan
            # Entered and last edited at a fixed time some days back, by the number.
            entered = fmt_dt(
                datetime.combine(self.today - timedelta(days=30 + pat_num % 300), time(10, 0))
            )
            edited = self.sub_edited.get(family["InsSubNum"], entered)
            if pat_num * 7 not in self.dropped_pat_plans:
                pat_plans.append(
                    {
                        k: family[k]
                        for k in ("PatPlanNum", "PatNum", "Ordinal", "IsPending", "Relationship")
                    }
                    | {
                        "PatID": "",
                        "InsSubNum": family["InsSubNum"],
                        "OrthoAutoFeeBilledOverride": -1.0,
                        "OrthoAutoNextClaimDate": "0001-01-01",
                        "SecDateTEntry": entered,
                        "SecDateTEdit": entered,
                    }
                )
            subs.append(
                {
                    k: family[k]
                    for k in ("InsSubNum", "PlanNum", "Subscriber", "SubscriberID", "SubscNote")
                }
                | {
                    "DateEffective": "0001-01-01",
                    "DateTerm": "0001-01-01",
                    "BenefitNotes": "",
                    "ReleaseInfo": "true",
                    "AssignBen": "true",
                    "SecDateTEdit": edited,
                }
            )
            plans.append(
                {k: family[k] for k in ("PlanNum", "GroupName", "GroupNum", "PlanNote", "FeeSched")}
                | {
                    "PlanType": "",
                    "CarrierNum": family["CarrierNum"],
                    "IsMedical": "false",
                    "SecDateTEdit": entered,
                }
            )
        carriers = [
            {
                "CarrierNum": i + 1,
                "CarrierName": name,
                "Address": "",
                "Address2": "",
                "City": "",
                "State": "",
                "Zip": "",
                "Phone": "",
                "ElectID": "",
                "NoSendElect": "SendElect",
                "IsHidden": "false",
            }
            for i, name in enumerate(CARRIERS)
        ]
        lists = {
            "/patplans": pat_plans,
            "/inssubs": subs,
            "/insplans": plans,
            "/carriers": carriers,
        }
        self._plan_lists = (key, lists)
        return lists

    def _abbr(self, prov: int) -> str:
        return next((p["Abbr"] for p in self.providers if p["ProvNum"] == prov), "")

    # -- queries the server answers --------------------------------------------------

    def appointment_length(self, apt: dict[str, Any]) -> int:
        return len(str(apt["Pattern"])) * 5
