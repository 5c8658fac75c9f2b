"""Rotating the database key (PRAGMA rekey) so that a crash at any step can be finished."""

from __future__ import annotations

import json
import os
from pathlib import Path

from errors import EnamelError
from services.access import Actor, Permission, require
from services.audit import AuditEvent, AuditTrail
from services.clock import Clock
from services.installation import ARCHIVE_KEY, PSEUDONYM_KEY, Installation
from services.keyrotation.reminders import DB_KEY_ROTATED_SETTING
from storage import recovery
from storage.database import Database
from storage.errors import KeyMissing, WrongKey
from storage.keystore import KeyStore
from storage.layout import DataLayout, WorkstationIdentity
from storage.settings_repo import SecretsRepository
from storage.sqlcipher_ops import opens, reencrypt_file_fields, use_wal

MARKER_NAME = "key-rotation.json"
NEXT_RECOVERY_SUFFIX = ".next"
PENDING = "/pending"


class RotationFailed(EnamelError):
    exit_code = 1


def _marker(layout: DataLayout) -> Path:
    return layout.root / MARKER_NAME


def _next_recovery(layout: DataLayout) -> Path:
    return layout.recovery_file.with_name(layout.recovery_file.name + NEXT_RECOVERY_SUFFIX)


def _write_private(path: Path, data: bytes) -> None:
    tmp = f"{os.fspath(path)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def rotate_database_key(
    installation: Installation,
    keystore: KeyStore,
    passphrase: str,
    clock: Clock,
    actor: Actor,
    trail: AuditTrail | None = None,
) -> None:
    """Re-encrypt the database under a new key without losing data or openability.

    The steps, and why a crash at any point is safe:
    1. the passphrase must open the recovery file (nothing changed yet);
    2. the new key goes into the credential store under a *pending* name, the new recovery
       file is written beside the old one, and a marker file says a rotation is under way;
    3. `complete_rotation` moves the field-level secrets, runs PRAGMA rekey, proves the new
       key opens everything, and only then replaces the key, the key check and the recovery
       file, and removes the old key and the marker.
    Until step 3 ends the old key stays in the credential store, so `complete_rotation`
    (which the app calls before opening, and `enamel-admin rotate db-key --resume`) can
    always finish the job, whichever of the two keys the file is under.
    Close Enamel on this workstation first: another process would hold the old key.
    """
    require(actor, Permission.MANAGE_SETTINGS)
    layout = installation.layout
    keys = recovery.unwrap(layout.recovery_file.read_bytes(), passphrase)
    if keys.database_key != installation.database_key:
        raise WrongKey("The recovery file does not belong to this database. Nothing was changed.")
    identity = installation.identity
    new_key = os.urandom(32)
    keystore.put(identity.keystore_name + PENDING, new_key)
    archive_key = installation.secrets.require(ARCHIVE_KEY)
    _write_private(
        _next_recovery(layout),
        recovery.wrap(
            recovery.EscrowedKeys(new_key, archive_key, identity.practice_id), passphrase
        ),
    )
    _write_private(
        _marker(layout),
        json.dumps(
            {"format": "enamel-key-rotation-v1", "started_at": clock.now().isoformat()}
        ).encode(),
    )
    complete_rotation(layout, keystore, installation.db)
    installation.database_key = new_key
    installation.identity = WorkstationIdentity.load(layout.identity_file)
    installation.secrets = SecretsRepository(installation.db, new_key)
    installation.settings.set(DB_KEY_ROTATED_SETTING, clock.now().isoformat(), clock.now())
    if trail is not None:
        trail.append(
            AuditEvent(
                action="key_rotated", actor=actor, resource_type="key", flags=("database_key",)
            )
        )


def complete_rotation(layout: DataLayout, keystore: KeyStore, db: Database | None = None) -> bool:
    """Finish a database-key rotation that was started (and maybe interrupted). True if it did."""
    marker = _marker(layout)
    if not marker.exists():
        return False
    identity = WorkstationIdentity.load(layout.identity_file)
    old_key = keystore.get(identity.keystore_name)
    try:
        new_key = keystore.get(identity.keystore_name + PENDING)
    except KeyMissing:
        new_key = None
    if new_key is None:  # interrupted before anything changed
        for path in (_next_recovery(layout), marker):
            path.unlink(missing_ok=True)
        return False
    if opens(layout.database, new_key):
        current = new_key
    elif opens(layout.database, old_key):
        current = old_key
    else:
        raise RotationFailed(
            "Neither the old nor the new database key opens the database. Run 'enamel-admin "
            "recover' with the recovery passphrase, or restore the latest backup."
        )
    use_wal(layout.database, current)
    reencrypt_file_fields(layout.database, current, old_key, new_key)
    own = db is None
    database = db if db is not None else Database(layout.database, current)
    try:
        if current != new_key:
            database.rekey(new_key)
        # Proof before anything that points at the new key is replaced.
        if not opens(layout.database, new_key):
            raise RotationFailed("The re-encrypted database does not open; nothing was switched.")
        SecretsRepository(database, new_key).require(PSEUDONYM_KEY)
    finally:
        if own:
            database.close()
    identity.with_key(new_key).save(layout.identity_file)
    keystore.put(identity.keystore_name, new_key)
    next_file = _next_recovery(layout)
    if next_file.exists():
        next_file.replace(layout.recovery_file)
    keystore.delete(identity.keystore_name + PENDING)
    marker.unlink()
    return True
