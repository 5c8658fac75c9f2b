"""The practice hub's account directory as seen from a workstation (AccountDirectory over HTTPS).

Every call goes to `POST /v1/directory/<method>` on the hub, which runs it in one transaction
on its own directory, so a TOTP step accepted anywhere is refused everywhere and failure
counts are the practice's. The hub checks the password and the code itself: this PC never
gets a password hash or a TOTP secret from it, except, for its own offline cache, in the
answer to a code it has just accepted. This PC's own failure count stays local. When the hub
cannot be reached, a person who signed in here online within `offline_days` can still sign in
from the cache (their password hash and TOTP secret, kept at that sign-in, and a last-used
step of this PC); such a sign-in is flagged `offline`, and the steps used are reported to the
hub later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from services.auth import passwords, throttle, totp
from services.clock import Clock
from services.hub.client import HubClient, HubNotProven, HubUnreachable
from storage.account_json import (
    plain,
    record_from_json,
    record_to_json,
    state_from_json,
    state_to_json,
)
from storage.accounts_repo import AccountRecord, CodeCheck, FailureState, SqlAccountDirectory
from storage.hub_cache_repo import HubCacheRepository

log = logging.getLogger("services.hub.directory")

OFFLINE_DAYS_SETTING = "offline_days"
DEFAULT_OFFLINE_DAYS = 7
OFFLINE_FLAG = "offline"
# Changes the sign-in flow makes for itself: the hub takes them without an actor.
THROTTLE_FIELDS = frozenset({"failures", "last_failure_at", "locked_until", "last_sign_in_at"})


def _raise_if_refused(answer: dict[str, Any]) -> None:
    """A check the hub refused unchecked (too soon after a failure, or the account locked):
    `SignInThrottled` with the wait, as this PC's own throttle says it, and nothing counted
    here (the hub counted nothing)."""
    refused, wait = answer.get("refused"), answer.get("retry_after")
    if refused is None:
        return
    left = float(wait) if isinstance(wait, int | float) and not isinstance(wait, bool) else 60.0
    if refused == "locked":
        raise throttle.SignInThrottled(throttle.lock_message(left), left)
    raise throttle.SignInThrottled(throttle.wait_message(left), left)


class HubMode(Enum):
    UNKNOWN = "unknown"
    CONNECTED = "connected"
    OFFLINE = "offline"
    NOT_PROVEN = "not_proven"  # something answered that failed the TLS checks

    @property
    def label(self) -> str:
        if self is HubMode.OFFLINE:
            return "Practice hub: offline (cached sign-in)"
        if self is HubMode.NOT_PROVEN:
            return "Practice hub: wrong certificate"
        if self is HubMode.UNKNOWN:
            return "Practice hub: connecting…"
        return "Practice hub: connected"

    @property
    def away(self) -> bool:
        """The hub is not being talked to: offline, or not proven to be the practice's."""
        return self in (HubMode.OFFLINE, HubMode.NOT_PROVEN)

    @staticmethod
    def after(error: HubUnreachable) -> HubMode:
        return HubMode.NOT_PROVEN if isinstance(error, HubNotProven) else HubMode.OFFLINE


def offline_days(setting: str | None) -> int:
    try:
        value = int(setting) if setting not in (None, "") else DEFAULT_OFFLINE_DAYS
    except ValueError:
        value = DEFAULT_OFFLINE_DAYS
    return max(0, value)


class NotSignedInHereRecently(HubUnreachable):
    """The hub is away and this person has no cached sign-in at this PC."""


