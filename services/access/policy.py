"""The role -> purpose and role -> permission tables that every access consults."""

from __future__ import annotations

from datetime import datetime

from errors import EnamelError
from services.access.actors import Actor
from services.access.roles import Permission, Purpose, Role

P = Purpose
_FRONT_DESK_PURPOSES = frozenset(
    {
        P.SCHEDULE,
        P.PATIENT_LOOKUP,
        P.NO_SHOW_RESCHEDULING,
        P.INSURANCE_VERIFICATION,
        P.RECALL_REMINDERS,
        P.APPOINTMENT_CONFLICTS,
        P.WAITLIST,
    }
)

READS: dict[Role, frozenset[Purpose]] = {
    Role.FRONT_DESK: _FRONT_DESK_PURPOSES,
    Role.OFFICE_MANAGER: _FRONT_DESK_PURPOSES,
    Role.DENTIST: frozenset({P.CLINICAL_SCHEDULE, P.APPOINTMENT_CONFLICTS}),
    Role.HYGIENIST: frozenset({P.CLINICAL_SCHEDULE, P.APPOINTMENT_CONFLICTS}),
    Role.BILLING: frozenset({P.INSURANCE_VERIFICATION}),
    Role.COMPLIANCE_OFFICER: frozenset({P.ACCESS_REPORT, P.BREACH_ASSESSMENT}),
    Role.IT_ADMIN: frozenset(),  # IT administers; it sees no PHI at all
    # The recall and waitlist scanners; an agent gets a purpose only with a job that needs it.
    # The waitlist scanner screens its offers against the day's bookings (no patient fields).
    Role.AGENT: frozenset({P.RECALL_REMINDERS, P.WAITLIST, P.APPOINTMENT_CONFLICTS}),
    Role.SYSTEM: frozenset(),
}

Q = Permission
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FRONT_DESK: frozenset({Q.BREAK_GLASS, Q.EXPORT_CALL_LIST}),
    Role.OFFICE_MANAGER: frozenset(
        {Q.MANAGE_USERS, Q.RUN_REPORTS, Q.BREAK_GLASS, Q.EXPORT_CALL_LIST, Q.MANAGE_ALERTS}
    ),
    Role.DENTIST: frozenset({Q.BREAK_GLASS}),
    Role.HYGIENIST: frozenset({Q.BREAK_GLASS}),
    Role.BILLING: frozenset(),
    Role.COMPLIANCE_OFFICER: frozenset(
        {Q.VIEW_AUDIT, Q.MANAGE_ALERTS, Q.RUN_REPORTS, Q.SIGN_ACCESS_REVIEW, Q.RECORD_EVIDENCE}
    ),
    Role.IT_ADMIN: frozenset({Q.MANAGE_USERS, Q.MANAGE_SETTINGS}),
    Role.AGENT: frozenset(),
    Role.SYSTEM: frozenset({Q.MANAGE_SETTINGS}),
}

# Break-glass never reaches the compliance-only purposes, and IT never gets it.
BREAK_GLASS_PURPOSES = frozenset(_FRONT_DESK_PURPOSES | {P.CLINICAL_SCHEDULE})


class AccessDenied(EnamelError):
    """The actor's role does not allow this. The message names no patient."""

    exit_code = 1


def may_read(actor: Actor, purpose: Purpose, now: datetime | None = None) -> bool:
    if purpose in READS[actor.role]:
        return True
    return (
        now is not None
        and actor.under_break_glass(now)
        and purpose in actor.break_glass_purposes
        and purpose in BREAK_GLASS_PURPOSES
    )


def via_break_glass(actor: Actor, purpose: Purpose, now: datetime) -> bool:
    """True when the read is allowed only because of emergency access."""
    return purpose not in READS[actor.role] and may_read(actor, purpose, now)


def require_read(actor: Actor, purpose: Purpose, now: datetime | None = None) -> None:
    if not may_read(actor, purpose, now):
        raise AccessDenied(
            f"Your role ({actor.role.label}) does not allow {purpose.label.lower()}. "
            "The attempt has been recorded."
        )


def may(actor: Actor, permission: Permission) -> bool:
    return permission in PERMISSIONS[actor.role]


def require(actor: Actor, permission: Permission) -> None:
    if not may(actor, permission):
        raise AccessDenied(
            f"Your role ({actor.role.label}) does not allow this "
            f"({permission.value.replace('_', ' ')}). The attempt has been recorded."
        )
