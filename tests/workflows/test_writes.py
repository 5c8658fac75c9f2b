"""Every workflow write, at the service level: the real adapter over HTTP to the simulator,
a real SQLCipher installation, and what changed in the PMS, the desk tables and the trail."""

from __future__ import annotations

import copy
import csv
import json
import stat
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.bootstrap import Services
from services.access import AccessDenied, Actor, ActorType, Role
from services.audit import AuditEntry, RecordKind
from services.pms.records import AptStatus, PmsRejected, PmsUnavailable
from services.pms.simulator import SimulatorServer
from services.pms.simulator.server import Fault
from services.workflows.booking import WRITE_FIELDS, BookingService
from services.workflows.context import DeskContext
from services.workflows.insurance import InsuranceService, VerificationItem
from services.workflows.noshow import NoShow, NoShowService
from services.workflows.recall import RecallItem, RecallService
from services.workflows.schedule import ScheduleService
from services.workflows.waitlist import WaitlistService

FRONT = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)
BILLING = Actor("user_billing", ActorType.HUMAN, Role.BILLING)
DENTIST = Actor("user_dentist", ActorType.HUMAN, Role.DENTIST)
IT = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)
WRITE_METHODS = ("PUT", "POST", "DELETE")


# -- helpers ----------------------------------------------------------------------------


def noshows(ctx: DeskContext) -> NoShowService:
    """No-show rebooking through the booking checks (office hours not set: not checked)."""
    return NoShowService(ctx, BookingService(ctx, ScheduleService(ctx).reference, lambda: None))


def waitlist(ctx: DeskContext) -> WaitlistService:
    return WaitlistService(ctx, BookingService(ctx, ScheduleService(ctx).reference, lambda: None))


def trail_head(services: Services) -> int:
    return services.trail.repository.count()


def entries_after(services: Services, count: int) -> list[dict[str, Any]]:
    rows = list(services.trail.repository.rows())
    return [AuditEntry.from_row(*r).data for r in rows[count:]]


def writes_sent(sim: SimulatorServer) -> list[tuple[str, str]]:
    return [(m, p) for m, p in sim.requests if m in WRITE_METHODS]


def assert_pseudonymised(
    services: Services,
    entry: dict[str, Any],
    kind: RecordKind,
    record_number: int | str,
    pat_num: int,
) -> None:
    """The entry names the record and the patient by their HMAC refs, which map back locally."""
    repo = services.trail.repository
    assert entry["resource_id"] == services.trail.ref(kind, record_number)
    assert entry["resource_id"].startswith(f"{kind.value}_")
    assert entry["patient_id"] == services.trail.ref(RecordKind.PATIENT, pat_num)
    assert entry["patient_id"].startswith("pt_")
    assert str(pat_num) not in (entry["patient_id"], entry["resource_id"])
    assert repo.resolve(entry["patient_id"]) == ("pt", str(pat_num))
    assert repo.resolve(entry["resource_id"]) == (kind.value, str(record_number))


def no_phi_in(entries: list[dict[str, Any]], *values: str | None) -> None:
    bodies = json.dumps(entries)
    for value in values:
        if value:
            assert value not in bodies


def first_noshow(ctx: DeskContext, sim: SimulatorServer) -> NoShow:
    found = noshows(ctx).recent(FRONT)
    assert found, "the synthetic practice has broken appointments in the last 7 days"
    for row in found:
        stored = sim.practice.appointments[row.appointment.apt_num]["AptStatus"]
        assert stored in ("Broken", "UnschedList")
    return found[0]


def commlogs_of(sim: SimulatorServer, pat_num: int) -> list[dict[str, Any]]:
    return [c for c in sim.practice.commlogs.values() if c["PatNum"] == pat_num]


# -- no-show rescheduling ------------------------------------------------------------


