"""The schedule: a day (all operatories) or a provider's week, cached for PMS outages."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.access import Actor
from services.access.screens import schedule_purpose
from services.pms.records import Appointment, AptStatus, Operatory, PmsUnavailable, Provider
from services.workflows.context import DeskContext, touched_appointments

log = logging.getLogger("services.workflows.schedule")


@dataclass(frozen=True)
class ScheduleDay:
    start: date
    end: date
    appointments: list[Appointment]
    from_cache: bool
    fetched_at: datetime | None


def _encode(appointments: list[Appointment]) -> str:
    rows = []
    for a in appointments:
        row = asdict(a)
        row["start"] = a.start.isoformat()
        row["status"] = a.status.value
        rows.append(row)
    return json.dumps(rows)


def _decode(payload: str) -> list[Appointment]:
    rows: list[dict[str, Any]] = json.loads(payload)
    return [
        Appointment(
            **{**r, "start": datetime.fromisoformat(r["start"]), "status": AptStatus(r["status"])}
        )
        for r in rows
    ]


class ScheduleService:
    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx
        self._reference: tuple[list[Provider], list[Operatory]] | None = None

    def reference(self) -> tuple[list[Provider], list[Operatory]]:
        """Providers and operatories (no PHI), read once per session."""
        if self._reference is None:
            self._reference = (self._ctx.pms.providers(), self._ctx.pms.operatories())
        return self._reference

    def range(
        self, actor: Actor, start: date, end: date, prov_num: int | None = None
    ) -> ScheduleDay:
        purpose = schedule_purpose(actor)
        key = f"{start.isoformat()}..{end.isoformat()}:{prov_num or 'all'}"
        holder: dict[str, Any] = {}

        def fetch() -> list[Appointment]:
            try:
                found = self._ctx.pms.appointments(purpose, start, end, prov_num=prov_num)
            except PmsUnavailable:
                cached = self._ctx.repo.cache_get(purpose.value, key)
                if cached is None:
                    raise
                holder["fetched_at"] = cached[1]
                log.warning("schedule.showing_cache", extra={"purpose": purpose.value})
                return _decode(cached[0])
            self._ctx.repo.cache_put(purpose.value, key, _encode(found), self._ctx.clock.now())
            return found

        appointments = self._ctx.gateway.read(
            actor,
            purpose,
            "schedule_view",
            fetch,
            touched_appointments,
            resource_type="appointment",
            listed=True,
        )
        fetched = holder.get("fetched_at")
        shown = [
            a for a in appointments if a.status not in (AptStatus.PLANNED, AptStatus.UNSCHED_LIST)
        ]
        return ScheduleDay(start, end, shown, fetched is not None, fetched)

    def day(self, actor: Actor, day: date, prov_num: int | None = None) -> ScheduleDay:
        return self.range(actor, day, day, prov_num)

    def week(self, actor: Actor, any_day: date, prov_num: int) -> ScheduleDay:
        monday = any_day - timedelta(days=any_day.weekday())
        return self.range(actor, monday, monday + timedelta(days=6), prov_num)
