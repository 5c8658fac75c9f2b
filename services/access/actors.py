"""Who is acting: a signed-in person, an automated agent or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.access.roles import Purpose, Role


class ActorType(StrEnum):
    HUMAN = "human"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The subject of every access decision and audit entry.

    `actor_id` is the account's stable id (`user_…`, `agent_…`), never a person's name.
    Break-glass adds purposes until `break_glass_until`. `auth_flags` say how the actor
    proved who they are when that is not the app's own sign-in (enamel-admin:
    `enamel_admin` with `password_totp` or `recovery_passphrase`); every audit entry the
    actor causes carries them among its flags.
    """

    actor_id: str
    actor_type: ActorType
    role: Role
    session_id: str = ""
    break_glass_purposes: frozenset[Purpose] = field(default_factory=frozenset)
    break_glass_until: datetime | None = None
    break_glass_id: str = ""
    auth_flags: tuple[str, ...] = ()

    def under_break_glass(self, now: datetime) -> bool:
        return self.break_glass_until is not None and now < self.break_glass_until

    @staticmethod
    def agent(name: str) -> Actor:
        return Actor(actor_id=f"agent_{name}", actor_type=ActorType.AGENT, role=Role.AGENT)

    @staticmethod
    def system(name: str = "enamel") -> Actor:
        return Actor(actor_id=f"system_{name}", actor_type=ActorType.SYSTEM, role=Role.SYSTEM)
