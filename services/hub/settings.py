"""Practice-wide settings the hub hands to every workstation, and who may change them."""

from __future__ import annotations

from services.access import Actor, Role
from services.audit import AuditEvent, AuditTrail
from services.clock import Clock
from services.hub.errors import bad_request, forbidden
from storage.hub_repo import HubRepository

DEFAULTS = {"idle_lock_minutes": "15", "offline_days": "7"}
NAMES = {
    "idle_lock_minutes",
    "timezone",
    "offline_days",
    "pms.mode",
    "pms.base_url",
    "pms.host",
    "pms.allow_http_hosts",
    "pms.page_size",
}
PREFIXES = ("office_hours", "break_glass.")
ADMIN_ROLES = frozenset({Role.OFFICE_MANAGER, Role.IT_ADMIN})


def may_administer(actor: Actor) -> bool:
    """Office managers and IT administrators administer the practice at the hub."""
    return actor.role in ADMIN_ROLES


def _check(name: str, value: str) -> None:
    if name not in NAMES and not name.startswith(PREFIXES):
        raise bad_request(
            f"'{name}' is not a practice setting. Practice settings: "
            + ", ".join(sorted(NAMES))
            + ", office_hours…, break_glass.…"
        )
    if len(value) > 2000:
        raise bad_request("The value is too long.")
    if name in ("idle_lock_minutes", "offline_days") and not (
        value.isdigit() and int(value) < 10_000
    ):
        raise bad_request(f"{name} is a whole number of {'minutes' if name[0] == 'i' else 'days'}.")


class PracticeSettings:
    def __init__(self, repo: HubRepository, trail: AuditTrail, clock: Clock) -> None:
        self._repo = repo
        self._trail = trail
        self._clock = clock

    def read(self) -> tuple[dict[str, str], int]:
        values, version = self._repo.practice_settings()
        return {**DEFAULTS, **values}, version

    def offline_days(self) -> int:
        return int(self.read()[0]["offline_days"])

    def set(self, actor: Actor, name: str, value: str) -> int:
        if not may_administer(actor):
            raise forbidden(
                "Only an office manager or IT administrator may change practice settings."
            )
        _check(name, value)
        version = self._repo.set_practice_setting(name, value, self._clock.now(), actor.actor_id)
        self._trail.append(
            AuditEvent(
                action="practice_setting_changed",
                actor=actor,
                resource_type="setting",
                resource_id=name,
            )
        )
        return version
