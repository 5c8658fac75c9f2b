"""Accounts, recovery codes, throttling and break-glass rows: the AccountDirectory's SQL."""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.database import Database
from storage.keys import totp_key, unknown_login_key


@dataclass(frozen=True)
class AccountRecord:
    user_id: str
    login: str
    display_name: str
    role: str
    password_hash: str
    totp_enrolled: bool
    last_totp_step: int
    failures: int
    last_failure_at: datetime | None
    locked_until: datetime | None
    disabled: bool
    must_change_password: bool
    created_at: datetime
    password_changed_at: datetime
    last_sign_in_at: datetime | None
    disabled_at: datetime | None = None  # set with `disabled`; None for accounts disabled earlier


_COLUMNS = [f.name for f in fields(AccountRecord)]


@dataclass(frozen=True)
class FailureState:
    """Throttle state of a name that is no account: the same three facts an account keeps."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


def _when(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _record(row: Any) -> AccountRecord:
    data = dict(zip(_COLUMNS, row, strict=True))
    for key in ("last_failure_at", "locked_until", "last_sign_in_at", "disabled_at"):
        data[key] = _when(data[key])
    for key in ("created_at", "password_changed_at"):
        data[key] = datetime.fromisoformat(str(data[key]))
    for key in ("totp_enrolled", "disabled", "must_change_password"):
        data[key] = bool(data[key])
    return AccountRecord(**data)


class CodeCheck(Enum):
    """A TOTP code's answer: accepted (its step is spent now), its step used already, or wrong."""

    ACCEPTED = "accepted"
    REUSED = "reused"
    WRONG = "wrong"


class AccountDirectory(Protocol):
    """Everything sign-in needs to know and change about accounts, behind one interface.

    The directory checks the password and the code itself (`verify_password`,
    `accept_totp_code`): a practice hub's directory never hands a workstation a password hash
    or an enrolled person's TOTP secret. `totp_secret` is this PC's own (None over a hub).
    """

    def by_login(self, login: str) -> AccountRecord | None: ...
    def by_id(self, user_id: str) -> AccountRecord | None: ...
    def all(self) -> list[AccountRecord]: ...
    def create(self, record: AccountRecord) -> None: ...
    def update(self, user_id: str, **changes: Any) -> None: ...
    def totp_secret(self, user_id: str) -> str | None: ...
    def set_totp_secret(self, user_id: str, secret: str | None) -> None: ...
    def verify_password(self, user_id: str, password: str) -> bool: ...
    def accept_totp_code(self, user_id: str, code: str, now: datetime) -> CodeCheck: ...
    def set_recovery_codes(self, user_id: str, hashes: list[str]) -> None: ...
    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool: ...
    def unused_recovery_codes(self, user_id: str) -> int: ...
    def note_workstation_failure(self, now: datetime) -> None: ...
    def workstation_failures_since(self, since: datetime) -> int: ...
    def unknown_login_state(self, login: str) -> FailureState: ...
    def set_unknown_login_state(self, login: str, state: FailureState) -> None: ...
    def add_break_glass(self, row: dict[str, str]) -> None: ...
    def unreviewed_break_glass(self) -> list[dict[str, str]]: ...
    def break_glass_grants(self, user_id: str) -> list[dict[str, str]]: ...