def test_reschedule_moves_the_appointment_in_the_pms_and_is_audited(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    service = noshows(ctx)
    row = first_noshow(ctx, sim)
    apt = row.appointment
    slots = service.slots(FRONT, apt)
    slot = slots[0]
    assert slot.start.date() > cheap_services.clock.now().date()
    assert (slot.end - slot.start).total_seconds() >= apt.minutes * 60
    before = trail_head(cheap_services)

    service.reschedule(FRONT, apt, service.request_for(apt, slot.start, slot.op_num))

    stored = sim.practice.appointments[apt.apt_num]
    assert stored["AptDateTime"] == slot.start.strftime("%Y-%m-%d %H:%M:%S")
    # Its own dentist stays in ProvNum (the slot's provider is the hygienist for hygiene).
    assert (stored["Op"], stored["ProvNum"]) == (slot.op_num, apt.prov_num)
    assert stored["AptStatus"] == "Scheduled"
    assert writes_sent(sim) == [
        ("PUT", f"/api/v1/appointments/{apt.apt_num}"),
        ("POST", "/api/v1/commlogs"),
    ]
    (note,) = commlogs_of(sim, apt.pat_num)
    assert note["commType"] == "ApptRelated" and note["Mode_"] == "Phone"
    assert slot.start.strftime("%Y-%m-%d %H:%M") in note["Note"]

    *checks, entry = entries_after(cheap_services, before)
    # Checked right before the write (one entry per appointment of the day), without
    # patient data.
    assert checks
    for check in checks:
        assert (check["action"], check["purpose"]) == ("booking_check", "appointment_conflicts")
        assert check["patient_id"] == ""
    assert entry["action"] == "appointment_reschedule"
    assert entry["purpose"] == "no_show_rescheduling"
    assert entry["resource_type"] == "appointment"
    assert entry["fields"] == list(WRITE_FIELDS)
    assert entry["outcome"] == "success"
    assert entry["flags"] == []
    assert (entry["actor_id"], entry["actor_type"]) == ("user_front", "human")
    assert_pseudonymised(cheap_services, entry, RecordKind.APPOINTMENT, apt.apt_num, apt.pat_num)
    no_phi_in([entry], apt.patient_name, apt.phone, apt.email)

    assert ctx.repo.noshow_outcomes()[apt.apt_num] == "rescheduled"
    # Back on the book, it has left the no-show list.
    assert apt.apt_num not in {r.appointment.apt_num for r in service.recent(FRONT)}


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (
            Fault(r"^/api/v1/appointments/\d+$", "body", method="PUT", status=400, body=b"no"),
            PmsRejected,
        ),
        (Fault(r"^/api/v1/appointments/\d+$", "500", method="PUT", times=10), PmsUnavailable),
    ],
    ids=["refused", "failing"],
)
def test_reschedule_the_pms_refuses_is_recorded_as_failure_and_changes_nothing(
    cheap_services: Services,
    ctx: DeskContext,
    sim: SimulatorServer,
    fault: Fault,
    error: type[Exception],
) -> None:
    service = noshows(ctx)
    apt = first_noshow(ctx, sim).appointment
    slot = service.slots(FRONT, apt)[0]
    pms_before = copy.deepcopy(sim.practice.appointments)
    before = trail_head(cheap_services)
    sim.inject(fault)

    with pytest.raises(error):
        service.reschedule(FRONT, apt, service.request_for(apt, slot.start, slot.op_num))

    assert sim.practice.appointments == pms_before
    assert sim.practice.commlogs == {}  # no follow-up note for a move that did not happen
    *_checks, entry = entries_after(cheap_services, before)
    assert entry["action"] == "appointment_reschedule"
    assert entry["purpose"] == "no_show_rescheduling"
    assert entry["outcome"] == "failure"
    assert entry["fields"] == list(WRITE_FIELDS)
    assert_pseudonymised(cheap_services, entry, RecordKind.APPOINTMENT, apt.apt_num, apt.pat_num)
    assert apt.apt_num not in ctx.repo.noshow_outcomes()
    assert apt.apt_num in {r.appointment.apt_num for r in service.recent(FRONT)}


