"""What the schedule page may do beyond showing a day, as the desk wires it (None: read-only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.workflows.appointment import AppointmentCard


@dataclass(frozen=True)
class ScheduleActions:
    """Each callable runs in the background (Operations) and may raise a PmsError."""

    open_card: Callable[[int], AppointmentCard]
