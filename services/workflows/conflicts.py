"""Appointment conflicts from dates, providers, durations and types only (no patient data)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.access import Actor, Purpose
from services.workflows.context import DeskContext, touched_appointments
from services.workflows.office_hours import Hours, span_on


@dataclass(frozen=True)
class Booking:
    """What the conflicts check may know of an appointment: no name, no note, no reason."""

    apt_num: int
    start: datetime
    minutes: int
    prov_num: int
    op_num: int
    appointment_type: str = ""

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


class ConflictKind(StrEnum):
    PROVIDER_DOUBLE_BOOKED = "provider_double_booked"
    OPERATORY_DOUBLE_BOOKED = "operatory_double_booked"
    OUTSIDE_HOURS = "outside_hours"


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    apt_nums: tuple[int, ...]
    start: datetime
    end: datetime
    prov_num: int | None = None
    op_num: int | None = None

    def describe(
        self, provider_names: Mapping[int, str], operatory_names: Mapping[int, str]
    ) -> str:
        when = f"{self.start:%a %d %b %H:%M}–{self.end:%H:%M}"
        if self.kind is ConflictKind.PROVIDER_DOUBLE_BOOKED:
            who = provider_names.get(self.prov_num or 0, f"provider {self.prov_num}")
            return f"{who} is booked in {len(self.apt_nums)} appointments at once, {when}"
        if self.kind is ConflictKind.OPERATORY_DOUBLE_BOOKED:
            room = operatory_names.get(self.op_num or 0, f"operatory {self.op_num}")
            return f"{room} holds {len(self.apt_nums)} appointments at once, {when}"
        return f"Appointment outside office hours, {when}"


def _overlaps(bookings: list[Booking]) -> Iterable[tuple[Booking, Booking]]:
    ordered = sorted(bookings, key=lambda b: (b.start, b.apt_num))
    active: list[Booking] = []
    for booking in ordered:
        active = [a for a in active if a.end > booking.start]
        for other in active:
            yield other, booking
        active.append(booking)


def find_conflicts(
    bookings: Iterable[Booking],
    office_hours: Hours | None = None,
    *,
    hygiene_assistant_ok: bool = False,
) -> list[Conflict]:
    """Double-booked providers and operatories, and bookings outside office hours.

    `office_hours` maps weekday (0 = Monday) to (open, close), or None for closed days, or
    gives them by date (DayHours, from the practice's schedules); without it, hours are not
    checked.
    """
    items = list(bookings)
    conflicts: list[Conflict] = []
    by_provider: dict[int, list[Booking]] = defaultdict(list)
    by_operatory: dict[int, list[Booking]] = defaultdict(list)
    for b in items:
        by_provider[b.prov_num].append(b)
        by_operatory[b.op_num].append(b)
    for prov, group in sorted(by_provider.items()):
        for a, b in _overlaps(group):
            if hygiene_assistant_ok and a.op_num != b.op_num:
                continue
            conflicts.append(
                Conflict(
                    ConflictKind.PROVIDER_DOUBLE_BOOKED,
                    (a.apt_num, b.apt_num),
                    max(a.start, b.start),
                    min(a.end, b.end),
                    prov_num=prov,
                )
            )
    for op, group in sorted(by_operatory.items()):
        for a, b in _overlaps(group):
            conflicts.append(
                Conflict(
                    ConflictKind.OPERATORY_DOUBLE_BOOKED,
                    (a.apt_num, b.apt_num),
                    max(a.start, b.start),
                    min(a.end, b.end),
                    op_num=op,
                )
            )
    if office_hours is not None:
        for b in items:
            hours = span_on(office_hours, b.start.date())
            if (
                hours is None
                or b.start.time() < hours[0]
                or b.end.time() > hours[1]
                or b.end.date() != b.start.date()
            ):
                conflicts.append(
                    Conflict(
                        ConflictKind.OUTSIDE_HOURS,
                        (b.apt_num,),
                        b.start,
                        b.end,
                        prov_num=b.prov_num,
                        op_num=b.op_num,
                    )
                )
    conflicts.sort(key=lambda c: (c.start, c.kind.value, c.apt_nums))
    return conflicts


class ConflictService:
    """Finds conflicts in a date range through the gateway, with no patient data at all."""

    def __init__(
        self,
        ctx: DeskContext,
        hours_between: Callable[[date, date], Hours | None] | None = None,
    ) -> None:
        """`hours_between`: the practice's hours from its schedules (PracticeHours), used
        when `find` is not given office hours: "outside office hours" then fires."""
        self._ctx = ctx
        self._hours_between = hours_between

    def find(
        self,
        actor: Actor,
        start: date,
        end: date,
        office_hours: Hours | None = None,
    ) -> list[Conflict]:
        appointments = self._ctx.gateway.read(
            actor,
            Purpose.APPOINTMENT_CONFLICTS,
            "conflict_scan",
            lambda: self._ctx.pms.appointments(Purpose.APPOINTMENT_CONFLICTS, start, end),
            touched_appointments,
            resource_type="appointment",
            listed=True,
        )
        bookings = [
            Booking(a.apt_num, a.start, a.minutes, a.prov_num, a.op_num, a.appointment_type or "")
            for a in appointments
            if a.status.value in ("Scheduled", "Complete")
        ]
        if office_hours is None and self._hours_between is not None:
            office_hours = self._hours_between(start, end)
        return find_conflicts(bookings, office_hours)
