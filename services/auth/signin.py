"""Signing in (password, then a TOTP or recovery code), throttling, sessions, lock and break-glass."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.access import Actor, ActorType, Permission, Purpose, Role, require
from services.access.policy import BREAK_GLASS_PURPOSES
from services.audit import AuditEvent, AuditTrail, Outcome
from services.auth import passwords, totp
from services.clock import Clock
from storage.accounts_repo import AccountDirectory, AccountRecord
from storage.errors import EnamelError

DELAY_AFTER = 5  # failures before delays start
LOCK_AFTER = 10
LOCK_MINUTES = 15
WORKSTATION_LIMIT = 25  # failures in 15 minutes, whatever names were typed
PENDING_SECONDS = 300
GENERIC = "The user name, password or code is not correct."
_SIGNIN_ACTOR = Actor.system("signin")


class SignInFailed(EnamelError):
    exit_code = 1


class SignInThrottled(SignInFailed):
    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class PasswordAccepted:
    """Proof that step one passed; step two must follow within five minutes."""

    token: str
    user_id: str
    needs_enrollment: bool
    must_change_password: bool


@dataclass(frozen=True)
class Enrollment:
    secret: str
    uri: str
    recovery_codes: list[str]


@dataclass(frozen=True)
class Session:
    user_id: str
    login: str
    display_name: str
    role: Role
    actor: Actor
    started_at: datetime
    must_change_password: bool = False

    def with_actor(self, actor: Actor) -> Session:
        return replace(self, actor=actor)


class AuthService:
    def __init__(
        self,
        directory: AccountDirectory,
        trail: AuditTrail,
        clock: Clock,
        practice_id: str,
        hash_params: passwords.HashParams = passwords.PRODUCTION,
    ) -> None:
        self.directory = directory
        self._trail = trail
        self._clock = clock
        self._practice_id = practice_id
        self._params = hash_params
        self._pending: dict[str, tuple[str, datetime]] = {}
        self._ghosts: dict[str, tuple[int, datetime]] = {}  # failures of names that do not exist
        self._dummy: str | None = None  # made on first use: it costs a full hash
        self._lock = threading.Lock()

    # -- helpers -------------------------------------------------------------------

    def _audit(
        self,
        action: str,
        actor: Actor,
        outcome: Outcome = Outcome.SUCCESS,
        flags: tuple[str, ...] = (),
    ) -> None:
        self._trail.append(
            AuditEvent(
                action=action, actor=actor, outcome=outcome, resource_type="session", flags=flags
            )
        )

    @staticmethod
    def actor_for(record: AccountRecord, session_id: str = "") -> Actor:
        return Actor(record.user_id, ActorType.HUMAN, Role(record.role), session_id=session_id)

    def _throttle(
        self, failures: int, last: datetime | None, locked_until: datetime | None
    ) -> None:
        now = self._clock.now()
        if locked_until is not None and now < locked_until:
            minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
            raise SignInThrottled(
                f"Too many failed attempts: sign-in is locked for {minutes} more minute(s). "
                "An office manager can unlock it sooner.",
                (locked_until - now).total_seconds(),
            )
        if failures >= DELAY_AFTER and last is not None:
            wait = 2 ** (failures - DELAY_AFTER)
            ready = last + timedelta(seconds=wait)
            if now < ready:
                raise SignInThrottled(
                    f"Too many failed attempts. Wait {int((ready - now).total_seconds()) + 1} "
                    "seconds, then try again.",
                    (ready - now).total_seconds(),
                )
        window = self.directory.workstation_failures_since(now - timedelta(minutes=15))
        if window >= WORKSTATION_LIMIT:
            raise SignInThrottled(
                "Too many failed sign-ins on this computer. Wait a few minutes.", 60.0
            )

    def _fail(self, record: AccountRecord | None, login: str) -> SignInFailed:
        now = self._clock.now()
        self.directory.note_workstation_failure(now)
        if record is None:
            count, _ = self._ghosts.get(login, (0, now))
            self._ghosts[login] = (count + 1, now)
            self._audit("sign_in", _SIGNIN_ACTOR, Outcome.FAILURE, ("unknown_account",))
            return SignInFailed(GENERIC)
        failures = record.failures + 1
        changes: dict[str, object] = {"failures": failures, "last_failure_at": now}
        actor = self.actor_for(record)
        self._audit("sign_in", actor, Outcome.FAILURE)
        if failures >= LOCK_AFTER:
            changes["locked_until"] = now + timedelta(minutes=LOCK_MINUTES)
            self._audit("account_locked", actor, Outcome.FAILURE)
        self.directory.update(record.user_id, **changes)
        return SignInFailed(GENERIC)

    def _take_pending(self, step: PasswordAccepted) -> AccountRecord:
        with self._lock:
            entry = self._pending.pop(step.token, None)
        if entry is None or entry[0] != step.user_id or self._clock.now() > entry[1]:
            raise SignInFailed("The sign-in took too long. Start again with your password.")
        record = self.directory.by_id(step.user_id)
        if record is None or record.disabled:
            raise SignInFailed(GENERIC)
        return record

    def _start_session(self, record: AccountRecord) -> Session:
        now = self._clock.now()
        session_id = f"ses_{secrets.token_hex(8)}"
        self.directory.update(record.user_id, failures=0, locked_until=None, last_sign_in_at=now)
        actor = self.actor_for(record, session_id)
        self._audit("sign_in", actor)
        return Session(
            record.user_id,
            record.login,
            record.display_name,
            Role(record.role),
            actor,
            now,
            record.must_change_password,
        )

    # -- step one: the password ----------------------------------------------------------

    def check_password(self, login: str, password: str) -> PasswordAccepted:
        name = login.strip().lower()
        record = self.directory.by_login(name)
        if record is None:
            count, last = self._ghosts.get(name, (0, None))
            self._throttle(count, last, None)
            if self._dummy is None:
                self._dummy = passwords.hash_password(secrets.token_hex(16), self._params)
            passwords.verify_password(self._dummy, password)  # same time as a real check
            raise self._fail(None, name)
        self._throttle(record.failures, record.last_failure_at, record.locked_until)
        if record.disabled or not passwords.verify_password(record.password_hash, password):
            raise self._fail(record, name)
        if passwords.needs_rehash(record.password_hash, self._params):
            self.directory.update(
                record.user_id, password_hash=passwords.hash_password(password, self._params)
            )
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._pending[token] = (
                record.user_id,
                self._clock.now() + timedelta(seconds=PENDING_SECONDS),
            )
        return PasswordAccepted(
            token, record.user_id, not record.totp_enrolled, record.must_change_password
        )

    # -- step two: the code ---------------------------------------------------------------

    def check_code(self, step: PasswordAccepted, code: str) -> Session:
        record = self._take_pending(step)
        self._throttle(record.failures, record.last_failure_at, record.locked_until)
        secret = self.directory.totp_secret(record.user_id)
        if secret is None or not record.totp_enrolled:
            raise SignInFailed("Set up your authenticator first.")
        cleaned = code.strip()
        if len(cleaned.replace(" ", "")) == 6 and cleaned.replace(" ", "").isdigit():
            matched = totp.matching_step(secret, cleaned, self._clock.now())
            if matched is not None and self.directory.accept_totp_step(record.user_id, matched):
                return self._start_session(record)
        elif self.directory.use_recovery_code(
            record.user_id, totp.recovery_code_hash(record.user_id, cleaned), self._clock.now()
        ):
            self._audit("recovery_code_used", self.actor_for(record))
            return self._start_session(record)
        raise self._fail(record, record.login)

    def begin_enrollment(self, step: PasswordAccepted) -> Enrollment:
        with self._lock:
            entry = self._pending.get(step.token)
        record = self.directory.by_id(step.user_id)
        if entry is None or record is None or record.totp_enrolled:
            raise SignInFailed("Start again with your password.")
        secret = self.directory.totp_secret(record.user_id) or totp.new_secret()
        self.directory.set_totp_secret(record.user_id, secret)
        codes = totp.new_recovery_codes()
        self.directory.set_recovery_codes(
            record.user_id, [totp.recovery_code_hash(record.user_id, c) for c in codes]
        )
        return Enrollment(
            secret, totp.provisioning_uri(secret, record.login, self._practice_id), codes
        )

    def confirm_enrollment(self, step: PasswordAccepted, code: str) -> Session:
        record = self._take_pending(step)
        secret = self.directory.totp_secret(record.user_id)
        matched = totp.matching_step(secret, code, self._clock.now()) if secret else None
        if matched is None or not self.directory.accept_totp_step(record.user_id, matched):
            with self._lock:  # let them try the code again without retyping the password
                self._pending[step.token] = (
                    record.user_id,
                    self._clock.now() + timedelta(seconds=PENDING_SECONDS),
                )
            raise self._fail(record, record.login)
        self.directory.update(record.user_id, totp_enrolled=1)
        self._audit("mfa_enrolled", self.actor_for(record))
        return self._start_session(record)

    # -- during a session ----------------------------------------------------------------

    def record_lock(self, session: Session, reason: str = "idle") -> None:
        self._audit("session_locked", session.actor, flags=(reason,))

    def unlock(self, session: Session, password: str) -> bool:
        record = self.directory.by_id(session.user_id)
        if record is None or record.disabled:
            return False
        self._throttle(record.failures, record.last_failure_at, record.locked_until)
        if passwords.verify_password(record.password_hash, password):
            self.directory.update(record.user_id, failures=0)
            self._audit("session_unlocked", session.actor)
            return True
        self._fail(record, record.login)
        return False

    def end_session(self, session: Session) -> None:
        self._audit("sign_out", session.actor)

    def change_password(self, session: Session, old: str, new: str) -> Session:
        record = self.directory.by_id(session.user_id)
        if record is None or not passwords.verify_password(record.password_hash, old):
            if record is not None:
                self._fail(record, record.login)
            raise SignInFailed("The current password is not correct.")
        passwords.check_new_password(new, record.login)
        self.directory.update(
            record.user_id,
            password_hash=passwords.hash_password(new, self._params),
            password_changed_at=self._clock.now(),
            must_change_password=0,
        )
        self._audit("password_changed", session.actor)
        return replace(session, must_change_password=False)

    def break_glass(self, session: Session, reason: str, minutes: int = 60) -> Session:
        require(session.actor, Permission.BREAK_GLASS)
        if len(reason.strip()) < 10:
            raise SignInFailed("Say why emergency access is needed (at least a short sentence).")
        minutes = max(5, min(minutes, 240))
        now = self._clock.now()
        grant = f"bg_{secrets.token_hex(6)}"
        extra = frozenset(BREAK_GLASS_PURPOSES)
        self.directory.add_break_glass(
            {
                "id": grant,
                "user_id": session.user_id,
                "reason": reason.strip(),
                "purposes": ",".join(sorted(p.value for p in extra)),
                "started_at": now.isoformat(),
                "until": (now + timedelta(minutes=minutes)).isoformat(),
            }
        )
        actor = replace(
            session.actor,
            break_glass_purposes=extra,
            break_glass_until=now + timedelta(minutes=minutes),
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

    def purposes_under_break_glass(self) -> frozenset[Purpose]:
        return frozenset(BREAK_GLASS_PURPOSES)
