"""Signing in: the password, then a TOTP or recovery code (or first-time enrollment); lock and unlock."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, AuditTrail, Outcome
from services.auth import passwords, recovery_codes, throttle, totp
from services.auth.breakglass import BreakGlass
from services.auth.sessions import Session
from services.auth.throttle import GENERIC, CodeAlreadyUsed, SignInFailed, SignInThrottled
from services.clock import Clock
from storage.accounts_repo import AccountDirectory, AccountRecord, CodeCheck, FailureState

__all__ = [
    "GENERIC",
    "AuthService",
    "CodeAlreadyUsed",
    "Enrollment",
    "PasswordAccepted",
    "Session",
    "SignInFailed",
    "SignInThrottled",
]

PENDING_SECONDS = 300
_SIGNIN_ACTOR = Actor.system("signin")


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
        # A name that is no account is checked against this, so it costs a real check's time.
        self._decoy = passwords.decoy_hash(hash_params)
        self._lock = threading.Lock()
        self._break_glass = BreakGlass(directory, trail, clock)
        # The sign-in entry's flags for an account ("offline": a practice hub's cached sign-in).
        self.sign_in_flags: Callable[[str], tuple[str, ...]] = lambda _user_id: ()
        self._session_end_listeners: list[Callable[[str], None]] = []

    def on_session_end(self, listener: Callable[[str], None]) -> None:
        """Call `listener(user_id)` after a session is ended here (the hub forgets its token)."""
        self._session_end_listeners.append(listener)

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
        recent = self.directory.workstation_failures_since(now - throttle.WORKSTATION_WINDOW)
        throttle.check(now, failures, last, locked_until, recent)

    def _fail_unknown(self, login: str, state: FailureState) -> SignInFailed:
        """A failure under a name that is no account: counted and locked like a real one's.

        Kept in the database (as a keyed hash of the name), so a restart does not tell
        either: after ten failures any name is locked for fifteen minutes.
        """
        now = self._clock.now()
        self.directory.note_workstation_failure(now)
        failures = state.failures + 1
        locked_until = throttle.lock_until(failures, now)
        self.directory.set_unknown_login_state(
            login, FailureState(failures, now, locked_until or state.locked_until)
        )
        self._audit("sign_in", _SIGNIN_ACTOR, Outcome.FAILURE, ("unknown_account",))
        if locked_until is not None:
            self._audit("account_locked", _SIGNIN_ACTOR, Outcome.FAILURE, ("unknown_account",))
        return SignInFailed(GENERIC)

    def _fail(self, record: AccountRecord, login: str) -> SignInFailed:
        now = self._clock.now()
        self.directory.note_workstation_failure(now)
        failures = record.failures + 1
        changes: dict[str, object] = {"failures": failures, "last_failure_at": now}
        actor = self.actor_for(record)
        self._audit("sign_in", actor, Outcome.FAILURE)
        locked_until = throttle.lock_until(failures, now)
        if locked_until is not None:
            changes["locked_until"] = locked_until
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

    def _keep_pending(self, step: PasswordAccepted, record: AccountRecord) -> None:
        with self._lock:
            self._pending[step.token] = (
                record.user_id,
                self._clock.now() + timedelta(seconds=PENDING_SECONDS),
            )

    def _start_session(self, record: AccountRecord) -> Session:
        now = self._clock.now()
        session_id = f"ses_{secrets.token_hex(8)}"
        self.directory.update(record.user_id, failures=0, locked_until=None, last_sign_in_at=now)
        actor = self.actor_for(record, session_id)
        self._audit("sign_in", actor, flags=self.sign_in_flags(record.user_id))
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
            state = self.directory.unknown_login_state(name)
            self._throttle(state.failures, state.last_failure_at, state.locked_until)
            passwords.verify_password(self._decoy, password)  # the time a real check takes
            raise self._fail_unknown(name, state)
        self._throttle(record.failures, record.last_failure_at, record.locked_until)
        # Checked (by the directory, which also rehashes a weak hash) even for a disabled
        # account, so its answer takes as long as any other.
        matches = self.directory.verify_password(record.user_id, password)
        if record.disabled or not matches:
            raise self._fail(record, name)
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
        if not record.totp_enrolled:
            raise SignInFailed("Set up your authenticator first.")
        cleaned = code.strip()
        if len(cleaned.replace(" ", "")) == 6 and cleaned.replace(" ", "").isdigit():
            checked = self.directory.accept_totp_code(record.user_id, cleaned, self._clock.now())
            if checked is CodeCheck.ACCEPTED:
                return self._start_session(record)
            if checked is CodeCheck.REUSED:
                # A replay is refused, and recorded, but is no guess: it is not counted
                # towards the lock, and the password step stands for the next code.
                self._audit("sign_in", self.actor_for(record), Outcome.FAILURE, ("code_reused",))
                self._keep_pending(step, record)
                raise CodeAlreadyUsed
        elif recovery_codes.looks_like_code(cleaned) and self.directory.use_recovery_code(
            record.user_id, recovery_codes.code_hash(record.user_id, cleaned), self._clock.now()
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
        # This PC's own pending secret (an administrator's `user add`); over a hub, a new one.
        secret = self.directory.totp_secret(record.user_id) or totp.new_secret()
        self.directory.set_totp_secret(record.user_id, secret)
        codes = recovery_codes.new_codes()
        self.directory.set_recovery_codes(
            record.user_id, [recovery_codes.code_hash(record.user_id, c) for c in codes]
        )
        return Enrollment(
            secret, totp.provisioning_uri(secret, record.login, self._practice_id), codes
        )

    def confirm_enrollment(self, step: PasswordAccepted, code: str) -> Session:
        record = self._take_pending(step)
        checked = self.directory.accept_totp_code(record.user_id, code, self._clock.now())
        if checked is not CodeCheck.ACCEPTED:
            self._keep_pending(step, record)  # try the code again without the password
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
        if self.directory.verify_password(record.user_id, password):
            self.directory.update(record.user_id, failures=0)
            self._audit("session_unlocked", session.actor)
            return True
        self._fail(record, record.login)
        return False

    def end_session(self, session: Session, reason: str = "sign_out") -> None:
        """`reason` is "sign_out" or "switch_user"; either way the session is over."""
        self._audit("sign_out", session.actor, flags=(reason,))
        for listener in self._session_end_listeners:
            listener(session.user_id)

    def change_password(self, session: Session, old: str, new: str) -> Session:
        record = self.directory.by_id(session.user_id)
        if record is None or not self.directory.verify_password(record.user_id, old):
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

    def set_required_password(self, session: Session, new: str) -> Session:
        """After an administrator's reset: the person proved the temporary password and a code
        moments ago, so the new one is all that is asked."""
        record = self.directory.by_id(session.user_id)
        if record is None or not record.must_change_password:
            raise SignInFailed("Use Change password and type your current password.")
        passwords.check_new_password(new, record.login)
        if self.directory.verify_password(record.user_id, new):
            raise passwords.WeakPassword("Choose a password different from the temporary one.")
        self.directory.update(
            record.user_id,
            password_hash=passwords.hash_password(new, self._params),
            password_changed_at=self._clock.now(),
            must_change_password=0,
        )
        self._audit("password_changed", session.actor, flags=("after_reset",))
        return replace(session, must_change_password=False)

    def break_glass(self, session: Session, reason: str, minutes: int = 60) -> Session:
        return self._break_glass.start(session, reason, minutes)
