"""The composition root: builds the services of one open installation and wires them."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from services.audit import AuditTrail, PhiGateway, Pseudonymizer
from services.auth.local_directory import LocalAccountDirectory
from services.auth.passwords import PRODUCTION, HashParams
from services.auth.sessions import IDLE_LOCK_SETTING, idle_lock_minutes
from services.auth.signin import AuthService
from services.auth.users import UserAdmin
from services.calendar import TIMEZONE_SETTING, PracticeCalendar, zone_named
from services.clock import Clock, SystemClock
from services.installation import PSEUDONYM_KEY, Installation
from storage.accounts_repo import AccountDirectory, SqlAccountDirectory

if TYPE_CHECKING:
    from services.hub.directory import HubAccountDirectory

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
    accounts: AccountDirectory
    auth: AuthService
    users: UserAdmin
    calendar: PracticeCalendar
    hub: HubAccountDirectory | None = None  # a joined workstation's; None for a single PC

    def hub_mode(self) -> str:
        """The status bar's words for the hub: empty for a single PC."""
        return "" if self.hub is None else self.hub.mode.label

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
        if self.hub is not None:
            self.hub.client.close()
        self.installation.close()


def build_services(
    installation: Installation,
    clock: Clock | None = None,
    hash_params: HashParams = PRODUCTION,
    *,
    use_hub: bool = True,
) -> Services:
    """`use_hub=False`: this PC's own accounts even when it joined a hub (`hub adopt` only)."""
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
    local = LocalAccountDirectory(installation.db, installation.database_key, hash_params)
    hub = hub_directory(installation, local, clock) if use_hub else None
    accounts: AccountDirectory = local if hub is None else hub
    practice = installation.practice_id
    auth = AuthService(accounts, trail, clock, practice, hash_params)
    if hub is not None:
        auth.sign_in_flags = hub.sign_in_flags
        auth.on_session_end(hub.session_ended)
    return Services(
        installation=installation,
        clock=clock,
        trail=trail,
        gateway=PhiGateway(trail, clock),
        accounts=accounts,
        auth=auth,
        users=UserAdmin(accounts, trail, clock, practice, hash_params, links=installation.settings),
        calendar=PracticeCalendar(clock, zone_named(installation.settings.get(TIMEZONE_SETTING))),
        hub=hub,
    )


def hub_directory(
    installation: Installation, local: SqlAccountDirectory, clock: Clock
) -> HubAccountDirectory | None:
    """The hub's directory when this PC joined a practice hub (hub.json), else None."""
    from services.hub.membership import membership_of

    membership = membership_of(installation)
    if membership is None:
        return None
    from services.hub.directory import OFFLINE_DAYS_SETTING, HubAccountDirectory
    from services.hub.membership import client_for
    from storage.hub_cache_repo import HubCacheRepository

    return HubAccountDirectory(
        client_for(installation, membership),
        local,
        HubCacheRepository(installation.db, installation.database_key),
        clock,
        lambda: installation.settings.get(OFFLINE_DAYS_SETTING),
    )
