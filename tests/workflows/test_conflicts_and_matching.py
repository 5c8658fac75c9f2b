"""The pure parts of the conflicts and waitlist workflows."""

from __future__ import annotations

from datetime import datetime, time

from services.workflows.conflicts import Booking, ConflictKind, find_conflicts
from services.workflows.waitlist_match import Slot, Wish, match

MON = datetime(2026, 11, 23, 9, 0)
HOURS = {d: (time(8), time(17)) for d in range(5)} | {5: None, 6: None}


def at(h: int, m: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, h, m)


def test_double_booked_provider_and_operatory() -> None:
    bookings = [
        Booking(1, at(9), 60, prov_num=1, op_num=1),
        Booking(2, at(9, 30), 30, prov_num=1, op_num=2),  # provider double-booked
        Booking(3, at(10), 30, prov_num=2, op_num=1),  # back to back with 1: fine
        Booking(4, at(10, 15), 30, prov_num=3, op_num=1),  # operatory 1 overlaps 3
    ]
    found = find_conflicts(bookings, HOURS)
    kinds = {(c.kind, c.apt_nums) for c in found}
    assert kinds == {
        (ConflictKind.PROVIDER_DOUBLE_BOOKED, (1, 2)),
        (ConflictKind.OPERATORY_DOUBLE_BOOKED, (3, 4)),
    }
    provider = next(c for c in found if c.kind is ConflictKind.PROVIDER_DOUBLE_BOOKED)
    assert (provider.start, provider.end) == (at(9, 30), at(10))


def test_outside_office_hours_and_closed_days() -> None:
    bookings = [
        Booking(1, at(7, 30), 30, 1, 1),
        Booking(2, at(16, 45), 30, 1, 1),
        Booking(3, at(10, day=28), 30, 1, 1),  # a Saturday
        Booking(4, at(12), 30, 1, 1),
    ]
    outside = [c.apt_nums[0] for c in find_conflicts(bookings, HOURS)]
    assert sorted(outside) == [1, 2, 3]
    assert find_conflicts(bookings) == []  # hours not checked without office hours


def test_a_freed_slot_is_offered_to_the_longest_waiting_fitting_wish() -> None:
    slot = Slot(at(14), at(15), prov_num=2, op_num=3)
    wishes = [
        Wish("wl_1", 11, "Crown prep", 90, added_at=at(8, day=1)),  # too long
        Wish(
            "wl_2",
            12,
            "Prophy",
            45,
            preferred_days=frozenset({0}),
            preferred_from=time(13),
            preferred_to=time(16),
            added_at=at(8, day=5),
        ),
        Wish("wl_3", 13, "Filling", 30, prov_num=9, added_at=at(8, day=2)),  # other provider
        Wish("asap_77", 14, "Exam", 30, added_at=at(8, day=9)),
        Wish("wl_4", 15, "Prophy", 30, preferred_from=time(8), preferred_to=time(11)),  # mornings
    ]
    offers = match(wishes, [slot])
    assert [o.wish.key for o in offers] == ["wl_2", "asap_77"]
    assert offers[0].start == at(14) and offers[0].end == at(14, 45)
