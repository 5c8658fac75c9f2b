"""`POST /v1/directory/<method>`: one AccountDirectory call on the hub's directory, with the actor rules."""

from __future__ import annotations

import dataclasses
import math
import threading
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.access import Actor, Permission, may
from services.audit import AuditEvent, AuditTrail, Outcome
from services.auth import passwords, throttle
from services.auth.local_directory import LocalAccountDirectory, PasswordCheck
from services.clock import Clock
from services.hub.errors import HubError, bad_request, forbidden
from services.hub.settings import PracticeSettings
from services.hub.tokens import ActorTokens
from storage.accounts_repo import AccountRecord, CodeCheck, FailureState
from storage.hub_repo import HubRepository

METHODS = (
    "by_login",
    "by_id",
    "all",
    "create",
    "update",
    "verify_password",
    "set_totp_secret",
    "accept_totp_code",
    "set_recovery_codes",
    "use_recovery_code",
    "unused_recovery_codes",
    "unknown_login_state",
    "set_unknown_login_state",
    "add_break_glass",
    "unreviewed_break_glass",
    "break_glass_grants",
)
# `update` of these needs no actor: the sign-in flow itself writes them.
THROTTLE_FIELDS = frozenset({"failures", "last_failure_at", "locked_until", "last_sign_in_at"})
FREE_FIELDS = THROTTLE_FIELDS | {"display_name", "password_changed_at", "disabled_at"}
# The holder's own token is enough for these (a password change, the end of enrollment).
HOLDER_FIELDS = frozenset(
    {"password_hash", "password_changed_at", "must_change_password", "totp_enrolled"}
)
# A code is checked at the workstation's time only within this of the hub's clock (else at
# the hub's): a step far from now cannot be a code typed now, and a far-future one would
# spend every code of the account.
CLOCK_WINDOW = timedelta(minutes=5)
# A code (or recovery code) is taken only this soon after the same account's password was
# proven from the same workstation: the hub's two steps are one sign-in.
PASSWORD_PROOF = timedelta(minutes=5)
# A check taken and not finished this long after is taken to be given up (its request gone).
CHECK_STALE_SECONDS = 120.0


@dataclasses.dataclass(frozen=True)
class HashCheck:
    """A password check in two steps: `check` is the Argon2 work alone (no database; the hub
    runs it on its hashing threads), `finish` writes its outcome (on the database thread)."""

    check: Callable[[], PasswordCheck]
    finish: Callable[[PasswordCheck], dict[str, Any]]


def settle(answer: dict[str, Any] | HashCheck) -> dict[str, Any]:
    """The answer of a call made on one thread: a `HashCheck` checked and finished there."""
    return answer.finish(answer.check()) if isinstance(answer, HashCheck) else answer


_HINTS = typing.get_type_hints(AccountRecord)
_TIME_FIELDS = frozenset(name for name, hint in _HINTS.items() if "datetime" in str(hint))


def encode(value: Any) -> Any:
    """AccountRecord, FailureState and datetimes as JSON values."""
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def _time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise bad_request(f"'{name}' is not an ISO 8601 time.") from exc
    if when.tzinfo is None:
        raise bad_request(f"'{name}' needs a time-zone offset.")
    return when


def decode_record(data: Any) -> AccountRecord:
    if not isinstance(data, dict):
        raise bad_request("'record' is an object of the account's fields.")
    values: dict[str, Any] = {}
    for field in dataclasses.fields(AccountRecord):
        if field.name not in data:
            if field.default is dataclasses.MISSING:
                raise bad_request(f"The account record has no '{field.name}'.")
            continue
        raw = data[field.name]
        values[field.name] = _time(raw, field.name) if field.name in _TIME_FIELDS else raw
    for name in ("created_at", "password_changed_at"):
        if values[name] is None:
            raise bad_request(f"'{name}' is required.")
    return AccountRecord(**values)


def _state(data: Any) -> FailureState:
    if not isinstance(data, dict):
        raise bad_request("'state' is an object {failures, last_failure_at, locked_until}.")
    return FailureState(
        int(data.get("failures", 0)),
        _time(data.get("last_failure_at"), "last_failure_at"),
        _time(data.get("locked_until"), "locked_until"),
    )


def _arg(args: dict[str, Any], name: str, kind: type) -> Any:
    if name not in args:
        raise bad_request(f"The call needs '{name}'.")
    value = args[name]
    if kind is int and isinstance(value, bool):
        raise bad_request(f"'{name}' is a whole number.")
    if not isinstance(value, kind):
        raise bad_request(f"'{name}' has the wrong type.")
    return value


