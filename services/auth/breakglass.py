"""Emergency access: a stated reason buys time-boxed extra read purposes, flagged for compliance."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from services.access import Permission, Purpose, require
from services.access.policy import BREAK_GLASS_PURPOSES
from services.audit import AuditEvent, AuditTrail
from services.auth.sessions import Session
from services.auth.throttle import SignInFailed
from services.clock import Clock
from storage.accounts_repo import AccountDirectory

MIN_MINUTES = 5
MAX_MINUTES = 240
DEFAULT_MINUTES = 60
MIN_REASON = 10


class BreakGlass:
    """Grants are stored with their reason in the encrypted database; the unreviewed ones are
    the compliance officer's alerts. The audit entry carries only the grant id and the flag,
    because a reason typed in a hurry often names the patient."""

    def __init__(self, directory: AccountDirectory, trail: AuditTrail, clock: Clock) -> None:
        self._dir = directory
        self._trail = trail
        self._clock = clock

    @staticmethod
    def purposes() -> frozenset[Purpose]:
        return frozenset(BREAK_GLASS_PURPOSES)

    def start(self, session: Session, reason: str, minutes: int = DEFAULT_MINUTES) -> Session:
        require(session.actor, Permission.BREAK_GLASS)
        if len(reason.strip()) < MIN_REASON:
            raise SignInFailed("Say why emergency access is needed (at least a short sentence).")
        minutes = max(MIN_MINUTES, min(minutes, MAX_MINUTES))
        now = self._clock.now()
        until = now + timedelta(minutes=minutes)
        grant = f"bg_{secrets.token_hex(6)}"
        extra = self.purposes()
        self._dir.add_break_glass(
            {
                "id": grant,
                "user_id": session.user_id,
                "reason": reason.strip(),
                "purposes": ",".join(sorted(p.value for p in extra)),
                "started_at": now.isoformat(),
                "until": until.isoformat(),
            }
        )
        actor = replace(
            session.actor,
            break_glass_purposes=extra,
            break_glass_until=until,
            break_glass_id=grant,
        )
        self._trail.append(
            AuditEvent(
                action="break_glass_start",
                actor=actor,
                resource_type="session",
                resource_id=grant,
                flags=("break_glass",),
            )
        )
        return session.with_actor(actor)


def grant_over(session: Session, now: datetime) -> bool:
    """The session holds a break-glass grant whose time is up."""
    until = session.actor.break_glass_until
    return until is not None and now >= until


def without_break_glass(session: Session) -> Session:
    """The same person and session, back to what their role alone allows."""
    return session.with_actor(
        replace(
            session.actor,
            break_glass_purposes=frozenset(),
            break_glass_until=None,
            break_glass_id="",
        )
    )