@pytest.mark.parametrize("actor", [BILLING, DENTIST, IT], ids=lambda a: a.role.value)
def test_reschedule_by_a_role_without_the_purpose_is_refused_before_the_pms(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, actor: Actor
) -> None:
    service = noshows(ctx)
    apt = first_noshow(ctx, sim).appointment
    slot = service.slots(FRONT, apt)[0]
    pms_before = copy.deepcopy(sim.practice.appointments)
    before = trail_head(cheap_services)

    with pytest.raises(AccessDenied):
        service.reschedule(actor, apt, service.request_for(apt, slot.start, slot.op_num))
    with pytest.raises(AccessDenied):
        service.record_outcome(actor, apt, "left_message")

    assert writes_sent(sim) == []
    assert sim.practice.appointments == pms_before
    assert ctx.repo.noshow_outcomes() == {}
    # The refusal says "the attempt has been recorded": it is, as a failure, naming no patient.
    entries = entries_after(cheap_services, before)
    assert [e["action"] for e in entries] == ["appointment_reschedule", "noshow_left_message"]
    for entry in entries:
        assert entry["outcome"] == "failure"
        assert entry["actor_id"] == actor.actor_id
        assert entry["purpose"] == "no_show_rescheduling"
        assert "denied" in entry["flags"]
        assert entry["patient_id"] == ""


@pytest.mark.parametrize("outcome", ["reached", "left_message", "declined"])
def test_each_noshow_call_outcome_is_a_commlog_in_the_pms_audited_and_stored(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, outcome: str
) -> None:
    service = noshows(ctx)
    apt = first_noshow(ctx, sim).appointment
    before = trail_head(cheap_services)

    service.record_outcome(FRONT, apt, outcome)

    assert writes_sent(sim) == [("POST", "/api/v1/commlogs")]
    (note,) = commlogs_of(sim, apt.pat_num)
    assert note["Note"].startswith("No-show follow-up:")
    assert (note["commType"], note["Mode_"], note["SentOrReceived"]) == (
        "ApptRelated",
        "Phone",
        "Sent",
    )
    assert note["CommDateTime"] == cheap_services.clock.now().strftime("%Y-%m-%d %H:%M:%S")
    assert ctx.repo.noshow_outcomes()[apt.apt_num] == outcome
    shown = {r.appointment.apt_num: r.outcome for r in service.recent(FRONT)}
    assert shown[apt.apt_num] == outcome
    entry = entries_after(cheap_services, before)[0]
    assert entry["action"] == f"noshow_{outcome}"
    assert entry["purpose"] == "no_show_rescheduling"
    assert entry["outcome"] == "success"
    assert_pseudonymised(cheap_services, entry, RecordKind.APPOINTMENT, apt.apt_num, apt.pat_num)