class DirectoryRpc:
    def __init__(
        self,
        accounts: LocalAccountDirectory,
        tokens: ActorTokens,
        repo: HubRepository,
        trail: AuditTrail,
        clock: Clock,
    ) -> None:
        self._accounts = accounts
        self._tokens = tokens
        self._repo = repo
        self._trail = trail
        self._clock = clock
        self._settings = PracticeSettings(repo, trail, clock)
        # (user_id, workstation_id) -> when that account's password was proven from there.
        self._proven: dict[tuple[str, str], datetime] = {}
        # An account that is none (or a check that would tell nothing) is checked against this,
        # at the parameters of the hub's own hashes: its answer costs a real check's work.
        self._decoy = passwords.decoy_hash(accounts.hash_params)
        # user_id -> password checks of it being hashed now (taken on the database thread,
        # given back there or, if the hashing fails, on a hashing thread).
        self._checking: dict[str, dict[object, float]] = {}
        self._checking_lock = threading.Lock()

    # -- who may ----------------------------------------------------------------------------

    def _manager(self, actor: Actor | None) -> Actor:
        if actor is None or not may(actor, Permission.MANAGE_USERS):
            raise forbidden(
                "This change needs the sign-in of an office manager or IT administrator.",
                "actor_required",
            )
        return actor

    def _audit(self, action: str, actor: Actor, user_id: str, workstation_id: str) -> None:
        self._trail.append(
            AuditEvent(
                action=action,
                actor=actor,
                resource_type="account",
                resource_id=user_id,
                flags=("hub", f"workstation:{workstation_id}"),
            )
        )

    def _holder_or_manager(self, actor: Actor | None, user_id: str) -> Actor:
        if actor is not None and actor.actor_id == user_id:
            return actor
        return self._manager(actor)

    # -- the call ---------------------------------------------------------------------------

    def call(
        self, method: str, args: Any, actor_token: str | None, workstation_id: str
    ) -> dict[str, Any] | HashCheck:
        """`{"result": ...}` (and `actor_token` after an accepted step), or a HubError; for a
        password, a `HashCheck` to finish (`settle` does both steps on one thread)."""
        if method not in METHODS:
            raise HubError(404, "unknown_method", "The hub does not know this directory call.")
        if not isinstance(args, dict):
            raise bad_request('The body is {"args": {...}}.')
        actor = self._tokens.actor(actor_token, workstation_id)
        handler: Callable[[dict[str, Any], Actor | None, str], dict[str, Any] | HashCheck] = (
            getattr(self, f"_do_{method}")
        )
        try:
            return handler(args, actor, workstation_id)
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_request("The call's arguments are not valid.") from exc

    def _do_by_login(self, args: dict[str, Any], actor: Actor | None, ws: str) -> dict[str, Any]:
        return {"result": encode(_public(self._accounts.by_login(_arg(args, "login", str))))}

    def _do_by_id(self, args: dict[str, Any], actor: Actor | None, ws: str) -> dict[str, Any]:
        return {"result": encode(_public(self._accounts.by_id(_arg(args, "user_id", str))))}

    def _do_all(self, args: dict[str, Any], actor: Actor | None, ws: str) -> dict[str, Any]:
        return {"result": encode([_public(r) for r in self._accounts.all()])}

    def _do_create(self, args: dict[str, Any], actor: Actor | None, ws: str) -> dict[str, Any]:
        manager = self._manager(actor)
        record = decode_record(args.get("record"))
        if self._accounts.by_id(record.user_id) or self._accounts.by_login(record.login):
            raise HubError(409, "exists", "An account with this id or user name exists already.")
        self._accounts.create(record)
        self._audit("user_added", manager, record.user_id, ws)
        return {"result": None}

    def _do_update(self, args: dict[str, Any], actor: Actor | None, ws: str) -> dict[str, Any]:
        changes = dict(args)
        user_id = changes.pop("user_id", None)
        if not isinstance(user_id, str):
            raise bad_request("The call needs 'user_id'.")
        unknown = set(changes) - set(_HINTS)
        if unknown:
            raise bad_request("The update names fields an account does not have.")
        for name in list(changes):
            if name in _TIME_FIELDS:
                changes[name] = _time(changes[name], name)
        guarded = set(changes) - FREE_FIELDS
        if guarded:
            holder_change = (
                actor is not None
                and actor.actor_id == user_id
                and guarded <= HOLDER_FIELDS
                and not changes.get("must_change_password")
            )
            who = actor if holder_change and actor is not None else self._manager(actor)
        current = self._accounts.by_id(user_id)
        if current is None:
            raise HubError(404, "unknown_account", "There is no such account.")
        if _lowers_the_lock(current, changes) and (actor is None or actor.actor_id != user_id):
            self._manager(actor)  # the holder once signed in, or a manager; never a bare PC
        _keep_counted(current, changes)
        _keep_last_failure(current, changes, self._clock.now())
        self._accounts.update(user_id, **changes)
        if guarded:
            if changes.get("disabled"):
                self._tokens.end_all_of(user_id)
            self._audit(_update_action(guarded, changes, who.actor_id == user_id), who, user_id, ws)
        return {"result": None}

    # -- the checks: the hub verifies the password and the code itself ------------------------

    def _locked(self, record: AccountRecord) -> bool:
        return record.locked_until is not None and self._clock.now() < record.locked_until

    def _count_failure(self, record: AccountRecord, ws: str) -> None:
        """A wrong password or code asked of the hub counts towards the practice-wide lock,
        whoever asks (the sign-in flow at a workstation writes the same count again)."""
        now = self._clock.now()
        failures = record.failures + 1
        locked_until = throttle.lock_until(failures, now) or record.locked_until
        self._accounts.update(
            record.user_id, failures=failures, last_failure_at=now, locked_until=locked_until
        )
        self._trail.append(
            AuditEvent(
                action="sign_in",
                actor=Actor.system("hub_signin"),
                outcome=Outcome.FAILURE,
                resource_type="account",
                resource_id=record.user_id,
                flags=("hub", f"workstation:{ws}"),
            )
        )

    def _proof(self, user_id: str, ws: str) -> bool:
        at = self._proven.get((user_id, ws))
        return at is not None and self._clock.now() - at <= PASSWORD_PROOF

    def _wait_left(self, record: AccountRecord) -> float:
        """Seconds before this account's next password may be checked (0: now): the delay after
        its last failure (`throttle.delay_left`, the workstation's schedule), counting each
        check of it still being hashed as a failure to come, so guesses sent side by side
        wait like guesses sent one after the other."""
        left = throttle.delay_left(self._clock.now(), record.failures, record.last_failure_at)
        pending = self._pending_checks(record.user_id)
        if pending:
            left = max(left, throttle.delay_for(record.failures + pending))
        return left

    def _too_soon(self, record: AccountRecord) -> dict[str, Any] | None:
        """What an answer adds when it comes before the delay after the account's last failure
        has passed: the call is refused unchecked and not counted (it guessed nothing)."""
        left = self._wait_left(record)
        if left <= 0:
            return None
        return {"refused": "too_soon", "retry_after": math.ceil(left)}

    def _pending_checks(self, user_id: str) -> int:
        """Checks of `user_id` taken and not finished, but for those taken so long ago that
        they will never finish (a request given up between its two steps)."""
        oldest = self._clock.monotonic() - CHECK_STALE_SECONDS
        with self._checking_lock:
            taken = self._checking.get(user_id, {})
            for key in [k for k, at in taken.items() if at < oldest]:
                del taken[key]
            if not taken:
                self._checking.pop(user_id, None)
            return len(taken)

    def _take_check(self, user_id: str) -> Callable[[], None]:
        key = object()
        with self._checking_lock:
            self._checking.setdefault(user_id, {})[key] = self._clock.monotonic()

        def give_back() -> None:
            with self._checking_lock:
                taken = self._checking.get(user_id, {})
                taken.pop(key, None)
                if not taken:
                    self._checking.pop(user_id, None)

        return give_back

    def _decoy_check(self, password: str) -> HashCheck:
        """The answer to a check that cannot succeed (no such account): the same Argon2 work
        on the same threads as a real check, and the same `false`."""
        decoy = self._decoy

        def check() -> PasswordCheck:
            passwords.verify_password(decoy, password)
            return PasswordCheck(False, None)

        return HashCheck(check, lambda _checked: {"result": False})

    def _do_verify_password(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any] | HashCheck:
        """Read here, hash off the database thread (`HashCheck.check`), and decide on the
        account as it is when the answer is written (`finish`, back on the database thread):
        a failure counted meanwhile, a lock or a disabling in between all hold."""
        user_id, password = _arg(args, "user_id", str), _arg(args, "password", str)
        if len(password) > 1024:
            return {"result": False}  # whatever the account: tells nothing about it
        record = self._accounts.by_id(user_id)
        if record is None:
            return self._decoy_check(password)
        if self._locked(record):
            assert record.locked_until is not None
            left = (record.locked_until - self._clock.now()).total_seconds()
            return {"result": False, "refused": "locked", "retry_after": math.ceil(left)}
        too_soon = self._too_soon(record)
        if too_soon is not None:
            return {"result": False, **too_soon}
        accounts, checked_hash = self._accounts, record.password_hash
        give_back = self._take_check(user_id)

        def check() -> PasswordCheck:
            try:
                return accounts.check_hash(checked_hash, password)
            except BaseException:
                give_back()  # no `finish` follows
                raise

        def finish(checked: PasswordCheck) -> dict[str, Any]:
            give_back()
            now = self._clock.now()
            current = self._accounts.by_id(user_id)
            if current is None:
                return {"result": False}
            if not checked.matched:
                if actor is None or actor.actor_id != user_id:  # the holder's own is theirs
                    self._count_failure(current, ws)
                return {"result": False}
            if current.password_hash != checked_hash or current.disabled or self._locked(current):
                return {"result": False}  # changed, disabled or locked while it was hashed
            if checked.rehashed is not None:
                self._accounts.update(user_id, password_hash=checked.rehashed)
            self._proven = {k: v for k, v in self._proven.items() if now - v <= PASSWORD_PROOF}
            self._proven[(user_id, ws)] = now
            return {"result": True}

        return HashCheck(check, finish)

    def _code_time(self, args: dict[str, Any]) -> datetime:
        now = self._clock.now()
        at = _time(args.get("at"), "at")
        return at if at is not None and abs(at - now) <= CLOCK_WINDOW else now

    def _do_accept_totp_code(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        user_id, code = _arg(args, "user_id", str), _arg(args, "code", str)
        wrong = {"result": CodeCheck.WRONG.value}
        record = self._accounts.by_id(user_id)
        if record is None or record.disabled or len(code) > 32:
            return wrong
        if self._locked(record) or not self._proof(user_id, ws):
            return wrong
        too_soon = self._too_soon(record)
        if too_soon is not None:
            return {**wrong, **too_soon}
        step = self._accounts.matching_step(user_id, code, self._code_time(args))
        if step is None:
            self._count_failure(record, ws)
            return wrong
        token = self._tokens.accept_step(user_id, step, ws)
        if token is None:
            return {"result": CodeCheck.REUSED.value}
        self._proven.pop((user_id, ws), None)
        answer: dict[str, Any] = {
            "result": CodeCheck.ACCEPTED.value,
            "step": step,
            "actor_token": token,
        }
        secret = self._accounts.totp_secret(user_id)
        if self._settings.offline_days() > 0 and secret is not None:
            # For this workstation's offline cache only: the person just proved both.
            answer["offline_verifier"] = {
                "password_hash": record.password_hash,
                "totp_secret": secret,
            }
        return answer

    def _enrolment_or(self, actor: Actor | None, user_id: str) -> Actor | None:
        """The first enrollment happens before the holder has a token: an account not enrolled
        yet takes a secret and recovery codes without one."""
        record = self._accounts.by_id(user_id)
        if record is None:
            raise HubError(404, "unknown_account", "There is no such account.")
        if not record.totp_enrolled and actor is None:
            return None
        return self._holder_or_manager(actor, user_id)

    def _do_set_totp_secret(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        user_id = _arg(args, "user_id", str)
        secret = args.get("secret")
        if secret is not None and not isinstance(secret, str):
            raise bad_request("'secret' is a string or null.")
        who = self._enrolment_or(actor, user_id)
        self._accounts.set_totp_secret(user_id, secret)
        if who is not None and who.actor_id != user_id:
            self._audit("mfa_reset", who, user_id, ws)
        return {"result": None}

    def _do_set_recovery_codes(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        user_id = _arg(args, "user_id", str)
        hashes = _arg(args, "hashes", list)
        if not all(isinstance(h, str) for h in hashes) or len(hashes) > 100:
            raise bad_request("'hashes' is a list of strings.")
        who = self._enrolment_or(actor, user_id)
        self._accounts.set_recovery_codes(user_id, hashes)
        if who is not None and who.actor_id != user_id:
            self._audit("recovery_codes_reset", who, user_id, ws)
        return {"result": None}

    def _do_use_recovery_code(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        user_id = _arg(args, "user_id", str)
        code_hash = _arg(args, "code_hash", str)
        record = self._accounts.by_id(user_id)
        if record is None or record.disabled or self._locked(record):
            return {"result": False}
        if not self._proof(user_id, ws):
            return {"result": False}
        too_soon = self._too_soon(record)
        if too_soon is not None:
            return {"result": False, **too_soon}
        if not self._accounts.use_recovery_code(user_id, code_hash, self._clock.now()):
            self._count_failure(record, ws)
            return {"result": False}
        self._proven.pop((user_id, ws), None)
        return {"result": True, "actor_token": self._tokens.issue(user_id, ws)}

    def _do_unused_recovery_codes(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        return {"result": self._accounts.unused_recovery_codes(_arg(args, "user_id", str))}

    def _do_unknown_login_state(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        return {"result": encode(self._accounts.unknown_login_state(_arg(args, "login", str)))}

    def _do_set_unknown_login_state(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        self._accounts.set_unknown_login_state(_arg(args, "login", str), _state(args.get("state")))
        return {"result": None}

    def _do_add_break_glass(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        row = _arg(args, "row", dict)
        keys = ("id", "user_id", "reason", "purposes", "started_at", "until")
        if set(row) != set(keys) or not all(isinstance(row[k], str) for k in keys):
            raise bad_request("'row' is {id, user_id, reason, purposes, started_at, until}.")
        self._accounts.add_break_glass(row)
        return {"result": None}

    def _do_unreviewed_break_glass(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        return {"result": self._accounts.unreviewed_break_glass()}

    def _do_break_glass_grants(
        self, args: dict[str, Any], actor: Actor | None, ws: str
    ) -> dict[str, Any]:
        return {"result": self._accounts.break_glass_grants(_arg(args, "user_id", str))}


def _lowers_the_lock(current: AccountRecord, changes: dict[str, Any]) -> bool:
    """Whether `changes` lowers the failure count or shortens a lock the hub holds: what the
    sign-in flow writes after the person's own sign-in (with their token) or a manager's
    unlock, and what a PC's certificate alone must never do (it would undo the practice-wide
    lock-out that the hub's own password check enforces)."""
    failures = changes.get("failures")
    if isinstance(failures, int) and failures > 0:
        return False  # a failure written back: `_keep_counted` keeps the hub's count and lock
    if isinstance(failures, int) and failures < current.failures:
        return True
    if "locked_until" not in changes or current.locked_until is None:
        return False
    return _earlier(changes["locked_until"], current.locked_until)


def _keep_counted(current: AccountRecord, changes: dict[str, Any]) -> None:
    """A failure a workstation writes (its count from the record it read before asking) never
    lowers what the hub counted meanwhile: two wrong passwords at once are two failures, and
    a lock set by one is not shortened by the other. Only a reset (0) lowers the count."""
    failures = changes.get("failures")
    if not isinstance(failures, int) or failures <= 0:
        return
    changes["failures"] = max(failures, current.failures)
    kept = current.locked_until
    if kept is not None and "locked_until" in changes and _earlier(changes["locked_until"], kept):
        changes["locked_until"] = kept


def _keep_last_failure(current: AccountRecord, changes: dict[str, Any], now: datetime) -> None:
    """The time of the last failure, which the delay before the next check runs from, never
    moves back but with a reset of the count (which `_lowers_the_lock` guards): else a PC's
    certificate alone could write it an hour back and guess again at once. Nor past the hub's
    own time: a workstation whose clock runs ahead would stretch every delay by as much."""
    if "last_failure_at" not in changes:
        return
    written = changes["last_failure_at"]
    if isinstance(written, datetime) and written > now:
        changes["last_failure_at"] = written = now
    kept = current.last_failure_at
    if kept is None or changes.get("failures") == 0:
        return
    if _earlier(written, kept):
        changes["last_failure_at"] = kept


def _earlier(value: Any, than: datetime) -> bool:
    return value is None or (isinstance(value, datetime) and value < than)


def _public(record: AccountRecord | None) -> AccountRecord | None:
    """A record as a workstation gets it: without the password hash."""
    return None if record is None else dataclasses.replace(record, password_hash="")


def _update_action(guarded: set[str], changes: dict[str, Any], own: bool) -> str:
    if "role" in guarded:
        return "role_changed"
    if "disabled" in guarded:
        return "user_disabled" if changes["disabled"] else "user_enabled"
    if "password_hash" in guarded:
        return "password_changed" if own else "password_reset"
    if "login" in guarded:
        return "login_changed"
    return "account_changed"
