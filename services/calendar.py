"""The practice calendar: "today" and local times in the practice's time zone, one way."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.clock import Clock

TIMEZONE_SETTING = "timezone"  # an IANA name such as "America/Chicago"; empty: this computer's

log = logging.getLogger("services.calendar")


def zone_named(name: str | None) -> tzinfo:
    """The practice's time zone by IANA name, else this computer's (logged when unknown)."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("calendar.timezone_invalid")
    local = datetime.now(UTC).astimezone().tzinfo
    return local if local is not None else UTC


@dataclass(frozen=True)
class PracticeCalendar:
    """What day and hour it is at the practice; every screen and service asks this."""

    clock: Clock
    zone: tzinfo

    def now(self) -> datetime:
        """The current time in the practice's zone."""
        return self.clock.now().astimezone(self.zone)

    def today(self) -> date:
        return self.now().date()

    def local(self, moment: datetime) -> datetime:
        """An aware instant as the practice's wall-clock time."""
        return moment.astimezone(self.zone)

    def start_of(self, day: date) -> datetime:
        """Midnight at the practice on `day`, as an aware instant."""
        return datetime.combine(day, time(0), self.zone)