class HubAccountDirectory:
    def __init__(
        self,
        client: HubClient,
        local: SqlAccountDirectory,
        cache: HubCacheRepository,
        clock: Clock,
        offline_days_setting: Callable[[], str | None],
    ) -> None:
        self._client = client
        self._local = local
        self._cache = cache
        self._clock = clock
        self._offline_days = offline_days_setting
        self._lock = threading.Lock()
        self._tokens: dict[str, str] = {}  # user_id -> actor token of a session at this PC
        self._current: str | None = None  # the person whose token admin changes carry
        self._offline_sessions: set[str] = set()
        self.mode = HubMode.UNKNOWN
        self._mode_listeners: list[Callable[[HubMode], None]] = []

    # -- plumbing ---------------------------------------------------------------------------

    def on_mode_change(self, listener: Callable[[HubMode], None]) -> None:
        self._mode_listeners.append(listener)

    def _set_mode(self, mode: HubMode) -> None:
        if mode is self.mode:
            return
        self.mode = mode
        for listener in self._mode_listeners:
            try:
                listener(mode)
            except Exception as exc:  # the status bar is not worth a failed sign-in
                log.error("hub.mode_listener_failed", extra={"error_class": type(exc).__name__})

    @property
    def client(self) -> HubClient:
        return self._client

    def _raw(self, method: str, args: dict[str, Any], actor: bool = False) -> dict[str, Any]:
        token = None
        if actor:
            with self._lock:
                token = self._tokens.get(self._current or "")
        try:
            answer = self._client.post(
                f"/v1/directory/{method}",
                {"args": {k: plain(v) for k, v in args.items()}},
                actor_token=token,
            )
        except HubUnreachable as exc:
            self._set_mode(HubMode.after(exc))
            raise
        self._set_mode(HubMode.CONNECTED)
        return answer

    def _call(self, method: str, actor: bool = False, **args: Any) -> Any:
        return self._raw(method, args, actor).get("result")

    def _offline_window(self) -> timedelta | None:
        days = offline_days(self._offline_days())
        return timedelta(days=days) if days > 0 else None

    def _cached(self, found: Any) -> AccountRecord | None:
        window = self._offline_window()
        if found is None or window is None:
            return None
        if self._clock.now() - found.signed_in_at > window:
            return None
        record: AccountRecord = found.record
        return record

    def _away(self, error: HubUnreachable) -> NotSignedInHereRecently:
        days = offline_days(self._offline_days())
        if days == 0:
            return NotSignedInHereRecently(
                f"{error.message} The practice does not allow signing in without the hub."
            )
        return NotSignedInHereRecently(
            f"{error.message} Without it, only people who signed in at this PC in the last "
            f"{days} days can sign in here."
        )

    # -- look-ups (cached for offline sign-in) ----------------------------------------------

    def by_login(self, login: str) -> AccountRecord | None:
        try:
            data = self._call("by_login", login=login)
        except HubUnreachable as exc:
            record = self._cached(self._cache.by_login(login))
            if record is None:
                raise self._away(exc) from None
            return record
        return self._fresh(data)

    def by_id(self, user_id: str) -> AccountRecord | None:
        try:
            data = self._call("by_id", user_id=user_id)
        except HubUnreachable as exc:
            record = self._cached(self._cache.by_id(user_id))
            if record is None:
                raise self._away(exc) from None
            return record
        return self._fresh(data)

    def _fresh(self, data: Any) -> AccountRecord | None:
        if data is None:
            return None
        record = record_from_json(data)
        if record.disabled:
            self._cache.forget(record.user_id)  # a disabled account never signs in offline
        return record

    def all(self) -> list[AccountRecord]:
        return [record_from_json(d) for d in self._call("all") or []]

    def totp_secret(self, user_id: str) -> str | None:
        """The hub never gives an account's secret out: a new enrollment makes a new one."""
        return None

    def _cached_or_away(self, user_id: str, error: HubUnreachable) -> Any:
        found = self._cache.by_id(user_id)
        if self._cached(found) is None or found is None:
            raise self._away(error) from None
        return found

    def verify_password(self, user_id: str, password: str) -> bool:
        """Checked by the hub (which rehashes a weak hash); offline, against the cached hash."""
        try:
            answer = self._raw(
                "verify_password", {"user_id": user_id, "password": password}, actor=True
            )
        except HubUnreachable as exc:
            found = self._cached_or_away(user_id, exc)
            stored = found.record.password_hash
            return bool(stored) and passwords.verify_password(stored, password)
        _raise_if_refused(answer)
        return answer.get("result") is True

    def accept_totp_code(self, user_id: str, code: str, now: datetime) -> CodeCheck:
        """Checked and spent by the hub; offline, against the cached secret and this PC's steps."""
        try:
            answer = self._raw("accept_totp_code", {"user_id": user_id, "code": code, "at": now})
        except HubUnreachable as exc:
            found = self._cached_or_away(user_id, exc)
            step = totp.matching_step(found.secret, code, now)
            if step is None:
                return CodeCheck.WRONG
            if not self._cache.accept_step(user_id, step, self._clock.now()):
                return CodeCheck.REUSED
            with self._lock:
                self._offline_sessions.add(user_id)
                self._current = user_id
            return CodeCheck.ACCEPTED
        _raise_if_refused(answer)
        try:
            checked = CodeCheck(answer.get("result"))
        except ValueError:
            return CodeCheck.WRONG
        if checked is not CodeCheck.ACCEPTED:
            return checked
        token = answer.get("actor_token")
        with self._lock:
            self._offline_sessions.discard(user_id)
            if isinstance(token, str) and token:
                self._tokens[user_id] = token
            self._current = user_id
        step = answer.get("step")
        verifier = answer.get("offline_verifier")
        self._remember(user_id, step if isinstance(step, int) else 0, verifier)
        return CodeCheck.ACCEPTED

    def _remember(self, user_id: str, step: int, verifier: Any) -> None:
        """Fill the offline cache at an online sign-in, from what the hub gave this PC for it
        (never for a practice that said 0 days)."""
        if self._offline_window() is None or not isinstance(verifier, dict):
            self._cache.forget(user_id)
            return
        password_hash, secret = verifier.get("password_hash"), verifier.get("totp_secret")
        if not isinstance(password_hash, str) or not isinstance(secret, str):
            self._cache.forget(user_id)
            return
        try:
            data = self._call("by_id", user_id=user_id)
        except HubUnreachable:
            return
        if data is None:
            return
        record = replace(record_from_json(data), password_hash=password_hash)
        self._cache.remember(record, secret, self._clock.now())
        self._cache.note_online_step(user_id, step)

    # -- changes ----------------------------------------------------------------------------

    def create(self, record: AccountRecord) -> None:
        self._call("create", actor=True, record=record_to_json(record))

    def update(self, user_id: str, **changes: Any) -> None:
        if not changes:
            return
        with self._lock:
            offline = user_id in self._offline_sessions
        throttle_only = set(changes) <= THROTTLE_FIELDS
        # A reset (after the person's own sign-in, or a manager's unlock) goes with the
        # signed-in person's token: the hub refuses one from the PC's certificate alone.
        resets = changes.get("failures") == 0 or (
            "locked_until" in changes and changes["locked_until"] is None
        )
        try:
            self._call("update", actor=resets or not throttle_only, user_id=user_id, **changes)
        except HubUnreachable:
            cached = self._cache.by_id(user_id)
            if not throttle_only or cached is None:
                raise
            self._cache.update(user_id, changes)  # lock-out at this PC goes on while offline
            return
        if offline or self._cache.by_id(user_id) is not None:
            self._cache.update(user_id, changes)

    def set_totp_secret(self, user_id: str, secret: str | None) -> None:
        self._call("set_totp_secret", actor=True, user_id=user_id, secret=secret)
        self._cache.forget(user_id)

    def set_recovery_codes(self, user_id: str, hashes: list[str]) -> None:
        self._call("set_recovery_codes", actor=True, user_id=user_id, hashes=hashes)

    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        answer = self._raw("use_recovery_code", {"user_id": user_id, "code_hash": code_hash})
        _raise_if_refused(answer)
        if not answer.get("result"):
            return False
        token = answer.get("actor_token")
        with self._lock:
            if isinstance(token, str) and token:
                self._tokens[user_id] = token
            self._current = user_id
        return True

    def unused_recovery_codes(self, user_id: str) -> int:
        return int(self._call("unused_recovery_codes", user_id=user_id) or 0)

    # -- this PC's own failures stay here ---------------------------------------------------

    def note_workstation_failure(self, now: datetime) -> None:
        self._local.note_workstation_failure(now)

    def workstation_failures_since(self, since: datetime) -> int:
        return self._local.workstation_failures_since(since)

    def unknown_login_state(self, login: str) -> FailureState:
        try:
            return state_from_json(self._call("unknown_login_state", login=login) or {})
        except HubUnreachable:
            return self._local.unknown_login_state(login)

    def set_unknown_login_state(self, login: str, state: FailureState) -> None:
        try:
            self._call("set_unknown_login_state", login=login, state=state_to_json(state))
        except HubUnreachable:
            self._local.set_unknown_login_state(login, state)

    # -- break-glass ------------------------------------------------------------------------

    def add_break_glass(self, row: dict[str, str]) -> None:
        self._call("add_break_glass", row=row)

    def unreviewed_break_glass(self) -> list[dict[str, str]]:
        return [dict(r) for r in self._call("unreviewed_break_glass") or []]

    def break_glass_grants(self, user_id: str) -> list[dict[str, str]]:
        return [dict(r) for r in self._call("break_glass_grants", user_id=user_id) or []]

    # -- sessions ---------------------------------------------------------------------------

    def sign_in_flags(self, user_id: str) -> tuple[str, ...]:
        """The flags of the sign-in entry just made for `user_id`: `offline` without the hub."""
        with self._lock:
            return (OFFLINE_FLAG,) if user_id in self._offline_sessions else ()

    def actor_token(self, user_id: str) -> str | None:
        """The hub's token of `user_id`'s session at this PC (the practice-wide audit queries
        carry it); None without one (signed in offline, or not signed in here)."""
        with self._lock:
            return self._tokens.get(user_id)

    def session_ended(self, user_id: str) -> None:
        """The person signed out here: the hub forgets their token (best effort)."""
        with self._lock:
            token = self._tokens.pop(user_id, None)
            self._offline_sessions.discard(user_id)
            if self._current == user_id:
                self._current = None
        if token is None:
            return
        try:
            self._client.post("/v1/sessions/end", {"actor_token": token})
        except HubUnreachable:
            log.info("hub.session_end_not_sent")

    def check_sessions(self) -> list[str]:
        """The user ids whose sessions at this PC the hub has ended (disabled, expired)."""
        with self._lock:
            open_tokens = dict(self._tokens)
        try:
            if not open_tokens:
                self._client.get("/v1/health")  # the mode is still worth knowing
                self._set_mode(HubMode.CONNECTED)
                return []
            answer = self._client.post(
                "/v1/sessions/check", {"actor_tokens": list(open_tokens.values())}
            )
        except HubUnreachable as exc:
            self._set_mode(HubMode.after(exc))
            raise
        self._set_mode(HubMode.CONNECTED)
        ended_tokens = set(answer.get("ended") or [])
        ended = [user for user, token in open_tokens.items() if token in ended_tokens]
        with self._lock:
            for user in ended:
                self._tokens.pop(user, None)
                if self._current == user:
                    self._current = None
        for user in ended:
            self._cache.forget(user)  # disabled, perhaps: the next sign-in here is online
        return ended
