"""One appointment opened from the schedule: what the role may see of it, and may do with it.

The appointment is read under the role's schedule purpose (the front desk's or the
clinician's own, with the note); the patient's birth date and contact under patient
look-up, and only for a role that may look patients up. Each read is its own audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.access import Actor, Purpose, may_read
from services.access.screens import schedule_purpose
from services.audit import RecordKind, Touched
from services.pms.records import Appointment, AptStatus, Operatory, PatientContact, Provider
from services.workflows.context import DeskContext, touched_appointments
from services.workflows.schedule import ScheduleService

# The schedule's writes are the front desk's work: a role that reads the front desk's
# schedule books, moves, breaks and confirms; a clinician's own schedule is read-only.
SCHEDULING_PURPOSE = Purpose.SCHEDULE


class AppointmentAction(StrEnum):
    MOVE = "move"
    BREAK = "break"
    CONFIRM = "confirm"

    @property
    def label(self) -> str:
        return {"move": "Move…", "break": "Break…", "confirm": "Confirm…"}[self.value]


@dataclass(frozen=True)
class AppointmentCard:
    """An appointment as the appointment window shows it; what the role may not see is None."""

    appointment: Appointment
    purpose: Purpose
    contact: PatientContact | None  # birth date, phone, email: patient look-up roles only
    provider: Provider | None
    hygienist: Provider | None
    operatory: Operatory | None
    actions: tuple[AppointmentAction, ...]
    today: date

    @property
    def chart_number(self) -> str:
        """Open Dental's PatNum, the number the office files and searches by."""
        return str(self.appointment.pat_num) if self.appointment.pat_num else ""

    @property
    def age(self) -> int | None:
        born = self.contact.birthdate if self.contact else None
        if born is None:
            return None
        had_birthday = (self.today.month, self.today.day) >= (born.month, born.day)
        return self.today.year - born.year - (0 if had_birthday else 1)


def may_schedule(actor: Actor, ctx: DeskContext) -> bool:
    return may_read(actor, SCHEDULING_PURPOSE, ctx.clock.now())


def actions_for(
    actor: Actor, ctx: DeskContext, appointment: Appointment
) -> tuple[AppointmentAction, ...]:
    if not may_schedule(actor, ctx):
        return ()
    if appointment.status in (AptStatus.SCHEDULED, AptStatus.ASAP):
        return (AppointmentAction.MOVE, AppointmentAction.BREAK, AppointmentAction.CONFIRM)
    if appointment.status in (AptStatus.BROKEN, AptStatus.UNSCHED_LIST):
        return (AppointmentAction.MOVE,)  # rebooking a broken one is a move
    return ()


class AppointmentService:
    def __init__(self, ctx: DeskContext, schedule: ScheduleService) -> None:
        self._ctx = ctx
        self._schedule = schedule

    def open(self, actor: Actor, apt_num: int) -> AppointmentCard:
        purpose = schedule_purpose(actor)
        appointment = self._ctx.gateway.read(
            actor,
            purpose,
            "appointment_open",
            lambda: self._ctx.pms.appointment(purpose, apt_num),
            lambda a: touched_appointments([a]),
            resource_type="appointment",
        )
        contact = None
        lookup = Purpose.PATIENT_LOOKUP
        if appointment.pat_num and may_read(actor, lookup, self._ctx.clock.now()):
            pat_num = appointment.pat_num
            contact = self._ctx.gateway.read(
                actor,
                lookup,
                "patient_contact",
                lambda: self._ctx.pms.patient_contact(lookup, pat_num),
                lambda c: [Touched(RecordKind.PATIENT, c.pat_num, c.pat_num)],
                resource_type="patient",
            )
        providers, operatories = self._schedule.reference()
        by_num = {p.prov_num: p for p in providers}
        return AppointmentCard(
            appointment,
            purpose,
            contact,
            by_num.get(appointment.prov_num),
            by_num.get(appointment.prov_hyg or 0),
            next((o for o in operatories if o.op_num == appointment.op_num), None),
            actions_for(actor, self._ctx, appointment),
            self._ctx.today(),
        )
