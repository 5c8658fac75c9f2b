"""Office hours from the practice's own schedules in Open Dental (Schedules GET), for the
booking check and the conflicts list: a day is open from its first provider's start to its
last provider's stop; a day no provider works is closed. An office that keeps no schedules in
Open Dental falls back to the practice's office_hours setting (weekday spans)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.clock import Clock
from services.compliance.breach.office_hours import OfficeHours
from services.pms.protocol import PmsClient
from services.pms.records import ScheduleEntry

Span = tuple[time, time]
KEEP = timedelta(minutes=5)  # a range's schedules are read again after this long


@dataclass(frozen=True)
class DayHours:
    """Opening spans by date (None: closed), with the weekly setting for other days."""

    days: Mapping[date, Span | None]
    weekly: OfficeHours | None = None

    def on(self, day: date) -> Span | None:
        if day in self.days:
            return self.days[day]
        return self.weekly.get(day.weekday()) if self.weekly is not None else None


Hours = Mapping[int, Span | None] | DayHours  # the weekly setting, or dated from schedules


def span_on(hours: Hours, day: date) -> Span | None:
    """The opening span of `day` (None: closed)."""
    if isinstance(hours, DayHours):
        return hours.on(day)
    return hours.get(day.weekday())


def from_schedules(
    entries: list[ScheduleEntry], first: date, last: date
) -> dict[date, Span | None]:
    """Each date's span from the providers' schedules; empty when the office keeps none."""
    working = [e for e in entries if e.sched_type == "Provider" and e.start < e.stop]
    if not working:
        return {}
    days: dict[date, Span | None] = {}
    day = first
    while day <= last:
        spans = [(e.start, e.stop) for e in working if e.day == day]
        days[day] = (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None
        day += timedelta(days=1)
    return days


class PracticeHours:
    """`between(first, last)`: one Schedules GET per range (kept a few minutes)."""

    def __init__(
        self, pms: PmsClient, weekly: Callable[[], OfficeHours | None], clock: Clock
    ) -> None:
        self._pms = pms
        self._weekly = weekly
        self._clock = clock
        self._kept: dict[tuple[date, date], tuple[datetime, dict[date, Span | None]]] = {}
        self._lock = threading.Lock()

    def between(self, first: date, last: date) -> Hours | None:
        """A week at least is read, so that a weekend alone still tells an office that
        keeps schedules (closed then) from one that keeps none."""
        last = max(last, first + timedelta(days=6))
        now = self._clock.now()
        with self._lock:
            kept = self._kept.get((first, last))
        if kept is not None and now - kept[0] < KEEP:
            days = kept[1]
        else:
            days = from_schedules(self._pms.schedules(first, last), first, last)
            with self._lock:
                self._kept[(first, last)] = (now, days)
        weekly = self._weekly()
        if not days:
            return weekly
        return DayHours(days, weekly)
