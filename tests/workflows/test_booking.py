"""The booking service over HTTP to the simulator: what it refuses and why, what it offers,
what it writes (read back from the simulator), and the trail it leaves."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from app.bootstrap import Services
from services.access import AccessDenied, Actor, ActorType, Purpose, Role
from services.audit import AuditEntry, RecordKind
from services.pms.records import Appointment, ConfirmStatus
from services.pms.simulator import SimulatorServer
from services.workflows.booking import (
    BookingRefused,
    BookingRequest,
    BookingService,
    BreakReason,
)
from services.workflows.conflicts import ConflictService
from services.workflows.context import DeskContext

FRONT = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)
DENTIST = Actor("user_dentist", ActorType.HUMAN, Role.DENTIST)
DR_A, DR_B, HYG_C, HYG_D = 1, 2, 3, 4


@pytest.fixture
def day(cheap_services: Services) -> date:
    """A weekday four weeks on: past the synthetic book, so each test sets its own day."""
    d = cheap_services.clock.now().date() + timedelta(days=28)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


def put(
    sim: SimulatorServer, start: datetime, minutes: int, op: int, prov: int, hyg: int = 0
) -> int:
    """An appointment booked behind Enamel's back (as Open Dental itself allows)."""
    p = sim.practice
    with p.lock:
        apt_num = max(p.appointments) + 1
        p.appointments[apt_num] = p._appointment(
            apt_num, 1001, start, minutes // 5, op, prov, "Scheduled", "Comp Filling", bool(hyg),
            confirmed=False, asap=False,
        )  # fmt: skip
        p.appointments[apt_num]["ProvHyg"] = hyg
    return apt_num


def entries(services: Services) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in services.trail.repository.rows()]


def posts(sim: SimulatorServer) -> int:
    return sum(1 for m, path in sim.requests if m == "POST" and "/appointments" in path)


def conflicts(ctx: DeskContext, d: date) -> int:
    return len(ConflictService(ctx).find(FRONT, d, d))


def test_a_provider_busy_in_another_operatory_is_refused_with_the_reason(
    booking: BookingService, sim: SimulatorServer, ctx: DeskContext, day: date,
    cheap_services: Services,
) -> None:  # fmt: skip
    put(sim, at(day, 10), 60, 2, DR_A)
    request = BookingRequest(at(day, 10, 30), 30, 1, DR_A)
    found = booking.check(FRONT, request)
    assert not found.ok
    assert found.problems == ("DrA is booked 10:00–11:00 in Op 2.",)
    # The free range for Op 1 and DrA is after 11:00, and the offer is inside it.
    assert found.free_from == at(day, 11) and found.offered == at(day, 11)
    before, sent = conflicts(ctx, day), posts(sim)
    with pytest.raises(BookingRefused, match="DrA is booked 10:00–11:00 in Op 2"):
        booking.book(FRONT, Purpose.SCHEDULE, 1002, request)
    assert posts(sim) == sent, "nothing was written"
    assert conflicts(ctx, day) == before
    refused = [e for e in entries(cheap_services) if e["action"] == "appointment_book"]
    assert refused and refused[-1]["outcome"] == "failure" and "refused" in refused[-1]["flags"]


def test_a_hygienist_in_provhyg_is_checked_too(
    booking: BookingService, sim: SimulatorServer, day: date
) -> None:
    put(sim, at(day, 9), 60, 6, DR_B, hyg=HYG_C)  # the dentist in ProvNum, HygC in ProvHyg
    found = booking.check(FRONT, BookingRequest(at(day, 9, 15), 45, 7, HYG_D, HYG_C, True))
    assert found.problems == ("HygC is booked 09:00–10:00 in Op 6 (Hyg).",)
    with pytest.raises(BookingRefused, match="HygC is booked"):
        booking.book(FRONT, Purpose.SCHEDULE, 1003, found.request)


