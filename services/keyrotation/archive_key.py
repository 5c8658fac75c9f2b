"""Rotating the archive key: old batches stay readable under the retired key."""

from __future__ import annotations

import os

from services.access import Actor, Permission, require
from services.archive.batch import key_id
from services.audit import AuditEvent, AuditTrail
from services.clock import Clock
from services.installation import ARCHIVE_KEY, Installation, rewrap_recovery
from storage import recovery
from storage.errors import WrongKey


def rotate_archive_key(
    installation: Installation,
    passphrase: str,
    clock: Clock,
    actor: Actor,
    trail: AuditTrail,
) -> str:
    """A new archive key; the old one is kept as `key.archive.<key id>` so old batches stay readable.

    Returns the new key id. Rebuild the archive sync afterwards (it holds the key it was
    built with). The recovery file is rewrapped with the new key.
    """
    require(actor, Permission.MANAGE_SETTINGS)
    layout = installation.layout
    keys = recovery.unwrap(layout.recovery_file.read_bytes(), passphrase)
    if keys.database_key != installation.database_key:
        raise WrongKey("The recovery file does not belong to this database. Nothing was changed.")
    now = clock.now()
    secrets = installation.secrets
    old = secrets.require(ARCHIVE_KEY)
    # Retired first: a crash before the new key is stored leaves the old key current and kept.
    secrets.put(f"{ARCHIVE_KEY}.{key_id(old)}", old, now)
    new = os.urandom(32)
    secrets.put(ARCHIVE_KEY, new, now)
    rewrap_recovery(installation, passphrase)
    new_id = key_id(new)
    trail.append(
        AuditEvent(
            action="key_rotated",
            actor=actor,
            resource_type="key",
            resource_id=new_id,
            flags=("archive_key",),
        )
    )
    return new_id
