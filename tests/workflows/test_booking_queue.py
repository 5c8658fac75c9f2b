"""Booking writes kept while Open Dental cannot be reached (issue 17): a no-show rebooking, a
waitlist booking (a new appointment) and a confirmation are queued with the simulator away,
shown as waiting, sent by the job's round when it is back, checked again first, and never
applied twice; a non-idempotent PUT is not repeated after a dropped answer. Real adapter
over HTTP, real SQLCipher file."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.bootstrap import Services
from services.pms.records import AptStatus, ConfirmStatus, PmsUnavailable
from services.pms.simulator import SimulatorServer
from services.pms.simulator.server import Fault
from services.workflows.appointment import SCHEDULING_PURPOSE
from services.workflows.booking import BookingService
from services.workflows.context import DeskContext
from services.workflows.noshow import NoShowService
from services.workflows.pending import PendingWrites
from services.workflows.recall import RecallService
from services.workflows.schedule import ScheduleService
from services.workflows.waitlist import WaitlistService
from storage.pms_writes_repo import PmsWritesRepository
from tests.workflows.test_writes import (
    FRONT,
    commlogs_of,
    entries_after,
    trail_head,
)

FMT = "%Y-%m-%d %H:%M:%S"
AWAY = ".*"  # every request: the PMS cannot be reached


def pending_for(cheap_services: Services) -> PendingWrites:
    return PendingWrites(PmsWritesRepository(cheap_services.installation.db), cheap_services.clock)


def booking_for(ctx: DeskContext, pending: PendingWrites) -> BookingService:
    return BookingService(ctx, ScheduleService(ctx).reference, lambda: None, pending)


def away(sim: SimulatorServer) -> Fault:
    """Every request meets a dropped connection (as a stopped server), until `times` is 0."""
    fault = Fault(AWAY, "disconnect", times=1_000_000)
    sim.inject(fault)
    return fault


def test_a_no_show_rebooking_waits_in_the_view_and_lands_once_when_open_dental_is_back(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    service = NoShowService(ctx, booking_for(ctx, pending))
    row = service.recent(FRONT)[0]
    apt = row.appointment
    slot = service.slots(FRONT, apt)[0]
    request = service.request_for(apt, slot.start, slot.op_num)
    assert service.check(FRONT, request).ok
    before = trail_head(cheap_services)
    fault = away(sim)

    assert service.reschedule(FRONT, apt, request) is False

    stored = sim.practice.appointments[apt.apt_num]
    assert stored["AptStatus"] in ("Broken", "UnschedList"), "nothing written while away"
    (queued,) = [
        e for e in entries_after(cheap_services, before) if e["action"] == "appointment_reschedule"
    ]
    assert (queued["outcome"], queued["flags"]) == ("partial", ["queued"])
    fault.times = 0  # Open Dental answers again
    shown = {n.appointment.apt_num: n for n in service.recent(FRONT)}[apt.apt_num]
    assert (shown.outcome, shown.pending) == ("rescheduled", True)
    logs_before = len(commlogs_of(sim, apt.pat_num))

    assert pending.send_pending() == "1 sent, nothing waiting"

    assert stored["AptStatus"] == "Scheduled"
    assert stored["AptDateTime"] == request.start.strftime(FMT) and stored["Op"] == slot.op_num
    logs = commlogs_of(sim, apt.pat_num)
    assert len(logs) == logs_before + 1
    assert logs[-1]["Note"].startswith("No-show follow-up: rebooked for ")
    assert "(Enamel ref " in logs[-1]["Note"]
    assert not {n.appointment.apt_num: n for n in service.recent(FRONT)}.get(
        apt.apt_num, row
    ).pending
    assert pending.send_pending() == "nothing waiting"
    assert len(commlogs_of(sim, apt.pat_num)) == logs_before + 1


def test_a_move_that_may_have_landed_is_looked_for_and_its_commlog_not_sent_twice(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    service = NoShowService(ctx, booking_for(ctx, pending))
    apt = service.recent(FRONT)[0].appointment
    slot = service.slots(FRONT, apt)[0]
    request = service.request_for(apt, slot.start, slot.op_num)
    assert service.reschedule(FRONT, apt, request) is True
    logs = commlogs_of(sim, apt.pat_num)
    # As if the answers were lost after Open Dental saved both: the write is pending again.
    with cheap_services.installation.db.transaction() as conn:
        conn.execute("UPDATE pms_writes SET state = 'pending'")
    sim.requests.clear()
    before = trail_head(cheap_services)

    assert pending.send_pending() == "1 sent, nothing waiting"

    writes = [(m, p) for m, p in sim.requests if m in ("PUT", "POST")]
    assert writes == [], "looked for, not sent again"
    assert commlogs_of(sim, apt.pat_num) == logs
    (entry,) = [
        e for e in entries_after(cheap_services, before) if e["action"] == "appointment_reschedule"
    ]
    assert entry["flags"] == ["already_applied", "from_queue"]


def test_a_queued_move_whose_time_was_taken_meanwhile_is_refused_and_set_aside(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    service = NoShowService(ctx, booking_for(ctx, pending))
    apt = service.recent(FRONT)[0].appointment
    slot = service.slots(FRONT, apt)[0]
    request = service.request_for(apt, slot.start, slot.op_num)
    fault = away(sim)
    assert service.reschedule(FRONT, apt, request) is False
    fault.times = 0
    with sim.practice.lock:  # someone at Open Dental takes the chair meanwhile
        other = dict(next(a for a in sim.practice.appointments.values() if a["Op"] == slot.op_num))
        other.update(
            AptNum=max(sim.practice.appointments) + 1,
            AptDateTime=request.start.strftime(FMT),
            AptStatus="Scheduled",
        )
        sim.practice.appointments[other["AptNum"]] = other
    before = trail_head(cheap_services)

    assert pending.send_pending() == "1 refused by the PMS, nothing waiting"

    assert sim.practice.appointments[apt.apt_num]["AptStatus"] in ("Broken", "UnschedList")
    refused = [e for e in entries_after(cheap_services, before) if "refused" in e["flags"]]
    assert refused and refused[0]["outcome"] == "failure"


def test_a_waitlist_booking_is_kept_created_once_and_the_wish_leaves_when_it_lands(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    booking = booking_for(ctx, pending)
    waitlist = WaitlistService(ctx, booking)
    pat_num = next(iter(sim.practice.patients))
    waitlist.add(FRONT, pat_num, "Comp Filling", 30)
    start = ctx.today() + timedelta(days=1)
    entries = waitlist.entries(FRONT)
    offer = next(o for o in waitlist.offers(FRONT, entries, start) if o.wish.key.startswith("wl_"))
    entry = next(e for e in entries if e.wish.key == offer.wish.key)
    request = waitlist.request_for(entry, offer)
    fault = away(sim)

    assert waitlist.book(FRONT, entry, request) == 0

    fault.times = 0
    assert offer.wish.key in {e.wish.key for e in waitlist.entries(FRONT)}, "still waiting"
    assert booking.waiting("appointment_book") == {offer.wish.key}
    mine = [a for a in sim.practice.appointments.values() if a["PatNum"] == pat_num]

    assert pending.send_pending() == "1 sent, nothing waiting"

    new = [a for a in sim.practice.appointments.values() if a["PatNum"] == pat_num]
    (created,) = [a for a in new if a not in mine]
    assert created["AptDateTime"] == request.start.strftime(FMT)
    assert created["Op"] == request.op_num
    assert offer.wish.key not in {e.wish.key for e in waitlist.entries(FRONT)}
    # As if the answer was lost after the POST: looked for at that time and chair, not posted.
    with cheap_services.installation.db.transaction() as conn:
        conn.execute("UPDATE pms_writes SET state = 'pending'")
    sim.requests.clear()
    assert pending.send_pending() == "1 sent, nothing waiting"
    assert ("POST", "/api/v1/appointments") not in sim.requests
    assert len([a for a in sim.practice.appointments.values() if a["PatNum"] == pat_num]) == len(
        new
    )


def test_a_confirmation_is_kept_while_away_and_lands_when_open_dental_is_back(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    booking = booking_for(ctx, pending)
    today = ctx.today()
    scheduled = ctx.pms.appointments(
        SCHEDULING_PURPOSE, today + timedelta(days=1), today + timedelta(days=7),
        status=AptStatus.SCHEDULED,
    )  # fmt: skip
    apt = next(a for a in scheduled if sim.practice.appointments[a.apt_num]["Confirmed"] != 21)
    before = trail_head(cheap_services)
    fault = away(sim)

    assert booking.confirm(FRONT, SCHEDULING_PURPOSE, apt, ConfirmStatus.CONFIRMED) is False

    assert sim.practice.appointments[apt.apt_num]["Confirmed"] != 21
    assert booking.waiting("appointment_confirm") == {str(apt.apt_num)}
    (queued,) = [
        e for e in entries_after(cheap_services, before) if e["action"] == "appointment_confirm"
    ]
    assert (queued["outcome"], queued["flags"]) == ("partial", ["queued"])
    with pytest.raises(PmsUnavailable):
        pending.send_pending()  # still away: the round fails, the write waits
    fault.times = 0

    assert pending.send_pending() == "1 sent, nothing waiting"
    assert sim.practice.appointments[apt.apt_num]["confirmed"] == "Appointment Confirmed"
    assert booking.waiting("appointment_confirm") == set()


# -- a non-idempotent PUT after a dropped answer ---------------------------------------------


def test_recalls_put_status_is_not_repeated_after_the_server_applied_it_and_the_answer_was_lost(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    recall = RecallService(ctx)
    item = recall.overdue(FRONT)[0]
    pat_num = item.recall.pat_num
    sim.inject(Fault(r"^/api/v1/recalls/Status", "applied", method="PUT"))

    with pytest.raises(PmsUnavailable) as raised:
        ctx.pms.set_recall_status(pat_num, item.recall.recall_type, status_num=None, note="call")

    assert "whether the change was made" in raised.value.message
    assert len(commlogs_of(sim, pat_num)) == 1, "applied once, not sent again"
    puts = [p for m, p in sim.requests if m == "PUT" and p.startswith("/api/v1/recalls/Status")]
    assert len(puts) == 1


def test_a_recall_call_whose_answer_was_lost_is_kept_and_looked_for_not_sent_twice(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    recall = RecallService(ctx, pending)
    item = recall.overdue(FRONT)[0]
    pat_num = item.recall.pat_num
    sim.inject(Fault(r"^/api/v1/recalls/Status", "applied", method="PUT"))

    assert recall.mark(FRONT, item, "left_message") is False  # the answer never came

    assert len(commlogs_of(sim, pat_num)) == 1
    assert {i.recall.recall_num for i in recall.overdue(FRONT) if i.pending} == {
        item.recall.recall_num
    }
    before = trail_head(cheap_services)
    assert pending.send_pending() == "1 sent, nothing waiting"
    assert len(commlogs_of(sim, pat_num)) == 1
    (entry,) = entries_after(cheap_services, before)
    assert entry["flags"] == ["already_applied", "from_queue"]


def test_a_move_is_still_retried_after_a_dropped_answer_it_sets_the_same_values(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    apt = next(a for a in sim.practice.appointments.values() if a["AptStatus"] == "Scheduled")
    start = datetime.strptime(apt["AptDateTime"], FMT)
    sim.inject(Fault(r"^/api/v1/appointments/\d+$", "applied", method="PUT"))
    ctx.pms.reschedule(int(apt["AptNum"]), start, int(apt["Op"]), int(apt["ProvNum"]))
    puts = [p for m, p in sim.requests if m == "PUT"]
    assert len(puts) == 2  # idempotent: retried, and the second changes nothing


def test_an_asap_appointment_booked_from_the_waitlist_is_moved_and_off_the_asap_list(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    waitlist = WaitlistService(ctx, booking_for(ctx, pending_for(cheap_services)))
    entries = waitlist.entries(FRONT)
    offers = waitlist.offers(FRONT, entries, ctx.today() + timedelta(days=1))
    offer = next(o for o in offers if o.wish.key.startswith("asap_"))
    entry = next(e for e in entries if e.wish.key == offer.wish.key)
    assert entry.appointment is not None
    request = waitlist.request_for(entry, offer)

    assert waitlist.book(FRONT, entry, request) == entry.appointment.apt_num

    stored = sim.practice.appointments[entry.appointment.apt_num]
    assert stored["AptDateTime"] == request.start.strftime(FMT)
    assert (stored["Priority"], stored["AptStatus"]) == ("Normal", "Scheduled")
    assert offer.wish.key not in {e.wish.key for e in waitlist.entries(FRONT)}