def test_a_commlog_the_pms_refuses_is_a_recorded_failure_and_no_local_outcome(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    apt = first_noshow(ctx, sim).appointment
    sim.inject(Fault(r"^/api/v1/commlogs$", "body", method="POST", status=400, body=b"no"))
    before = trail_head(cheap_services)
    with pytest.raises(PmsRejected):
        noshows(ctx).record_outcome(FRONT, apt, "declined")
    (entry,) = entries_after(cheap_services, before)
    assert (entry["action"], entry["outcome"]) == ("noshow_declined", "failure")
    assert ctx.repo.noshow_outcomes() == {}
    assert sim.practice.commlogs == {}


def test_the_noshow_list_has_both_kinds_of_break(
    ctx: DeskContext, sim: SimulatorServer, cheap_services: Services
) -> None:
    today = cheap_services.clock.now().date()
    with sim.practice.lock:  # break one the way Open Dental usually does: to the Unscheduled List
        apt = next(
            a
            for a in sim.practice.appointments.values()
            if a["AptStatus"] == "Complete"
            and str(today - timedelta(days=6)) <= a["AptDateTime"][:10] < str(today)
        )
        apt["AptStatus"] = "UnschedList"
    listed = {r.appointment.apt_num: r.appointment.status for r in noshows(ctx).recent(FRONT)}
    assert listed[apt["AptNum"]] is AptStatus.UNSCHED_LIST
    assert AptStatus.BROKEN in set(listed.values())


def test_slots_are_asked_for_the_appointments_own_provider(
    ctx: DeskContext, sim: SimulatorServer, cheap_services: Services
) -> None:
    service = noshows(ctx)
    for row in service.recent(FRONT):
        apt = row.appointment
        sim.requests.clear()
        slots = service.slots(FRONT, apt)
        (asked,) = [p for m, p in sim.requests if "/appointments/Slots" in p]
        expected = apt.prov_hyg if apt.is_hygiene and apt.prov_hyg else apt.prov_num
        assert f"ProvNum={expected}" in asked
        assert slots and {s.prov_num for s in slots} == {expected}


def test_noshow_follow_up_refuses_an_outcome_it_does_not_know(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    apt = first_noshow(ctx, sim).appointment
    before = trail_head(cheap_services)
    with pytest.raises(ValueError):
        noshows(ctx).record_outcome(FRONT, apt, "deleted_patient")
    assert entries_after(cheap_services, before) == []
    assert ctx.repo.noshow_outcomes() == {}


# -- insurance verification ------------------------------------------------------------


def worklist_item(ctx: DeskContext, actor: Actor = FRONT) -> VerificationItem:
    items = InsuranceService(ctx).worklist(actor)
    assert items, "the synthetic practice has appointments in the next three days"
    item = next(i for i in items if i.insurance is not None)
    assert item.status == "unverified"
    return item


@pytest.mark.parametrize("actor", [FRONT, BILLING], ids=lambda a: a.role.value)
def test_marking_verified_writes_the_pms_field_and_the_worklist(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, actor: Actor
) -> None:
    service = InsuranceService(ctx)
    item = worklist_item(ctx, actor)
    apt = item.appointment
    before = trail_head(cheap_services)

    service.set_status(actor, item, "problem", note="Card expired, ask for the new one")

    today = cheap_services.clock.now().date().isoformat()
    assert sim.practice.appt_fields[(apt.apt_num, "Ins Verified")] == f"problem {today}"
    assert writes_sent(sim) == [("PUT", "/api/v1/insverifies"), ("PUT", "/api/v1/apptfields")]
    # A problem is a note on the plan's verification; the eligibility date does not move.
    assert item.insurance is not None
    (verify,) = sim.practice.insverifies.values()
    assert (verify["FKey"], verify["Note"], verify["DateLastVerified"]) == (
        item.insurance.pat_plan_num,
        "Card expired, ask for the new one",
        "0001-01-01",
    )
    assert ctx.repo.insurance_status()[apt.apt_num] == (
        "problem",
        "Card expired, ask for the new one",
    )
    again = {i.appointment.apt_num: i for i in service.worklist(actor)}
    assert (again[apt.apt_num].status, again[apt.apt_num].note) == (
        "problem",
        "Card expired, ask for the new one",
    )

    entry = entries_after(cheap_services, before)[0]
    assert entry["action"] == "insurance_verify"
    assert entry["purpose"] == "insurance_verification"
    assert entry["resource_type"] == "insurance"
    assert entry["fields"] == ["date_last_verified", "status"]
    assert entry["outcome"] == "success"
    assert entry["actor_id"] == actor.actor_id
    assert_pseudonymised(cheap_services, entry, RecordKind.APPOINTMENT, apt.apt_num, apt.pat_num)
    # The note may name the patient: it stays in the encrypted desk table, not in the trail.
    assert item.insurance is not None
    no_phi_in([entry], "Card expired", apt.patient_name, item.insurance.subscriber_id)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(r"^/api/v1/apptfields", "body", method="PUT", status=400, body=b"no"),
        Fault(r"^/api/v1/apptfields", "500", method="PUT", times=10),
    ],
    ids=["refused", "failing"],
)
def test_marking_when_the_pms_refuses_is_recorded_as_failure_and_changes_nothing(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, fault: Fault
) -> None:
    service = InsuranceService(ctx)
    item = worklist_item(ctx)
    apt = item.appointment
    before = trail_head(cheap_services)
    sim.inject(fault)

    with pytest.raises((PmsRejected, PmsUnavailable)):
        service.set_status(FRONT, item, "verified")

    assert (apt.apt_num, "Ins Verified") not in sim.practice.appt_fields
    assert apt.apt_num not in ctx.repo.insurance_status()
    (entry,) = entries_after(cheap_services, before)
    assert entry["action"] == "insurance_verify"
    assert entry["purpose"] == "insurance_verification"
    assert entry["outcome"] == "failure"
    assert entry["fields"] == ["date_last_verified", "status"]
    assert_pseudonymised(cheap_services, entry, RecordKind.APPOINTMENT, apt.apt_num, apt.pat_num)
    status = {i.appointment.apt_num: i.status for i in service.worklist(FRONT)}
    assert status[apt.apt_num] == "unverified"


