"""What every workflow service is built on: the PHI gateway, the PMS, the desk tables, the calendar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.audit import PhiGateway, RecordKind, Touched
from services.calendar import PracticeCalendar
from services.clock import Clock
from services.pms.protocol import PmsClient
from services.pms.records import Appointment
from storage.desk_repo import DeskRepository


@dataclass
class DeskContext:
    gateway: PhiGateway
    pms: PmsClient
    repo: DeskRepository
    calendar: PracticeCalendar

    @property
    def clock(self) -> Clock:
        return self.calendar.clock

    def today(self) -> date:
        """Today at the practice (not the UTC date, not this PC's zone)."""
        return self.calendar.today()


def touched_appointments(appointments: Iterable[Appointment]) -> list[Touched]:
    return [Touched(RecordKind.APPOINTMENT, a.apt_num, a.pat_num or None) for a in appointments]