def test_an_offered_start_inside_the_free_range_is_booked_and_read_back(
    booking: BookingService, sim: SimulatorServer, ctx: DeskContext, day: date,
    cheap_services: Services,
) -> None:  # fmt: skip
    put(sim, at(day, 8), 90, 1, DR_A)
    put(sim, at(day, 11), 60, 3, DR_A)
    asked = BookingRequest(at(day, 9), 45, 1, DR_A)
    found = booking.check(FRONT, asked)
    assert "Op 1 is booked 08:00–09:30." in found.problems
    assert (found.free_from, found.free_until, found.offered) == (
        at(day, 9, 30), at(day, 11), at(day, 9, 30),
    )  # fmt: skip
    before = conflicts(ctx, day)
    offered = BookingRequest(found.offered, 45, 1, DR_A)
    assert booking.check(FRONT, offered).ok
    apt_num = booking.book(FRONT, Purpose.SCHEDULE, 1004, offered)
    stored = sim.practice.appointments[apt_num]
    assert (stored["PatNum"], stored["Op"], stored["ProvNum"]) == (1004, 1, DR_A)
    assert stored["AptDateTime"] == f"{day.isoformat()} 09:30:00"
    assert len(stored["Pattern"]) * 5 == 45 and stored["AptStatus"] == "Scheduled"
    assert conflicts(ctx, day) == before
    booked = [e for e in entries(cheap_services) if e["action"] == "appointment_book"]
    assert booked[-1]["outcome"] == "success" and booked[-1]["purpose"] == "schedule"
    assert booked[-1]["patient_id"] == cheap_services.trail.ref(RecordKind.PATIENT, 1004)
    assert booked[-1]["resource_id"] == cheap_services.trail.ref(RecordKind.APPOINTMENT, apt_num)
    # The same time again is now a double booking of the chair and of DrA.
    again = booking.check(FRONT, offered)
    assert again.problems == ("Op 1 is booked 09:30–10:15.", "DrA is booked 09:30–10:15 in Op 1.")


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (
            lambda d: BookingRequest(at(d, 16, 45), 30, 1, DR_A),
            "outside office hours (08:00–17:00)",
        ),
        (lambda d: BookingRequest(at(d, 7, 30), 30, 1, DR_A), "outside office hours"),
        (lambda d: BookingRequest(at(d, 10), 30, 6, DR_A), "Op 6 (Hyg) is a hygiene operatory"),
        (lambda d: BookingRequest(at(d, 10), 30, 1, HYG_C, HYG_C, True), "not a hygiene operatory"),
        (lambda d: BookingRequest(at(d, 10), 32, 1, DR_A), "multiple of 5 minutes"),
        (
            lambda d: BookingRequest(at(d - timedelta(days=d.weekday() - 5), 10), 30, 1, DR_A),
            "The office is closed on Saturdays.",
        ),
        (lambda d: BookingRequest(datetime(2026, 11, 23, 9), 30, 1, DR_A), "already passed"),
    ],
)
def test_hours_operatory_kind_length_and_the_past_are_checked(
    booking: BookingService, day: date, request_: Any, reason: str
) -> None:
    found = booking.check(FRONT, request_(day))
    assert any(reason in p for p in found.problems), found.problems


def test_a_move_checks_without_its_own_time_and_is_read_back(
    booking: BookingService, sim: SimulatorServer, ctx: DeskContext, day: date,
    cheap_services: Services,
) -> None:  # fmt: skip
    mine = put(sim, at(day, 10), 60, 1, DR_A)
    put(sim, at(day, 13), 30, 2, DR_A)
    appointment = ctx.pms.appointment(Purpose.SCHEDULE, mine)
    # Later by half an hour overlaps only itself: allowed.
    booking.move(FRONT, Purpose.SCHEDULE, appointment, BookingRequest(at(day, 10, 30), 60, 1, DR_A))
    assert sim.practice.appointments[mine]["AptDateTime"] == f"{day.isoformat()} 10:30:00"
    moved = ctx.pms.appointment(Purpose.SCHEDULE, mine)
    with pytest.raises(BookingRefused, match="DrA is booked 13:00–13:30 in Op 2"):
        booking.move(FRONT, Purpose.SCHEDULE, moved, BookingRequest(at(day, 12, 45), 60, 3, DR_A))
    assert sim.practice.appointments[mine]["AptDateTime"] == f"{day.isoformat()} 10:30:00"
    rows = [e for e in entries(cheap_services) if e["action"] == "appointment_move"]
    assert [r["outcome"] for r in rows] == ["success", "failure"]


@pytest.mark.parametrize(("listed", "status"), [(True, "UnschedList"), (False, "Broken")])
def test_break_with_the_reason_and_the_unscheduled_list_choice(
    booking: BookingService, sim: SimulatorServer, ctx: DeskContext, day: date,
    listed: bool, status: str,
) -> None:  # fmt: skip
    mine = put(sim, at(day, 10), 30, 1, DR_A)
    appointment: Appointment = ctx.pms.appointment(Purpose.SCHEDULE, mine)
    booking.break_appointment(
        FRONT, Purpose.SCHEDULE, appointment, BreakReason.MISSED, to_unscheduled_list=listed
    )
    assert sim.practice.appointments[mine]["AptStatus"] == status
    # Its time is free again.
    assert booking.check(FRONT, BookingRequest(at(day, 10), 30, 1, DR_A)).ok


def test_confirm_sets_the_offices_confirmation(
    booking: BookingService, sim: SimulatorServer, ctx: DeskContext, day: date
) -> None:
    mine = put(sim, at(day, 10), 30, 1, DR_A)
    appointment = ctx.pms.appointment(Purpose.SCHEDULE, mine)
    booking.confirm(FRONT, Purpose.SCHEDULE, appointment, ConfirmStatus.CONFIRMED)
    assert sim.practice.appointments[mine]["confirmed"] == "Appointment Confirmed"
    assert ctx.pms.appointment(Purpose.SCHEDULE, mine).confirmed is True


def test_a_dentist_may_not_book_from_the_front_desks_schedule(
    booking: BookingService, sim: SimulatorServer, day: date, cheap_services: Services
) -> None:
    sent = posts(sim)
    with pytest.raises(AccessDenied):
        booking.book(DENTIST, Purpose.SCHEDULE, 1005, BookingRequest(at(day, 10), 30, 1, DR_A))
    assert posts(sim) == sent
    denied = [e for e in entries(cheap_services) if e["action"] == "appointment_book"]
    assert denied and "denied" in denied[-1]["flags"]
