"""Every key derived from the database key: HKDF-SHA256, one `info` label per purpose.

The database key itself opens SQLCipher. Values that must stay unreadable even in a copy
taken with that key (a `sqlcipher_export`, a support dump) are encrypted again with AES-GCM,
or hashed with HMAC, under a key derived here, so one purpose's key never serves another.
A new purpose gets a new label here, never a variation of an existing key's input; a label
never changes (a new version is a new label and a migration).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRETS_INFO = b"enamel/secrets/v1"  # the `secrets` table: keys, PMS and archive credentials
TOTP_INFO = b"enamel/totp/v1"  # the accounts' TOTP secrets
# HMAC-SHA-256 key for user names that are no account, so the table of their failures never
# holds a name someone typed (often a real person's, or a password).
UNKNOWN_LOGIN_INFO = b"enamel/unknown-logins/v1"
# The practice hub's accounts cached on a joined workstation for offline sign-in: their TOTP
# secrets are encrypted again under this key (storage/hub_cache_repo.py).
HUB_CACHE_INFO = b"enamel/hub-offline-cache/v1"

# Before schema 7 both keys came from one label, the TOTP key from `database_key + b"totp"`.
# Only reading old values uses these (migration 0007, a restored old backup, a rotation
# interrupted before an upgrade); nothing is written under them.
LEGACY_INFO = b"enamel secrets v1"


def derive(database_key: bytes, info: bytes) -> bytes:
    """A 32-byte key for the purpose `info` names."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(database_key)


def secrets_key(database_key: bytes) -> bytes:
    return derive(database_key, SECRETS_INFO)


def totp_key(database_key: bytes) -> bytes:
    return derive(database_key, TOTP_INFO)


def unknown_login_key(database_key: bytes) -> bytes:
    return derive(database_key, UNKNOWN_LOGIN_INFO)


def hub_cache_key(database_key: bytes) -> bytes:
    return derive(database_key, HUB_CACHE_INFO)


@dataclass(frozen=True)
class FieldKeys:
    """The AES-GCM keys for the values encrypted inside the database."""

    secrets: bytes
    totp: bytes
    hub_cache: bytes

    @staticmethod
    def of(database_key: bytes) -> FieldKeys:
        return FieldKeys(
            secrets_key(database_key), totp_key(database_key), hub_cache_key(database_key)
        )

    @staticmethod
    def legacy(database_key: bytes) -> FieldKeys:
        """The keys values were written under before schema 7 (read only).

        The offline cache came later (schema 16) and only ever had its own label.
        """
        return FieldKeys(
            derive(database_key, LEGACY_INFO),
            derive(database_key + b"totp", LEGACY_INFO),
            hub_cache_key(database_key),
        )
