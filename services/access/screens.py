"""Which screens a person gets: one pure function of the actor and the time (break-glass)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from services.access.actors import Actor
from services.access.policy import may, may_read
from services.access.roles import Permission, Purpose, Role


class Screen(Enum):
    """The desk's screens in rail order; the value is the page key."""

    SCHEDULE = "schedule"
    PATIENTS = "patients"
    NO_SHOWS = "noshows"
    INSURANCE = "insurance"
    RECALL = "recall"
    CONFLICTS = "conflicts"
    WAITLIST = "waitlist"
    AUDIT = "audit"
    ALERTS = "compliance.alerts"
    REPORTS = "compliance.reports"
    ACCESS_REVIEW = "compliance.review"
    CHECKLIST = "compliance.checklist"
    USERS = "users"


# A screen shown because the role may read its purpose.
_BY_PURPOSE: tuple[tuple[Screen, Purpose], ...] = (
    (Screen.PATIENTS, Purpose.PATIENT_LOOKUP),
    (Screen.NO_SHOWS, Purpose.NO_SHOW_RESCHEDULING),
    (Screen.INSURANCE, Purpose.INSURANCE_VERIFICATION),
    (Screen.RECALL, Purpose.RECALL_REMINDERS),
    (Screen.CONFLICTS, Purpose.APPOINTMENT_CONFLICTS),
    (Screen.WAITLIST, Purpose.WAITLIST),
)


CLINICAL_ROLES = (Role.DENTIST, Role.HYGIENIST)


def schedule_purpose(actor: Actor) -> Purpose:
    """The schedule a role reads: a clinician's own (clinical fields) or the front desk's."""
    return Purpose.CLINICAL_SCHEDULE if actor.role in CLINICAL_ROLES else Purpose.SCHEDULE


def screens_for(actor: Actor, now: datetime) -> tuple[Screen, ...]:
    """The screens in the rail for `actor` at `now`, in order; nothing else is ever built."""
    screens: list[Screen] = []
    if may_read(actor, schedule_purpose(actor), now):
        screens.append(Screen.SCHEDULE)
    screens.extend(s for s, purpose in _BY_PURPOSE if may_read(actor, purpose, now))
    if may(actor, Permission.VIEW_AUDIT):
        screens.append(Screen.AUDIT)
    if may(actor, Permission.MANAGE_ALERTS):
        screens.append(Screen.ALERTS)
    if may(actor, Permission.RUN_REPORTS):
        screens.append(Screen.REPORTS)
    if may(actor, Permission.SIGN_ACCESS_REVIEW):
        screens.append(Screen.ACCESS_REVIEW)
    if may(actor, Permission.SIGN_ACCESS_REVIEW) or may(actor, Permission.MANAGE_SETTINGS):
        screens.append(Screen.CHECKLIST)
    if may(actor, Permission.MANAGE_USERS):
        screens.append(Screen.USERS)
    return tuple(screens)