def insverify_dates(sim: SimulatorServer) -> dict[int, str]:
    """The simulator's "Eligibility Last Verified" per PatPlanNum, read over its API."""
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    answer = httpx.get(
        f"{sim.url}/insverifies", params={"VerifyType": "PatientEnrollment"}, headers=headers
    )
    assert answer.status_code == 200
    return {v["FKey"]: v["DateLastVerified"] for v in answer.json()}


def test_verified_moves_the_eligibility_date_and_the_worklist_shows_it(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    service = InsuranceService(ctx)
    item = worklist_item(ctx)
    assert item.insurance is not None and item.last_verified is None
    plan = item.insurance.pat_plan_num
    assert plan not in insverify_dates(sim)

    done = service.set_status(FRONT, item, "verified")

    today = cheap_services.clock.now().date()
    assert insverify_dates(sim)[plan] == today.isoformat()
    assert done.verified_on == today and done.field_value == f"verified {today.isoformat()}"
    shown = {i.appointment.apt_num: i for i in service.worklist(FRONT)}
    assert shown[item.appointment.apt_num].last_verified == today
    # Every appointment of the same plan shows the plan's date, others none.
    assert all(
        (i.last_verified == today) == (i.insurance is not None and i.insurance.pat_plan_num == plan)
        for i in shown.values()
    )


def test_a_pick_list_field_gets_its_own_item(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    sim.practice.appt_field_defs = [
        {"ApptFieldDefNum": 8, "FieldName": "Ins Verified", "FieldType": "PickList",
         "PickList": "Yes\r\nNo"},
    ]  # fmt: skip
    service = InsuranceService(ctx)
    first, second = [i for i in service.worklist(FRONT) if i.insurance is not None][:2]

    assert service.set_status(FRONT, first, "verified").field_value == "Yes"
    assert service.set_status(FRONT, second, "problem", "Plan ended").field_value == "No"

    assert sim.practice.appt_fields[(first.appointment.apt_num, "Ins Verified")] == "Yes"
    assert sim.practice.appt_fields[(second.appointment.apt_num, "Ins Verified")] == "No"
    # No item says "unverified": nothing is written rather than a value the list lacks.
    sent = len(writes_sent(sim))
    done = service.set_status(FRONT, first, "unverified")
    assert (done.field_value, done.field_missing) == (None, True)
    assert len(writes_sent(sim)) == sent
    assert sim.practice.appt_fields[(first.appointment.apt_num, "Ins Verified")] == "Yes"


def test_without_the_field_defined_only_the_verification_is_written(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    sim.practice.appt_field_defs = []
    item = worklist_item(ctx)
    assert item.insurance is not None

    done = InsuranceService(ctx).set_status(FRONT, item, "verified")

    assert done.field_missing and done.field_value is None
    assert writes_sent(sim) == [("PUT", "/api/v1/insverifies")]
    assert sim.practice.appt_fields == {}
    today = cheap_services.clock.now().date().isoformat()
    assert insverify_dates(sim)[item.insurance.pat_plan_num] == today
    assert ctx.repo.insurance_status()[item.appointment.apt_num][0] == "verified"


def test_marking_by_a_role_without_the_purpose_is_refused_and_recorded(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    item = worklist_item(ctx)
    before = trail_head(cheap_services)
    with pytest.raises(AccessDenied):
        InsuranceService(ctx).set_status(DENTIST, item, "verified")
    assert writes_sent(sim) == []
    assert sim.practice.appt_fields == {}
    assert ctx.repo.insurance_status() == {}
    (entry,) = entries_after(cheap_services, before)
    assert (entry["action"], entry["outcome"]) == ("insurance_verify", "failure")
    assert "denied" in entry["flags"]


def test_marking_an_unknown_status_changes_nothing(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    item = worklist_item(ctx)
    before = trail_head(cheap_services)
    with pytest.raises(ValueError):
        InsuranceService(ctx).set_status(FRONT, item, "approved")
    assert writes_sent(sim) == []
    assert entries_after(cheap_services, before) == []
    assert ctx.repo.insurance_status() == {}


# -- recall reminders and the call-list export ------------------------------------------


def overdue(ctx: DeskContext) -> list[RecallItem]:
    items = RecallService(ctx).overdue(FRONT)
    assert items, "the synthetic practice has overdue recalls"
    return items


def test_recall_outcome_is_stored_and_audited(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    service = RecallService(ctx)
    item = overdue(ctx)[0]
    before = trail_head(cheap_services)

    service.mark(FRONT, item, "left_message")

    assert ctx.repo.last_recall_outcomes()[item.recall.recall_num] == "left_message"
    shown = {i.recall.recall_num: i.last_outcome for i in service.overdue(FRONT)}
    assert shown[item.recall.recall_num] == "left_message"
    # Open Dental has the call: the recall's status and its Recall commlog.
    stored = next(r for r in sim.practice.recalls if r["RecallNum"] == item.recall.recall_num)
    assert stored["recallStatus"] == "Left Msg"
    (log,) = commlogs_of(sim, item.recall.pat_num)
    assert (log["commType"], log["Mode_"]) == ("Recall", "Phone")
    assert log["Note"] == "Recall reminder call: left a message."
    assert ("PUT", "/api/v1/recalls/Status") in writes_sent(sim)
    entry = entries_after(cheap_services, before)[0]
    assert entry["action"] == "recall_left_message"
    assert entry["purpose"] == "recall_reminders"
    assert entry["resource_type"] == "recall"
    assert entry["outcome"] == "success"
    assert_pseudonymised(
        cheap_services, entry, RecordKind.RECALL, item.recall.recall_num, item.recall.pat_num
    )
    no_phi_in([entry], item.recall.patient_name, item.recall.phone)


def test_a_recall_outcome_without_a_status_keeps_the_status_and_adds_the_commlog(
    ctx: DeskContext, sim: SimulatorServer
) -> None:
    item = overdue(ctx)[0]
    stored = next(r for r in sim.practice.recalls if r["RecallNum"] == item.recall.recall_num)
    RecallService(ctx).mark(FRONT, item, "contacted")
    assert stored["recallStatus"] == "Contacted"

    RecallService(ctx).mark(FRONT, item, "no_answer")  # the office has no such status

    assert stored["recallStatus"] == "Contacted"
    notes = [c["Note"] for c in commlogs_of(sim, item.recall.pat_num)]
    assert notes == ["Recall reminder call: patient reached.", "Recall reminder call: no answer."]
    assert ctx.repo.last_recall_outcomes()[item.recall.recall_num] == "no_answer"


def test_a_recall_outcome_the_pms_refuses_is_a_failure_and_no_local_outcome(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    item = overdue(ctx)[0]
    before = trail_head(cheap_services)
    sim.inject(Fault(r"^/api/v1/recalls/Status", "body", method="PUT", status=400, body=b"no"))

    with pytest.raises(PmsRejected):
        RecallService(ctx).mark(FRONT, item, "contacted")

    assert ctx.repo.last_recall_outcomes() == {}
    assert commlogs_of(sim, item.recall.pat_num) == []
    (entry,) = entries_after(cheap_services, before)
    assert (entry["action"], entry["outcome"]) == ("recall_contacted", "failure")


def test_recall_outcome_by_a_role_without_the_purpose_is_refused_and_recorded(
    cheap_services: Services, ctx: DeskContext
) -> None:
    item = overdue(ctx)[0]
    before = trail_head(cheap_services)
    with pytest.raises(AccessDenied):
        RecallService(ctx).mark(BILLING, item, "contacted")
    with pytest.raises(ValueError):
        RecallService(ctx).mark(FRONT, item, "shouted")
    assert ctx.repo.last_recall_outcomes() == {}
    (entry,) = entries_after(cheap_services, before)
    assert (entry["action"], entry["outcome"]) == ("recall_contacted", "failure")
    assert "denied" in entry["flags"]


def test_call_list_export_writes_the_csv_and_audits_the_export(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, tmp_path: Path
) -> None:
    items = overdue(ctx)
    today = cheap_services.clock.now().date()
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "recall-calls.csv"
    before = trail_head(cheap_services)

    assert RecallService(ctx).export_call_list(FRONT, items, out) == len(items)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["recall-calls.csv"]  # no .part left
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Name", "Phone", "Recall", "Due", "Days overdue"]
    assert len(rows) == len(items) + 1
    # Each line is the PMS's own record of that patient: name, phone, recall type, due date.
    types = {t["RecallTypeNum"]: t["Description"] for t in sim.practice.recall_types}
    by_num = {r["RecallNum"]: r for r in sim.practice.recalls}
    for item, row in zip(items, rows[1:], strict=True):
        recall = by_num[item.recall.recall_num]
        patient = sim.practice.patients[recall["PatNum"]]
        due = date.fromisoformat(recall["DateDue"])
        assert row == [
            f"{patient['FName']} {patient['LName']}",
            patient["WirelessPhone"],
            types[recall["RecallTypeNum"]],
            recall["DateDue"],
            str((today - due).days),
        ]
        assert due <= today and recall["IsDisabled"] == "false"
    assert [int(r[4]) for r in rows[1:]] == sorted((int(r[4]) for r in rows[1:]), reverse=True)

    (entry,) = entries_after(cheap_services, before)
    assert entry["action"] == "call_list_export"
    assert entry["purpose"] == "recall_reminders"
    assert entry["resource_type"] == "recall"
    assert entry["fields"] == ["due_date", "patient_name", "phone", "recall_type"]
    assert entry["flags"] == ["export"]
    assert entry["outcome"] == "success"
    assert entry["actor_id"] == "user_front"
    no_phi_in([entry], *(i.recall.patient_name for i in items), *(i.recall.phone for i in items))


def test_call_list_export_needs_the_export_permission_and_writes_no_file(
    cheap_services: Services, ctx: DeskContext, tmp_path: Path
) -> None:
    items = overdue(ctx)
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "recall-calls.csv"
    agent = Actor.agent("recall_scanner")  # may read recalls, may not export them
    before = trail_head(cheap_services)
    for actor in (agent, BILLING, IT):
        with pytest.raises(AccessDenied):
            RecallService(ctx).export_call_list(actor, items, out)
    assert list(folder.iterdir()) == []
    entries = entries_after(cheap_services, before)
    assert [e["outcome"] for e in entries] == ["failure"] * 3
    assert all(e["action"] == "call_list_export" and "denied" in e["flags"] for e in entries)


# -- waitlist -------------------------------------------------------------------------


def test_waitlist_add_is_stored_audited_offered_and_books_nothing(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    service = waitlist(ctx)
    pat_num = 1042
    patient = sim.practice.patients[pat_num]
    added_at = cheap_services.clock.now()
    before = trail_head(cheap_services)

    wish_id = service.add(
        FRONT,
        pat_num,
        "Crown Prep",
        60,
        preferred_days=frozenset({1, 3}),  # Tuesday, Thursday
        preferred_from=time(9, 0),
        preferred_to=time(17, 0),
    )

    (row,) = ctx.repo.open_wishes()
    assert row == {
        "id": wish_id,
        "pat_num": pat_num,
        "procedure_type": "Crown Prep",
        "length_minutes": 60,
        "preferred_days": "1,3",
        "preferred_from": "09:00:00",
        "preferred_to": "17:00:00",
        "prov_num": None,
        "added_at": added_at.isoformat(),
    }
    (entry,) = entries_after(cheap_services, before)
    assert entry["action"] == "waitlist_add"
    assert entry["purpose"] == "waitlist"
    assert entry["resource_type"] == "waitlist"
    assert entry["outcome"] == "success"
    assert_pseudonymised(cheap_services, entry, RecordKind.WAITLIST, f"wl_{wish_id}", pat_num)

    entries = service.entries(FRONT)
    mine = next(e for e in entries if e.wish.key == f"wl_{wish_id}")
    assert mine.patient_name == f"{patient['FName']} {patient['LName']}"
    assert mine.source == "Enamel waitlist"
    assert mine.wish.preferred_days == frozenset({1, 3})

    tomorrow = cheap_services.clock.now().date() + timedelta(days=1)
    offers = service.offers(FRONT, entries, tomorrow)
    for_me = [o for o in offers if o.wish.key == f"wl_{wish_id}"]
    assert for_me, "a 60-minute Tuesday/Thursday slot between 09:00 and 17:00 exists"
    for offer in for_me:
        assert offer.start.weekday() in (1, 3)
        assert time(9, 0) <= offer.start.time() and offer.end.time() <= time(17, 0)
        assert offer.start >= offer.slot.start and offer.end <= offer.slot.end
        # Free in that chair and for its provider in every chair (Open Dental's Slots
        # look at one chair: its offers double-booked the provider).
        prov = offer.slot.prov_num
        busy = [
            a
            for a in sim.practice.appointments.values()
            if (a["Op"] == offer.slot.op_num or prov in (a["ProvNum"], a.get("ProvHyg")))
            and a["AptStatus"] in ("Scheduled", "Complete", "ASAP")
        ]
        for a in busy:  # the offered time is really free in that operatory
            start = datetime.strptime(a["AptDateTime"], "%Y-%m-%d %H:%M:%S")
            end = start + timedelta(minutes=len(a["Pattern"]) * 5)
            assert end <= offer.start or start >= offer.end
    assert writes_sent(sim) == []  # offering a slot books nothing


def test_waitlist_add_by_a_role_without_the_purpose_is_refused_and_recorded(
    cheap_services: Services, ctx: DeskContext
) -> None:
    before = trail_head(cheap_services)
    with pytest.raises(AccessDenied):
        waitlist(ctx).add(DENTIST, 1042, "Crown Prep", 60)
    assert ctx.repo.open_wishes() == []
    (entry,) = entries_after(cheap_services, before)
    assert (entry["action"], entry["outcome"]) == ("waitlist_add", "failure")
    assert "denied" in entry["flags"]


def test_asap_list_appointments_are_offered_without_a_write(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    asap = [
        a
        for a in sim.practice.appointments.values()
        if a["Priority"] == "ASAP" and a["AptStatus"] == AptStatus.SCHEDULED.value
    ]
    assert asap
    entries = waitlist(ctx).entries(FRONT)
    keys = {e.wish.key for e in entries if e.source == "ASAP list (PMS)"}
    assert keys == {f"asap_{a['AptNum']}" for a in asap}
    assert writes_sent(sim) == []
