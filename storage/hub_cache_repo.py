"""The offline sign-in cache of a joined workstation: accounts that signed in here, steps used offline."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.account_json import record_from_json, record_to_json
from storage.accounts_repo import AccountRecord
from storage.database import Database
from storage.keys import hub_cache_key


@dataclass(frozen=True)
class CachedAccount:
    record: AccountRecord
    secret: str
    signed_in_at: datetime


@dataclass(frozen=True)
class OfflineUse:
    use_id: int
    user_id: str
    step: int
    at: datetime


class HubCacheRepository:
    def __init__(self, db: Database, database_key: bytes) -> None:
        self._db = db
        self._aead = AESGCM(hub_cache_key(database_key))

    def remember(self, record: AccountRecord, secret: str, now: datetime) -> None:
        """After an online sign-in here: this person may sign in here while the hub is away."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), record.user_id.encode())
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM hub_offline_accounts WHERE login = ? AND user_id != ?",
                         (record.login, record.user_id))  # fmt: skip
            conn.execute(
                "INSERT INTO hub_offline_accounts(user_id, login, record, totp_nonce, totp_secret, "
                "last_totp_step, signed_in_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET login = excluded.login, "
                "record = excluded.record, totp_nonce = excluded.totp_nonce, "
                "totp_secret = excluded.totp_secret, signed_in_at = excluded.signed_in_at, "
                "last_totp_step = max(last_totp_step, excluded.last_totp_step)",
                (
                    record.user_id,
                    record.login,
                    json.dumps(record_to_json(record)),
                    nonce,
                    sealed,
                    record.last_totp_step,
                    now.isoformat(),
                ),
            )

    def forget(self, user_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM hub_offline_accounts WHERE user_id = ?", (user_id,))

    def _get(self, where: str, value: str) -> CachedAccount | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT user_id, record, totp_nonce, totp_secret, last_totp_step, signed_in_at "
                f"FROM hub_offline_accounts WHERE {where} = ?",
                (value,),
            )
            .fetchone()
        )
        if row is None:
            return None
        try:
            secret = self._aead.decrypt(bytes(row[2]), bytes(row[3]), str(row[0]).encode())
        except InvalidTag:
            # Under a key older than the last rotation's (a rotation moves the cache: see
            # storage/key_rotation_repo.py, but one before it did left rows behind).
            return None
        record = replace(record_from_json(json.loads(row[1])), last_totp_step=int(row[4]))
        return CachedAccount(record, secret.decode(), datetime.fromisoformat(str(row[5])))

    def by_login(self, login: str) -> CachedAccount | None:
        return self._get("login", login.strip().lower())

    def by_id(self, user_id: str) -> CachedAccount | None:
        return self._get("user_id", user_id)

    def update(self, user_id: str, changes: dict[str, Any]) -> None:
        """Throttle fields changed while offline (the lock-out at this PC goes on working)."""
        cached = self.by_id(user_id)
        if cached is None:
            return
        data = record_to_json(cached.record)
        data.update(
            {k: v.isoformat() if isinstance(v, datetime) else v for k, v in changes.items()}
        )
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE hub_offline_accounts SET record = ? WHERE user_id = ?",
                (json.dumps(data), user_id),
            )

    def accept_step(self, user_id: str, step: int, now: datetime) -> bool:
        """Record `step` as used at this PC, atomically; False if it (or a later one) was."""
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE hub_offline_accounts SET last_totp_step = ? "
                "WHERE user_id = ? AND last_totp_step < ?",
                (step, user_id, step),
            ).rowcount
            if updated:
                conn.execute(
                    "INSERT INTO hub_offline_uses(user_id, step, at) VALUES (?, ?, ?)",
                    (user_id, step, now.isoformat()),
                )
        return bool(updated)

    def note_online_step(self, user_id: str, step: int) -> None:
        """A step the hub accepted: never accepted again here either, hub or no hub."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE hub_offline_accounts SET last_totp_step = max(last_totp_step, ?) "
                "WHERE user_id = ?",
                (step, user_id),
            )

    def unreported(self) -> list[OfflineUse]:
        rows = self._db.connection().execute(
            "SELECT use_id, user_id, step, at FROM hub_offline_uses WHERE reported_at = '' "
            "ORDER BY use_id"
        )
        return [OfflineUse(int(r[0]), str(r[1]), int(r[2]), datetime.fromisoformat(str(r[3])))
                for r in rows]  # fmt: skip

    def reported(
        self, uses: list[OfflineUse], conflicts: set[tuple[str, int]], now: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE hub_offline_uses SET reported_at = ?, conflict = ? WHERE use_id = ?",
                [(now.isoformat(), int((u.user_id, u.step) in conflicts), u.use_id) for u in uses],
            )
