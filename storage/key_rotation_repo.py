"""Re-encrypting the field-level secrets for a new database key, idempotently and in one transaction."""

from __future__ import annotations

import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from storage.settings_repo import field_key


def _moved(
    old: AESGCM, new: AESGCM, nonce: bytes, ciphertext: bytes, aad: bytes
) -> tuple[bytes, bytes] | None:
    """The value under `new`; None if it already is (a resumed rotation)."""
    try:
        new.decrypt(nonce, ciphertext, aad)
        return None
    except InvalidTag:
        pass
    plain = old.decrypt(nonce, ciphertext, aad)  # InvalidTag: under neither key, a real error
    fresh = os.urandom(12)
    return fresh, new.encrypt(fresh, plain, aad)


def reencrypt_fields(conn: Any, old_database_key: bytes, new_database_key: bytes) -> int:
    """Move `secrets` and the accounts' TOTP secrets from the old key's field keys to the new.

    Rows already under the new key are left alone, so running it again after a crash is
    safe. Runs inside one transaction on `conn` (a raw connection). Returns rows changed.
    """
    changed = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        old, new = AESGCM(field_key(old_database_key)), AESGCM(field_key(new_database_key))
        for name, nonce, ciphertext in conn.execute(
            "SELECT name, nonce, ciphertext FROM secrets"
        ).fetchall():
            moved = _moved(old, new, bytes(nonce), bytes(ciphertext), str(name).encode())
            if moved is not None:
                conn.execute(
                    "UPDATE secrets SET nonce = ?, ciphertext = ? WHERE name = ?", (*moved, name)
                )
                changed += 1
        has_accounts = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'accounts'"
        ).fetchone()
        if has_accounts:
            # The identity repository keys TOTP secrets with field_key(database_key + b"totp").
            old_t = AESGCM(field_key(old_database_key + b"totp"))
            new_t = AESGCM(field_key(new_database_key + b"totp"))
            for user_id, nonce, ciphertext in conn.execute(
                "SELECT user_id, totp_nonce, totp_secret FROM accounts "
                "WHERE totp_secret IS NOT NULL"
            ).fetchall():
                moved = _moved(old_t, new_t, bytes(nonce), bytes(ciphertext), str(user_id).encode())
                if moved is not None:
                    conn.execute(
                        "UPDATE accounts SET totp_nonce = ?, totp_secret = ? WHERE user_id = ?",
                        (*moved, user_id),
                    )
                    changed += 1
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return changed
