"""What the schedule views draw: plain blocks, already cut down to the role's fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Column:
    key: int
    title: str


@dataclass(frozen=True)
class Block:
    """One appointment on the grid. Text fields are empty when the purpose excludes them."""

    key: int
    column: int
    start: datetime
    minutes: int
    title: str  # patient name, or the appointment type where names are not allowed
    detail: str = ""  # appointment type / phone, as the role may see
    status: str = "Scheduled"
    confirmed: bool = False
    provider: str = ""
    prov_num: int = 0


@dataclass
class DayModel:
    day: date
    columns: list[Column]
    blocks: list[Block] = field(default_factory=list)
    open_minute: int = 7 * 60
    close_minute: int = 18 * 60

    def fit_hours(self) -> None:
        """Stretch the visible hours to include every block."""
        for b in self.blocks:
            start = b.start.hour * 60 + b.start.minute
            self.open_minute = min(self.open_minute, start - start % 60)
            end = start + b.minutes
            self.close_minute = max(self.close_minute, end + (-end) % 60)
