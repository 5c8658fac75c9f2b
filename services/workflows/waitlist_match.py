"""Matching waitlist wishes (preferred days and times, length, provider) to open slots."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    prov_num: int
    op_num: int

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class Wish:
    """One waitlist entry, in the waitlist purpose's fields only."""

    key: str  # "wl_<id>" for Enamel's own list, "asap_<AptNum>" for the PMS's ASAP list
    pat_num: int
    procedure_type: str
    length_minutes: int
    preferred_days: frozenset[int] = frozenset()  # 0 = Monday; empty = any day
    preferred_from: time | None = None
    preferred_to: time | None = None
    prov_num: int | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class Offer:
    wish: Wish
    slot: Slot
    start: datetime

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.wish.length_minutes)


def fits(wish: Wish, slot: Slot) -> datetime | None:
    """The earliest start inside `slot` that meets the wish, or None."""
    if wish.prov_num is not None and wish.prov_num != slot.prov_num:
        return None
    if wish.preferred_days and slot.start.weekday() not in wish.preferred_days:
        return None
    start = slot.start
    if wish.preferred_from is not None and start.time() < wish.preferred_from:
        start = datetime.combine(start.date(), wish.preferred_from, tzinfo=start.tzinfo)
    end = start + timedelta(minutes=wish.length_minutes)
    if end > slot.end:
        return None
    if wish.preferred_to is not None and end.time() > wish.preferred_to:
        return None
    return start


def match(wishes: Iterable[Wish], slots: Iterable[Slot], per_slot: int = 2) -> list[Offer]:
    """For each slot, the `per_slot` longest-waiting wishes that fit it.

    A short list per slot is what the front desk can act on: call the first, and if they
    cannot come, the second.
    """
    pending = sorted(wishes, key=lambda w: (w.added_at or datetime.max, w.key))
    offers: list[Offer] = []
    for slot in sorted(slots, key=lambda s: (s.start, s.op_num)):
        found = 0
        for wish in pending:
            start = fits(wish, slot)
            if start is not None:
                offers.append(Offer(wish, slot, start))
                found += 1
                if found == per_slot:
                    break
    return offers
