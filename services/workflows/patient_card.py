"""The patient card from the look-up: who the patient is (name, chart number, birth date,
contact) and their last and next appointment, so two patients of one name are told apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.access import Actor, Purpose
from services.pms.records import Appointment, AptStatus, PatientContact
from services.workflows.context import DeskContext, touched_appointments

# The appointments are the schedule's facts (time, type, provider, operatory, status),
# read under the schedule's purpose for the one patient.
PURPOSE = Purpose.SCHEDULE
LOOK_BACK = timedelta(days=3 * 365)
LOOK_AHEAD = timedelta(days=365)
UPCOMING = frozenset({AptStatus.SCHEDULED, AptStatus.ASAP})


@dataclass(frozen=True)
class PatientCard:
    patient: PatientContact
    last: Appointment | None  # the latest completed visit before now
    next: Appointment | None  # the earliest booked visit from now on


def last_and_next(
    appointments: list[Appointment], now: datetime
) -> tuple[Appointment | None, Appointment | None]:
    done = [a for a in appointments if a.status is AptStatus.COMPLETE and a.start < now]
    coming = [a for a in appointments if a.status in UPCOMING and a.start >= now]
    return (
        max(done, key=lambda a: a.start, default=None),
        min(coming, key=lambda a: a.start, default=None),
    )


class PatientCardService:
    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def card(self, actor: Actor, patient: PatientContact) -> PatientCard:
        """`patient` as the look-up found it (already audited there) with their last and next
        appointment: one Appointments GET for the patient (PatNum), audited as its own read."""
        now = self._ctx.calendar.local(self._ctx.clock.now()).replace(tzinfo=None)
        first, last = (now - LOOK_BACK).date(), (now + LOOK_AHEAD).date()
        found = self._ctx.gateway.read(
            actor,
            PURPOSE,
            "patient_card",
            lambda: self._ctx.pms.appointments(PURPOSE, first, last, pat_num=patient.pat_num),
            touched_appointments,
            resource_type="appointment",
        )
        before, after = last_and_next([a for a in found if a.pat_num == patient.pat_num], now)
        return PatientCard(patient, before, after)
