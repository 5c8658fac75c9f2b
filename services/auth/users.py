"""User administration for office managers and IT: add, list, disable, unlock, reset MFA, roles."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from errors import EnamelError
from services.access import Actor, Permission, Role, require
from services.access.roles import HUMAN_ROLES
from services.audit import AuditEvent, AuditTrail
from services.auth import passwords, totp
from services.clock import Clock
from storage.accounts_repo import AccountDirectory, AccountRecord

log = logging.getLogger("services.auth.users")


class UserError(EnamelError):
    exit_code = 2


class ProviderLinks(Protocol):
    """Where the link from an account to its Open Dental provider is kept (the practice's
    settings: one per account, set once for the office)."""

    def get(self, name: str, default: str | None = None) -> str | None: ...
    def set(self, name: str, value: str, now: datetime) -> None: ...


def provider_setting(user_id: str) -> str:
    return f"account.{user_id}.prov_num"


@dataclass(frozen=True)
class UserSummary:
    user_id: str
    login: str
    display_name: str
    role: Role
    disabled: bool
    locked: bool
    mfa_enrolled: bool
    last_sign_in_at: datetime | None
    password_age_days: int
    prov_num: int | None = None  # the Open Dental provider (ProvNum) this person is


@dataclass(frozen=True)
class NewUser:
    user_id: str
    otpauth_uri: str
    secret: str


def parse_role(text: str) -> Role:
    try:
        role = Role(text)
    except ValueError:
        role = None
    if role is None or role not in HUMAN_ROLES:
        choices = ", ".join(r.value for r in HUMAN_ROLES)
        raise UserError(f"'{text}' is not a role. Choose one of: {choices}.")
    return role


class UserAdmin:
    def __init__(
        self,
        directory: AccountDirectory,
        trail: AuditTrail,
        clock: Clock,
        practice_id: str,
        hash_params: passwords.HashParams = passwords.PRODUCTION,
        links: ProviderLinks | None = None,
    ) -> None:
        self._links = links
        self._dir = directory
        self._trail = trail
        self._clock = clock
        self._practice = practice_id
        self._params = hash_params
        self._disabled_listeners: list[Callable[[str], None]] = []

    def on_disabled_change(self, listener: Callable[[str], None]) -> None:
        """Call `listener(user_id)` after an account is disabled or enabled again.

        The composition root wires this to whatever caches who is disabled (the
        breach rules), so that auth need not know about them.
        """
        self._disabled_listeners.append(listener)

    def _disabled_changed(self, user_id: str) -> None:
        for listener in self._disabled_listeners:
            try:
                listener(user_id)
            except Exception as exc:  # the account is disabled either way; say what failed
                log.error("users.listener_failed", extra={"error_class": type(exc).__name__})

    def _audit(self, actor: Actor, action: str, user_id: str) -> None:
        self._trail.append(
            AuditEvent(action=action, actor=actor, resource_type="account", resource_id=user_id)
        )

    def _get(self, login: str) -> AccountRecord:
        record = self._dir.by_login(login)
        if record is None:
            raise UserError(f"There is no user '{login}'.")
        return record

    def add(
        self,
        actor: Actor,
        login: str,
        role: Role,
        password: str,
        display_name: str = "",
        *,
        temporary: bool = True,
    ) -> NewUser:
        """A new account. The administrator chose `password`, so by default it is temporary:
        the person replaces it at the first sign-in. Only the first-run wizard's own manager
        (who typed their own) and the synthetic demo accounts pass `temporary=False`."""
        require(actor, Permission.MANAGE_USERS)
        login = login.strip().lower()
        if (
            not login
            or not login.replace(".", "").replace("-", "").replace("_", "").isalnum()
            or len(login) > 40
        ):
            raise UserError(
                "A user name is 1 to 40 letters or digits (dots, hyphens and underscores allowed)."
            )
        if self._dir.by_login(login) is not None:
            raise UserError(f"The user name '{login}' is taken.")
        passwords.check_new_password(password, login)
        now = self._clock.now()
        user_id = f"user_{secrets.token_hex(6)}"
        self._dir.create(
            AccountRecord(
                user_id=user_id,
                login=login,
                display_name=display_name.strip() or login,
                role=role.value,
                password_hash=passwords.hash_password(password, self._params),
                totp_enrolled=False,
                last_totp_step=0,
                failures=0,
                last_failure_at=None,
                locked_until=None,
                disabled=False,
                must_change_password=temporary,
                created_at=now,
                password_changed_at=now,
                last_sign_in_at=None,
            )
        )
        secret = totp.new_secret()
        self._dir.set_totp_secret(user_id, secret)
        self._audit(actor, "user_added", user_id)
        return NewUser(user_id, totp.provisioning_uri(secret, login, self._practice), secret)

    def list(self, actor: Actor) -> list[UserSummary]:
        require(actor, Permission.MANAGE_USERS)
        now = self._clock.now()
        return [
            UserSummary(
                r.user_id,
                r.login,
                r.display_name,
                Role(r.role),
                r.disabled,
                r.locked_until is not None and r.locked_until > now,
                r.totp_enrolled,
                r.last_sign_in_at,
                (now - r.password_changed_at).days,
                self.provider_of(r.user_id),
            )
            for r in self._dir.all()
        ]

    def provider_of(self, user_id: str) -> int | None:
        """The Open Dental provider this account is (None: not linked). No PHI, no
        permission: the desk reads it for the person who has just signed in."""
        text = self._links.get(provider_setting(user_id)) if self._links else None
        return int(text) if text and text.isdigit() and int(text) > 0 else None

    def set_provider(self, actor: Actor, login: str, prov_num: int | None) -> None:
        """Link an account to its Open Dental provider (ProvNum), or unlink it (None)."""
        require(actor, Permission.MANAGE_USERS)
        if self._links is None:
            raise UserError("Provider links are not kept by this installation.")
        if prov_num is not None and prov_num <= 0:
            raise UserError("A provider number (ProvNum) is a whole number above 0.")
        record = self._get(login)
        self._links.set(provider_setting(record.user_id), str(prov_num or ""), self._clock.now())
        self._audit(actor, "provider_linked" if prov_num else "provider_unlinked", record.user_id)

    def disable(self, actor: Actor, login: str) -> None:
        require(actor, Permission.MANAGE_USERS)
        record = self._get(login)
        if record.user_id == actor.actor_id:
            raise UserError("You cannot disable your own account.")
        self._dir.update(record.user_id, disabled=1, disabled_at=self._clock.now())
        self._audit(actor, "user_disabled", record.user_id)
        self._disabled_changed(record.user_id)

    def enable(self, actor: Actor, login: str) -> None:
        require(actor, Permission.MANAGE_USERS)
        record = self._get(login)
        self._dir.update(record.user_id, disabled=0, disabled_at=None)
        self._audit(actor, "user_enabled", record.user_id)
        self._disabled_changed(record.user_id)

    def unlock(self, actor: Actor, login: str) -> None:
        require(actor, Permission.MANAGE_USERS)
        record = self._get(login)
        self._dir.update(record.user_id, failures=0, locked_until=None, last_failure_at=None)
        self._audit(actor, "user_unlocked", record.user_id)

    def reset_mfa(self, actor: Actor, login: str) -> str:
        """A new secret; the user enrolls again at the next sign-in. Returns the new otpauth URI."""
        require(actor, Permission.MANAGE_USERS)
        record = self._get(login)
        secret = totp.new_secret()
        self._dir.set_totp_secret(record.user_id, secret)
        self._dir.set_recovery_codes(record.user_id, [])
        self._audit(actor, "mfa_reset", record.user_id)
        return totp.provisioning_uri(secret, record.login, self._practice)

    def set_role(self, actor: Actor, login: str, role: Role) -> None:
        require(actor, Permission.MANAGE_USERS)
        record = self._get(login)
        self._dir.update(record.user_id, role=role.value)
        self._audit(actor, "role_changed", record.user_id)

    def reset_password(self, actor: Actor, login: str, temporary: str) -> None:
        """Set a temporary password that must be changed at the next sign-in."""
        require(actor, Permission.MANAGE_USERS)
        record = self._get(login)
        passwords.check_new_password(temporary, record.login)
        self._dir.update(
            record.user_id,
            password_hash=passwords.hash_password(temporary, self._params),
            must_change_password=1,
            password_changed_at=self._clock.now(),
            failures=0,
            locked_until=None,
        )
        self._audit(actor, "password_reset", record.user_id)