class SqlAccountDirectory:
    def __init__(self, db: Database, database_key: bytes) -> None:
        self._db = db
        self._aead = AESGCM(totp_key(database_key))
        self._name_key = unknown_login_key(database_key)

    def _one(self, where: str, value: str) -> AccountRecord | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {', '.join(_COLUMNS)} FROM accounts WHERE {where} = ?", (value,))
            .fetchone()
        )
        return None if row is None else _record(row)

    def by_login(self, login: str) -> AccountRecord | None:
        return self._one("login", login.strip().lower())

    def by_id(self, user_id: str) -> AccountRecord | None:
        return self._one("user_id", user_id)

    def all(self) -> list[AccountRecord]:
        rows = self._db.connection().execute(
            f"SELECT {', '.join(_COLUMNS)} FROM accounts ORDER BY login"
        )
        return [_record(r) for r in rows]

    def create(self, record: AccountRecord) -> None:
        values = []
        for name in _COLUMNS:
            value = getattr(record, name)
            values.append(value.isoformat() if isinstance(value, datetime) else value)
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO accounts({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                values,
            )
            conn.execute(
                "DELETE FROM unknown_login_failures WHERE name_hash = ?",
                (self._name_hash(record.login),),
            )

    def update(self, user_id: str, **changes: Any) -> None:
        if not changes:
            return
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown account columns: {sorted(unknown)}")
        values = [v.isoformat() if isinstance(v, datetime) else v for v in changes.values()]
        with self._db.transaction() as conn:
            conn.execute(
                f"UPDATE accounts SET {', '.join(f'{k} = ?' for k in changes)} WHERE user_id = ?",
                [*values, user_id],
            )

    def totp_secret(self, user_id: str) -> str | None:
        row = (
            self._db.connection()
            .execute("SELECT totp_nonce, totp_secret FROM accounts WHERE user_id = ?", (user_id,))
            .fetchone()
        )
        if row is None or row[1] is None:
            return None
        return self._aead.decrypt(bytes(row[0]), bytes(row[1]), user_id.encode()).decode()

    def set_totp_secret(self, user_id: str, secret: str | None) -> None:
        nonce = os.urandom(12) if secret else None
        ciphertext = (
            self._aead.encrypt(nonce, secret.encode(), user_id.encode())
            if secret and nonce
            else None
        )
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE accounts SET totp_nonce = ?, totp_secret = ?, totp_enrolled = 0, "
                "last_totp_step = 0 WHERE user_id = ?",
                (nonce, ciphertext, user_id),
            )

    def accept_totp_step(self, user_id: str, step: int) -> bool:
        """Record `step` as used, atomically; False if it (or a later one) was used already."""
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE accounts SET last_totp_step = ? WHERE user_id = ? AND last_totp_step < ?",
                (step, user_id, step),
            ).rowcount
        return bool(updated)

    def set_recovery_codes(self, user_id: str, hashes: list[str]) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
            conn.executemany(
                "INSERT INTO recovery_codes(user_id, code_hash) VALUES (?, ?)",
                [(user_id, h) for h in hashes],
            )

    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        with self._db.transaction() as conn:
            used = conn.execute(
                "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                (now.isoformat(), user_id, code_hash),
            ).rowcount
        return bool(used)

    def unused_recovery_codes(self, user_id: str) -> int:
        row = (
            self._db.connection()
            .execute(
                "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
                (user_id,),
            )
            .fetchone()
        )
        return int(row[0])

    def unused_recovery_code_hashes(self, user_id: str) -> list[str]:
        """For moving the accounts to a practice hub (`hub adopt`): the hashes, never codes."""
        rows = self._db.connection().execute(
            "SELECT code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL "
            "ORDER BY code_hash",
            (user_id,),
        )
        return [str(r[0]) for r in rows]

    def note_workstation_failure(self, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute("INSERT INTO workstation_failures(at) VALUES (?)", (now.isoformat(),))

    def workstation_failures_since(self, since: datetime) -> int:
        row = (
            self._db.connection()
            .execute(
                "SELECT count(*) FROM workstation_failures WHERE at >= ?", (since.isoformat(),)
            )
            .fetchone()
        )
        return int(row[0])

    def _name_hash(self, login: str) -> str:
        name = login.strip().lower().encode()
        return hmac.new(self._name_key, name, hashlib.sha256).hexdigest()

    def unknown_login_state(self, login: str) -> FailureState:
        row = (
            self._db.connection()
            .execute(
                "SELECT failures, last_failure_at, locked_until FROM unknown_login_failures "
                "WHERE name_hash = ?",
                (self._name_hash(login),),
            )
            .fetchone()
        )
        if row is None:
            return FailureState()
        return FailureState(int(row[0]), _when(row[1]), _when(row[2]))

    def set_unknown_login_state(self, login: str, state: FailureState) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO unknown_login_failures(name_hash, failures, last_failure_at, "
                "locked_until) VALUES (?, ?, ?, ?) ON CONFLICT(name_hash) DO UPDATE SET "
                "failures = excluded.failures, last_failure_at = excluded.last_failure_at, "
                "locked_until = excluded.locked_until",
                (
                    self._name_hash(login),
                    state.failures,
                    None if state.last_failure_at is None else state.last_failure_at.isoformat(),
                    None if state.locked_until is None else state.locked_until.isoformat(),
                ),
            )

    def add_break_glass(self, row: dict[str, str]) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO break_glass(id, user_id, reason, purposes, started_at, until) "
                "VALUES (:id, :user_id, :reason, :purposes, :started_at, :until)",
                row,
            )

    def unreviewed_break_glass(self) -> list[dict[str, str]]:
        """Emergency-access grants the compliance officer has not reviewed yet (their alerts)."""
        rows = self._db.connection().execute(
            "SELECT id, user_id, reason, purposes, started_at, until FROM break_glass "
            "WHERE reviewed_at IS NULL ORDER BY started_at"
        )
        keys = ("id", "user_id", "reason", "purposes", "started_at", "until")
        return [dict(zip(keys, (str(v) for v in row), strict=True)) for row in rows]

    def break_glass_grants(self, user_id: str) -> list[dict[str, str]]:
        """One person's emergency-access grants with their stated reasons, oldest first."""
        rows = self._db.connection().execute(
            "SELECT id, user_id, reason, purposes, started_at, until FROM break_glass "
            "WHERE user_id = ? ORDER BY started_at",
            (user_id,),
        )
        keys = ("id", "user_id", "reason", "purposes", "started_at", "until")
        return [dict(zip(keys, (str(v) for v in row), strict=True)) for row in rows]
