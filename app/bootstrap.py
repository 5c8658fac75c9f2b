"""The composition root: builds the services of one open installation and wires them."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from services.audit import AuditTrail, PhiGateway, Pseudonymizer
from services.auth.passwords import PRODUCTION, HashParams
from services.auth.sessions import IDLE_LOCK_SETTING, idle_lock_minutes
from services.auth.signin import AuthService
from services.auth.users import UserAdmin
from services.calendar import TIMEZONE_SETTING, PracticeCalendar, zone_named
from services.clock import Clock, SystemClock
from services.installation import PSEUDONYM_KEY, Installation
from storage.accounts_repo import SqlAccountDirectory

if TYPE_CHECKING:
    from app.compliance_setup import Compliance

VERSION = "0.1.0"


def user_agent() -> str:
    return f"enamel/{VERSION} ({platform.system().lower()})"


@dataclass
class Services:
    """Everything the GUI and the admin tool use, built once per process."""

    installation: Installation
    clock: Clock
    trail: AuditTrail
    gateway: PhiGateway
    accounts: SqlAccountDirectory
    auth: AuthService
    users: UserAdmin
    calendar: PracticeCalendar

    @property
    def idle_lock_minutes(self) -> int:
        """The administrator's setting, never above the 15-minute ceiling."""
        return idle_lock_minutes(self.installation.settings.get(IDLE_LOCK_SETTING))

    @cached_property
    def compliance(self) -> Compliance:
        """Alert engine, alerts and checklist sources: built on first use, the same for all."""
        from app.compliance_setup import build_compliance

        return build_compliance(self)

    def close(self) -> None:
        self.installation.close()


def build_services(
    installation: Installation, clock: Clock | None = None, hash_params: HashParams = PRODUCTION
) -> Services:
    clock = clock or SystemClock()
    pseudonymizer = Pseudonymizer(installation.secrets.require(PSEUDONYM_KEY))
    trail = AuditTrail(
        installation.db,
        clock,
        pseudonymizer,
        practice_id=installation.practice_id,
        workstation_id=installation.workstation_id,
        user_agent=user_agent(),
    )
    accounts = SqlAccountDirectory(installation.db, installation.database_key)
    practice = installation.practice_id
    return Services(
        installation=installation,
        clock=clock,
        trail=trail,
        gateway=PhiGateway(trail, clock),
        accounts=accounts,
        auth=AuthService(accounts, trail, clock, practice, hash_params),
        users=UserAdmin(accounts, trail, clock, practice, hash_params, links=installation.settings),
        calendar=PracticeCalendar(clock, zone_named(installation.settings.get(TIMEZONE_SETTING))),
    )
