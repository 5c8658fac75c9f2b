"""No-show rebooking and the waitlist go through the booking checks (issue 18): over HTTP to
the simulator, what they offer, what they refuse and why, and the conflicts list read back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from app.bootstrap import Services
from services.access import Actor, ActorType, Role
from services.audit import AuditEntry
from services.pms.simulator import SimulatorServer
from services.workflows.booking import BookingRefused, BookingService
from services.workflows.conflicts import ConflictService
from services.workflows.context import DeskContext
from services.workflows.noshow import NoShowService
from services.workflows.waitlist import PURPOSE as WAITLIST
from services.workflows.waitlist import WaitlistService

FRONT = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)
HOLDING = ("Scheduled", "Complete", "ASAP")


def conflicts(ctx: DeskContext, first: date, days: int = 29) -> int:
    return len(ConflictService(ctx).find(FRONT, first, first + timedelta(days=days)))


def entries(services: Services) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in services.trail.repository.rows()]


def busy_elsewhere(
    sim: SimulatorServer, start: datetime, end: datetime, people: set[int]
) -> list[int]:
    """AptNums holding one of `people` (as ProvNum or ProvHyg) at any time in [start, end)."""
    found = []
    for a in sim.practice.appointments.values():
        if a["AptStatus"] not in HOLDING or not people & {a["ProvNum"], a.get("ProvHyg") or 0}:
            continue
        s = datetime.strptime(a["AptDateTime"], "%Y-%m-%d %H:%M:%S")
        if s < end and start < s + timedelta(minutes=len(a["Pattern"]) * 5):
            found.append(a["AptNum"])
    return found


def test_noshow_slots_never_double_book_the_provider_and_two_rebookings_add_no_conflict(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, booking: BookingService
) -> None:
    service = NoShowService(ctx, booking)
    rows = service.recent(FRONT)
    assert len(rows) >= 2
    tomorrow = cheap_services.clock.now().date() + timedelta(days=1)
    # Open Dental's Slots count a provider's appointments in every operatory together
    # (apiappointments); the booking check screens them again all the same.
    raw = ctx.pms.open_slots(
        tomorrow, tomorrow + timedelta(days=28), rows[0].appointment.minutes,
        prov_num=rows[0].appointment.prov_num,
    )  # fmt: skip
    length = timedelta(minutes=rows[0].appointment.minutes)
    people = {rows[0].appointment.prov_num}
    assert raw and not any(busy_elsewhere(sim, s.start, s.start + length, people) for s in raw)

    before = conflicts(ctx, tomorrow)
    for row in rows[:2]:
        apt = row.appointment
        slots = service.slots(FRONT, apt)
        assert slots
        mine = {apt.prov_num, apt.prov_hyg or 0} - {0}
        for slot in slots:  # every slot offered is free for the dentist and the hygienist
            end = slot.start + timedelta(minutes=apt.minutes)
            assert slot.start.date() >= tomorrow and end <= slot.end
            assert busy_elsewhere(sim, slot.start, end, mine) == []
        slot = slots[0]
        service.reschedule(FRONT, apt, service.request_for(apt, slot.start, slot.op_num))
        stored = sim.practice.appointments[apt.apt_num]
        assert stored["AptStatus"] == "Scheduled"
        assert stored["AptDateTime"] == slot.start.strftime("%Y-%m-%d %H:%M:%S")
        assert (stored["Op"], stored["ProvNum"]) == (slot.op_num, apt.prov_num)
    assert conflicts(ctx, tomorrow) == before


def test_a_noshow_time_taken_meanwhile_is_refused_with_the_reason_and_nothing_written(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, booking: BookingService
) -> None:
    service = NoShowService(ctx, booking)
    apt = service.recent(FRONT)[0].appointment
    slot = service.slots(FRONT, apt)[0]
    request = service.request_for(apt, slot.start, slot.op_num)
    assert service.check(FRONT, request).ok
    with sim.practice.lock:  # someone at Open Dental books the dentist in another chair
        p = sim.practice
        other = next(o for o in (1, 2, 3, 4, 5) if o != slot.op_num)
        taken = max(p.appointments) + 1
        p.appointments[taken] = p._appointment(
            taken, 1001, slot.start, apt.minutes // 5, other, apt.prov_num, "Scheduled",
            "Comp Filling", False, confirmed=False, asap=False,
        )  # fmt: skip
    stored_before = dict(sim.practice.appointments[apt.apt_num])
    found = service.check(FRONT, request)
    assert not found.ok and any("is booked" in p for p in found.problems)
    with pytest.raises(BookingRefused, match="is booked"):
        service.reschedule(FRONT, apt, request)
    assert sim.practice.appointments[apt.apt_num] == stored_before
    assert sim.practice.commlogs == {}
    assert apt.apt_num not in ctx.repo.noshow_outcomes()
    last = entries(cheap_services)[-1]
    assert (last["action"], last["outcome"]) == ("appointment_reschedule", "failure")
    assert "refused" in last["flags"] and last["purpose"] == "no_show_rescheduling"


def test_waitlist_offers_are_free_for_the_provider_and_booking_one_reads_back(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, booking: BookingService
) -> None:
    service = WaitlistService(ctx, booking)
    wish_id = service.add(FRONT, 1042, "Crown Prep", 60)
    entries_ = service.entries(FRONT)
    tomorrow = cheap_services.clock.now().date() + timedelta(days=1)
    offers = service.offers(FRONT, entries_, tomorrow)
    assert offers
    for o in offers:  # an ASAP appointment may move within its own time
        own = [int(o.wish.key.removeprefix("asap_"))] if o.wish.key.startswith("asap_") else []
        assert set(busy_elsewhere(sim, o.start, o.end, {o.slot.prov_num})) <= set(own)
    before = conflicts(ctx, tomorrow, 8)

    mine = next(o for o in offers if o.wish.key == f"wl_{wish_id}")
    entry = next(e for e in entries_ if e.wish.key == mine.wish.key)
    request = service.request_for(entry, mine)
    assert service.check(FRONT, request).ok
    apt_num = service.book(FRONT, entry, request)
    stored = sim.practice.appointments[apt_num]
    assert (stored["PatNum"], stored["Op"], stored["ProvNum"]) == (
        1042, mine.slot.op_num, mine.slot.prov_num,
    )  # fmt: skip
    assert stored["AptDateTime"] == mine.start.strftime("%Y-%m-%d %H:%M:%S")
    assert len(stored["Pattern"]) * 5 == 60
    assert conflicts(ctx, tomorrow, 8) == before
    assert ctx.repo.open_wishes() == []  # booked: off Enamel's waitlist
    last = [e for e in entries(cheap_services) if e["action"] == "appointment_book"][-1]
    assert (last["action"], last["purpose"], last["outcome"]) == (
        "appointment_book", "waitlist", "success",
    )  # fmt: skip
    # The same offer again would double-book: refused with the reason, nothing written.
    with pytest.raises(BookingRefused, match="is booked"):
        booking.book(FRONT, WAITLIST, 1043, request)


def test_an_asap_appointment_booked_from_the_waitlist_is_moved_not_copied(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer, booking: BookingService
) -> None:
    service = WaitlistService(ctx, booking)
    entries_ = service.entries(FRONT)
    tomorrow = cheap_services.clock.now().date() + timedelta(days=1)
    offers = [
        o for o in service.offers(FRONT, entries_, tomorrow) if o.wish.key.startswith("asap_")
    ]
    assert offers
    offer = offers[0]
    entry = next(e for e in entries_ if e.wish.key == offer.wish.key)
    assert entry.appointment is not None
    count = len(sim.practice.appointments)
    service.book(FRONT, entry, service.request_for(entry, offer))
    assert len(sim.practice.appointments) == count
    stored = sim.practice.appointments[entry.appointment.apt_num]
    assert stored["AptDateTime"] == offer.start.strftime("%Y-%m-%d %H:%M:%S")
    assert stored["Op"] == offer.slot.op_num and stored["ProvNum"] == entry.appointment.prov_num
