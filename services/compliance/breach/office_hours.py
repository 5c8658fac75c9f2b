"""The practice's office hours, as the out-of-hours rule reads them (the zone: services.calendar)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, time, timedelta, tzinfo

log = logging.getLogger("services.compliance.rules")

OFFICE_HOURS_SETTING = "office_hours"  # JSON, see parse_office_hours; set by provisioning
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Weekday (Monday 0) -> opening span, or None when the practice is closed that day.
OfficeHours = dict[int, tuple[time, time] | None]


def parse_office_hours(text: str | None) -> OfficeHours | None:
    """{"mon": ["08:00", "17:00"], ..., "sat": null}; a day left out is closed. None: rule off."""
    if not text:
        return None
    try:
        raw = json.loads(text)
        hours: OfficeHours = {}
        for index, day in enumerate(DAYS):
            span = raw.get(day)
            if span is None:
                hours[index] = None
                continue
            start, end = time.fromisoformat(span[0]), time.fromisoformat(span[1])
            hours[index] = (start, end)
        return hours
    except (ValueError, TypeError, AttributeError, IndexError):
        log.warning("compliance.office_hours_invalid")
        return None


def within_office_hours(hours: OfficeHours, when: datetime, zone: tzinfo) -> bool:
    """Whether the instant `when` falls inside the opening span of its day, in practice time."""
    local = when.astimezone(zone)
    span = hours.get(local.weekday())
    return span is not None and span[0] <= local.time().replace(tzinfo=None) < span[1]


def practice_day(when: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The practice-time calendar day holding `when`, as a UTC span [start, end)."""
    local = when.astimezone(zone)
    start = datetime.combine(local.date(), time(0), zone).astimezone(UTC)
    return start, start + timedelta(days=1)
