"""Migration 7: the values encrypted inside the database move to one HKDF label per purpose.

Up to schema 6 the secrets and the TOTP secrets were keyed from one label, the TOTP key
from `database_key + b"totp"` (storage.keys.LEGACY_INFO). Values already under the new
keys are left alone, so a database a newer step has touched is not harmed.
"""

from __future__ import annotations

from typing import Any

from storage.key_rotation_repo import move_fields
from storage.keys import FieldKeys


def upgrade(conn: Any, database_key: bytes) -> None:
    move_fields(conn, [FieldKeys.legacy(database_key)], FieldKeys.of(database_key))
