"""Who an actor id is, for screens a person reads: name and role from the account directory.

The audit trail keeps ids (`user_…`, `agent_…`, `system_…`); every compliance screen and
document shows the person's name and role with the id beside it, through `People`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo

from services.access import Actor, Role
from services.audit import AuditEntry, AuditTrail
from services.audit.browse import ViewerFilters, find_entries
from services.audit.sources import EntrySource
from services.compliance.facts import UserFacts


def role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Person:
    actor_id: str
    name: str
    role: str  # the role's label ("Front desk"), empty when unknown
    login: str = ""

    @property
    def label(self) -> str:
        """'Robin Front, Front desk (user_7f6e0a69f843)': name and role, the id beside them."""
        role = f", {self.role}" if self.role else ""
        return f"{self.name}{role} ({self.actor_id})"

    @property
    def short(self) -> str:
        """'Robin Front (Front desk)': where the id is shown in a column of its own."""
        return f"{self.name} ({self.role})" if self.role else self.name

    def matches(self, needle: str) -> bool:
        text = needle.strip().lower()
        return bool(text) and any(
            text in part.lower() for part in (self.name, self.role, self.login, self.actor_id)
        )


def _automatic(actor_id: str) -> Person | None:
    for prefix, role in (("agent_", Role.AGENT), ("system_", Role.SYSTEM)):
        if actor_id.startswith(prefix):
            name = actor_id.removeprefix(prefix).replace("_", " ").capitalize()
            return Person(actor_id, name or role.label, role.label)
    return None


class People:
    """Names and roles by actor id, read from the account directory on each `refresh`.

    Built per screen load (off the UI thread), so a renamed or new account reads right.
    """

    def __init__(self, users: UserFacts | None) -> None:
        self._users = users
        self._known: dict[str, Person] = {}
        self.refresh()

    def refresh(self) -> People:
        self._known = (
            {
                u.user_id: Person(u.user_id, u.display_name or u.login, role_label(u.role), u.login)
                for u in self._users.users()
            }
            if self._users is not None
            else {}
        )
        return self

    def person(self, actor_id: str) -> Person:
        found = self._known.get(actor_id) or _automatic(actor_id)
        if found is not None:
            return found
        if actor_id.startswith("ws_"):
            return Person(actor_id, "Workstation", "")
        return Person(actor_id, "Unknown account", "")

    def label(self, actor_id: str) -> str:
        return self.person(actor_id).label if actor_id else "—"

    def everyone(self) -> list[Person]:
        """The accounts, by name (for pickers)."""
        return sorted(self._known.values(), key=lambda p: (p.name.lower(), p.actor_id))

    def matching(self, needle: str) -> set[str]:
        """Ids of the accounts whose name, role, login or id contains `needle`."""
        return {p.actor_id for p in self._known.values() if p.matches(needle)}


@dataclass(frozen=True)
class AuditPage:
    """The audit viewer's load: the entries, the people to name them with, and whether they
    are the whole practice's (a joined PC with its hub away shows its own only, and says so)."""

    entries: list[AuditEntry]
    people: People
    practice_wide: bool = True
    notice: str = ""
    truncated: bool = False
    workstations: dict[str, str] = field(default_factory=dict)  # id -> name, from the hub
    stations: tuple[str, ...] = ()  # the workstations whose entries can be shown
    here: str = ""  # this PC's workstation id


def audit_page(
    trail: AuditTrail,
    actor: Actor,
    users: UserFacts | None,
    start: date,
    end: date,
    text: str = "",
    zone: tzinfo = UTC,
    *,
    filters: ViewerFilters = ViewerFilters(),  # noqa: B008 (frozen)
    source: EntrySource | None = None,
) -> AuditPage:
    """The audit viewer's load: entries of practice days start..end matching `text` and
    `filters`, where a name or role typed finds that person's entries, and the people."""
    people = People(users)
    found = find_entries(
        trail,
        actor,
        start,
        end,
        text,
        actors=people.matching(text) if text else (),
        zone=zone,
        filters=filters,
        source=source,
    )
    return AuditPage(
        found.entries,
        people,
        found.practice_wide,
        found.notice,
        found.truncated,
        found.workstations,
        found.stations or (trail.workstation_id,),
        trail.workstation_id,
    )
