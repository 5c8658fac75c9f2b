"""Office hours from the practice's schedules in Open Dental (Schedules GET, issue 17): the
booking check and the conflicts list say "outside office hours" from them, with no setting;
an office without schedules falls back to its office_hours setting. Real adapter over HTTP."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from services.compliance.breach.office_hours import parse_office_hours
from services.pms.simulator import SimulatorServer
from services.workflows.booking import BookingRequest, BookingService
from services.workflows.conflicts import ConflictKind, ConflictService
from services.workflows.context import DeskContext
from services.workflows.office_hours import DayHours, PracticeHours
from services.workflows.schedule import ScheduleService
from tests.workflows.test_writes import FRONT

FMT = "%Y-%m-%d %H:%M:%S"


def hours_of(ctx: DeskContext, weekly: str | None = None) -> PracticeHours:
    return PracticeHours(ctx.pms, lambda: parse_office_hours(weekly), ctx.clock)


def test_the_practice_hours_are_read_from_its_schedules(
    ctx: DeskContext, sim: SimulatorServer
) -> None:
    monday = ctx.today()
    hours = hours_of(ctx).between(monday, monday + timedelta(days=6))
    assert isinstance(hours, DayHours)
    for n in range(5):
        assert hours.on(monday + timedelta(days=n)) == (time(8), time(17))
    assert hours.on(monday + timedelta(days=5)) is None  # no provider works on Saturday
    asked = [p for m, p in sim.requests if p.startswith("/api/v1/schedules")]
    assert len(asked) == 1 and "dateStart=" in asked[0] and "dateEnd=" in asked[0]
    hours_of(ctx).between(monday, monday)  # a new range is a new read; the same is kept


def test_the_booking_check_says_outside_office_hours_from_the_schedules(
    ctx: DeskContext, sim: SimulatorServer
) -> None:
    booking = BookingService(
        ctx, ScheduleService(ctx).reference, lambda: None, hours_between=hours_of(ctx).between
    )
    tuesday = ctx.today() + timedelta(days=1)
    early = booking.check(
        FRONT, BookingRequest(datetime.combine(tuesday, time(7, 0)), 30, 6, 3, 3, True)
    )
    assert any("outside office hours (08:00–17:00)" in p for p in early.problems)
    assert early.offered is not None and early.offered.time() >= time(8)
    saturday = ctx.today() + timedelta(days=5)
    closed = booking.check(
        FRONT, BookingRequest(datetime.combine(saturday, time(10, 0)), 30, 6, 3, 3, True)
    )
    assert "The office is closed on Saturdays." in closed.problems
    without = BookingService(ctx, ScheduleService(ctx).reference, lambda: None)
    assert without.check(
        FRONT, BookingRequest(datetime.combine(saturday, time(10, 0)), 30, 6, 3, 3, True)
    ).ok, "without hours (the UI's old wiring) the check could not say it"


def test_the_conflicts_list_flags_a_visit_outside_the_schedules(
    ctx: DeskContext, sim: SimulatorServer
) -> None:
    tuesday = ctx.today() + timedelta(days=1)
    apt = dict(next(iter(sim.practice.appointments.values())))
    apt.update(
        AptNum=max(sim.practice.appointments) + 1,
        AptDateTime=datetime.combine(tuesday, time(17, 30)).strftime(FMT),
        AptStatus="Scheduled",
        Op=7,
    )
    sim.practice.appointments[apt["AptNum"]] = apt
    service = ConflictService(ctx, hours_of(ctx).between)
    found = service.find(FRONT, tuesday, tuesday)
    outside = [c for c in found if c.kind is ConflictKind.OUTSIDE_HOURS]
    assert [c.apt_nums for c in outside] == [(apt["AptNum"],)]
    assert not [
        c for c in ConflictService(ctx).find(FRONT, tuesday, tuesday)
        if c.kind is ConflictKind.OUTSIDE_HOURS
    ]  # fmt: skip


def test_an_office_without_schedules_uses_its_office_hours_setting(
    ctx: DeskContext, sim: SimulatorServer
) -> None:
    sim.practice.schedules = []
    weekly = json.dumps({d: ["09:00", "15:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    hours = hours_of(ctx, weekly).between(ctx.today(), ctx.today())
    assert hours is not None and not isinstance(hours, DayHours)
    assert hours[ctx.today().weekday()] == (time(9), time(15))
    assert hours_of(ctx).between(ctx.today(), ctx.today()) is None  # neither: not checked
