"""Moving the field-level secrets to other field keys: a key rotation, a restore, migration 0007.

The offline sign-in cache of a joined workstation moves with them, so the people who signed
in here can still sign in with the hub away right after IT rotated the database key.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.errors import FieldUnreadable
from storage.keys import FieldKeys

# (table, key column, nonce column, ciphertext column, which field key, required); the key
# column's value is the AES-GCM associated data, so a value cannot be moved to another row.
# A required value under none of the expected keys stops the move (FieldUnreadable). The
# offline cache is not required: a row written under a key older than the one rotated from
# (a rotation before the cache moved with it) is already unusable, is left as it is, and is
# replaced at that person's next online sign-in here; it must not block a rotation.
_FIELDS = (
    ("secrets", "name", "nonce", "ciphertext", "secrets", True),
    ("accounts", "user_id", "totp_nonce", "totp_secret", "totp", True),
    ("hub_offline_accounts", "user_id", "totp_nonce", "totp_secret", "hub_cache", False),
)


def _has_table(conn: Any, table: str) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
    )


def move_fields(conn: Any, sources: Sequence[FieldKeys], target: FieldKeys) -> int:
    """Re-encrypt every field value that is not under `target` yet; returns the rows changed.

    Each value must open under `target` (left alone, so a resumed run is safe) or under one
    of `sources`; otherwise FieldUnreadable. Runs in the caller's transaction on `conn`.
    """
    changed = 0
    for table, key_col, nonce_col, data_col, purpose, required in _FIELDS:
        if not _has_table(conn, table):
            continue  # an old schema (a restored backup before accounts existed)
        new = AESGCM(getattr(target, purpose))
        olds = [AESGCM(getattr(s, purpose)) for s in sources]
        rows = conn.execute(
            f"SELECT {key_col}, {nonce_col}, {data_col} FROM {table} WHERE {data_col} IS NOT NULL"
        ).fetchall()
        for key, nonce, ciphertext in rows:
            try:
                moved = _moved(olds, new, bytes(nonce), bytes(ciphertext), str(key).encode())
            except InvalidTag:
                if not required:
                    continue
                raise FieldUnreadable(
                    f"A value in {table} ({key}) opens under none of the expected keys. "
                    "Restore the latest backup; nothing was changed."
                ) from None
            if moved is None:
                continue
            conn.execute(
                f"UPDATE {table} SET {nonce_col} = ?, {data_col} = ? WHERE {key_col} = ?",
                (*moved, key),
            )
            changed += 1
    return changed


def _moved(
    olds: list[AESGCM], new: AESGCM, nonce: bytes, ciphertext: bytes, aad: bytes
) -> tuple[bytes, bytes] | None:
    """(nonce, ciphertext) under `new`; None if it already is; InvalidTag if under no key."""
    for aead in (new, *olds):
        try:
            plain = aead.decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            continue
        if aead is new:
            return None
        fresh = os.urandom(12)
        return fresh, new.encrypt(fresh, plain, aad)
    raise InvalidTag


def reencrypt_fields(conn: Any, old_database_key: bytes, new_database_key: bytes) -> int:
    """Move the secrets, the TOTP secrets and the offline cache to the new key's field keys.

    Values written before schema 7 (under the legacy derivation of either key) are moved
    too, so a rotation interrupted before an upgrade, or a restored old backup, still
    completes. Idempotent; one transaction on `conn` (a raw connection). Returns rows changed.
    """
    sources = (
        FieldKeys.of(old_database_key),
        FieldKeys.legacy(old_database_key),
        FieldKeys.legacy(new_database_key),
    )
    conn.execute("BEGIN IMMEDIATE")
    try:
        changed = move_fields(conn, sources, FieldKeys.of(new_database_key))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return changed
