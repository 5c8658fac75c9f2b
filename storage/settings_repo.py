"""Settings (plain configuration) and secrets (keys, credentials) kept in the encrypted database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.database import Database
from storage.keys import secrets_key


class SettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, name: str, default: str | None = None) -> str | None:
        row = (
            self._db.connection()
            .execute("SELECT value FROM settings WHERE name = ?", (name,))
            .fetchone()
        )
        return default if row is None else str(row[0])

    def set(self, name: str, value: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings(name, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (name, value, now.isoformat()),
            )

    def all(self) -> dict[str, str]:
        rows = self._db.connection().execute("SELECT name, value FROM settings ORDER BY name")
        return {str(n): str(v) for n, v in rows}


@dataclass(frozen=True)
class SecretInfo:
    name: str
    created_at: datetime


class SecretsRepository:
    """Secrets are AES-GCM encrypted under a key derived from the database key (storage.keys).

    A database dump taken with the key (sqlcipher_export, a support copy) still does
    not show PMS keys or archive credentials.
    """

    def __init__(self, db: Database, database_key: bytes) -> None:
        self._db = db
        self._aead = AESGCM(secrets_key(database_key))

    def put(self, name: str, value: bytes, now: datetime) -> None:
        nonce = os.urandom(12)
        ciphertext = self._aead.encrypt(nonce, value, name.encode())
        with self._db.transaction() as conn:
            previous = conn.execute(
                "SELECT created_at FROM secrets WHERE name = ?", (name,)
            ).fetchone()
            conn.execute(
                "INSERT INTO secrets(name, nonce, ciphertext, created_at, rotated_from_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
                "nonce = excluded.nonce, ciphertext = excluded.ciphertext, "
                "created_at = excluded.created_at, rotated_from_at = excluded.rotated_from_at",
                (name, nonce, ciphertext, now.isoformat(), previous[0] if previous else None),
            )

    def get(self, name: str) -> bytes | None:
        row = (
            self._db.connection()
            .execute("SELECT nonce, ciphertext FROM secrets WHERE name = ?", (name,))
            .fetchone()
        )
        if row is None:
            return None
        return self._aead.decrypt(bytes(row[0]), bytes(row[1]), name.encode())

    def delete(self, name: str) -> bool:
        """Remove a secret (credentials this installation no longer holds); False if none."""
        with self._db.transaction() as conn:
            return bool(conn.execute("DELETE FROM secrets WHERE name = ?", (name,)).rowcount)

    def require(self, name: str) -> bytes:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def info(self) -> list[SecretInfo]:
        rows = self._db.connection().execute("SELECT name, created_at FROM secrets ORDER BY name")
        return [SecretInfo(str(n), datetime.fromisoformat(str(c))) for n, c in rows]
