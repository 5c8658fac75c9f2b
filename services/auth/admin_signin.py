"""Who runs an administrative command: a person's Enamel sign-in, or the recovery passphrase.

An OS account is not a person (a front-desk PC's is often shared), so a command that changes
accounts, roles, keys or connections, or exports data, proves a person through the same
sign-in as the app (throttling, lock-out and TOTP replay protection included) and that
person's role must allow it. The recovery passphrase, which can decrypt everything anyway,
stands in for IT at the first set-up (before any administrator account exists) and in
emergencies. The audit entries name the actor and carry how they proved it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from errors import EnamelError
from services.access import Actor, ActorType, Permission, Role, may, require
from services.audit import AuditEvent, AuditTrail, Outcome
from services.auth.signin import AuthService, SignInFailed
from storage import recovery
from storage.errors import WrongPassphrase

VIA_ADMIN = "enamel_admin"
WITH_SIGN_IN = "password_totp"
WITH_RECOVERY = "recovery_passphrase"
RECOVERY_ACTOR_ID = "recovery_passphrase"


class RecoveryFileMissing(EnamelError):
    exit_code = 2


def recovery_actor() -> Actor:
    """Whoever holds the recovery passphrase: IT at set-up or in an emergency, not an account."""
    return Actor(
        RECOVERY_ACTOR_ID,
        ActorType.HUMAN,
        Role.IT_ADMIN,
        auth_flags=(VIA_ADMIN, WITH_RECOVERY),
    )


def check_recovery_passphrase(recovery_file: Path, passphrase: str) -> Actor:
    """The recovery actor if `passphrase` opens this installation's recovery file.

    Raises WrongPassphrase (nothing recorded: the callers that can write the trail do).
    """
    try:
        blob = recovery_file.read_bytes()
    except FileNotFoundError:
        raise RecoveryFileMissing(
            f"The recovery file {recovery_file} is missing, so the recovery passphrase cannot "
            "be checked. Nothing was changed."
        ) from None
    recovery.unwrap(blob, passphrase)
    return recovery_actor()


@dataclass(frozen=True)
class AdminSignIn:
    """Proves and authorises the person behind one enamel-admin command."""

    auth: AuthService
    trail: AuditTrail
    recovery_file: Path

    def person(self, login: str, password: str, code: str) -> Actor:
        """The signed-in person as an actor, through AuthService's own two steps.

        A wrong password or code is recorded and counted towards the lock-out there; a
        code already used (here or in the app) is refused there too.
        """
        step = self.auth.check_password(login, password)
        if step.needs_enrollment:
            raise SignInFailed(
                "This account has no authenticator yet. Sign in to Enamel once to set it up, "
                "then use enamel-admin. Nothing was changed."
            )
        session = self.auth.check_code(step, code)
        if session.must_change_password:
            raise SignInFailed(
                "This account has a temporary password. Choose a new one at Enamel's sign-in "
                "first, then use enamel-admin. Nothing was changed."
            )
        return replace(session.actor, auth_flags=(VIA_ADMIN, WITH_SIGN_IN))

    def recovery(self, passphrase: str) -> Actor:
        """The recovery actor, or WrongPassphrase with the failure in the trail.

        A success needs no entry of its own: every entry the command writes names the
        recovery actor and carries `recovery_passphrase` among its flags.
        """
        try:
            return check_recovery_passphrase(self.recovery_file, passphrase)
        except WrongPassphrase:
            self.trail.append(
                AuditEvent(
                    action="recovery_passphrase_used",
                    actor=recovery_actor(),
                    outcome=Outcome.FAILURE,
                    resource_type="session",
                )
            )
            raise

    def authorise(self, actor: Actor, permission: Permission, command: str) -> None:
        """Raise AccessDenied, with the refusal recorded, unless `actor` may do `permission`."""
        if actor.actor_id == RECOVERY_ACTOR_ID or may(actor, permission):
            return
        self.trail.append(
            AuditEvent(
                action="admin_command",
                actor=actor,
                outcome=Outcome.FAILURE,
                resource_type="enamel_admin",
                resource_id=command,
                flags=("denied",),
            )
        )
        require(actor, permission)
