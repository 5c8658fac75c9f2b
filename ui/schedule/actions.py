"""What the schedule page may do beyond showing a day, as the desk wires it (None: read-only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.pms.records import Appointment, ConfirmStatus, Operatory, PatientContact, Provider
from services.workflows.appointment import AppointmentCard
from services.workflows.booking import BookingCheck, BookingRequest, BreakReason


@dataclass(frozen=True)
class ScheduleActions:
    """Each callable runs in the background (Operations) and may raise an EnamelError.

    Without `book` (a clinician's own schedule) the page only opens appointments. `book`
    returns the AptNum (0), `move` and `confirm` True (False) when the write landed (was kept
    until Open Dental answers again)."""

    open_card: Callable[[int], AppointmentCard]
    reference: Callable[[], tuple[list[Provider], list[Operatory]]]
    check: Callable[[BookingRequest], BookingCheck] | None = None
    book: Callable[[int, BookingRequest], int] | None = None
    move: Callable[[Appointment, BookingRequest], bool] | None = None
    break_: Callable[[Appointment, BreakReason, bool], None] | None = None
    confirm: Callable[[Appointment, ConfirmStatus], bool] | None = None
    find_patients: Callable[[str], list[PatientContact]] | None = None

    @property
    def may_book(self) -> bool:
        return self.check is not None and self.book is not None
