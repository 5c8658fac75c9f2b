"""A signed-in session and the idle-lock policy (15 minutes at most, shorter if set)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.access import Actor, Role

IDLE_LOCK_SETTING = "idle_lock_minutes"
MAX_IDLE_MINUTES = 15
MIN_IDLE_MINUTES = 1


@dataclass(frozen=True)
class Session:
    """Who is at the keyboard. Everything they do goes through `actor`."""

    user_id: str
    login: str
    display_name: str
    role: Role
    actor: Actor
    started_at: datetime
    must_change_password: bool = False

    def with_actor(self, actor: Actor) -> Session:
        return replace(self, actor=actor)


def idle_lock_minutes(setting: str | None) -> int:
    """The administrator's setting, clamped: never longer than 15 minutes, never below 1."""
    try:
        value = int(setting) if setting else MAX_IDLE_MINUTES
    except ValueError:
        value = MAX_IDLE_MINUTES
    return max(MIN_IDLE_MINUTES, min(value, MAX_IDLE_MINUTES))
