"""Credential rotation: 90-day reminders, the database key (PRAGMA rekey) and the archive key."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime

import sqlcipher3

from services.access import Actor, Permission, require
from services.archive.batch import key_id
from services.audit import AuditEvent, AuditTrail
from services.clock import Clock
from services.installation import (
    ARCHIVE_KEY,
    PSEUDONYM_KEY,
    SIGNING_KEY,
    Installation,
    rewrap_recovery,
)
from storage import recovery
from storage.database import Database, raw_connect
from storage.errors import EnamelError, KeyMissing, WrongKey
from storage.key_rotation_repo import reencrypt_fields
from storage.keystore import KeyStore
from storage.layout import DataLayout, WorkstationIdentity
from storage.settings_repo import SecretsRepository, SettingsRepository

CREDENTIAL_MAX_DAYS = 90
DB_KEY_ROTATED_SETTING = "compliance.db_key_rotated_at"
MARKER_NAME = "key-rotation.json"
NEXT_RECOVERY_SUFFIX = ".next"
PENDING = "/pending"

# Keys that are not rotated on a schedule: a new pseudonym key would cut every patient's
# trail in two; the signing key's public half is published write-once to the archive.
_NOT_ROTATED = {PSEUDONYM_KEY, SIGNING_KEY, "backup.kek"}
_LABELS = {
    "pms.developer_key": "PMS developer key",
    "pms.customer_key": "PMS customer key",
    "archive.s3.access_key_id": "Archive access key id",
    "archive.s3.secret_access_key": "Archive secret access key",
    ARCHIVE_KEY: "Archive encryption key",
    "database": "Database key",
}


class RotationFailed(EnamelError):
    exit_code = 1


@dataclass(frozen=True)
class RotationReminder:
    name: str
    label: str
    created_at: datetime
    age_days: int
    due: bool


def credential_reminders(
    secrets: SecretsRepository,
    settings: SettingsRepository,
    now: datetime,
    *,
    max_age_days: int = CREDENTIAL_MAX_DAYS,
    database_key_since: datetime | None = None,
) -> list[RotationReminder]:
    """Each rotatable credential with its age; `due` once it is older than 90 days."""
    found: list[tuple[str, datetime]] = []
    for info in secrets.info():
        if info.name in _NOT_ROTATED or info.name.startswith(ARCHIVE_KEY + "."):
            continue  # retired archive keys are kept to read old batches, not used
        found.append((info.name, info.created_at))
    rotated = settings.get(DB_KEY_ROTATED_SETTING)
    since = datetime.fromisoformat(rotated) if rotated else database_key_since
    if since is not None:
        found.append(("database", since))
    reminders = []
    for name, created in found:
        age = (now - created).days
        reminders.append(
            RotationReminder(name, _LABELS.get(name, name), created, age, age >= max_age_days)
        )
    return sorted(reminders, key=lambda r: (-r.age_days, r.name))


# -- the database key -----------------------------------------------------------------------


def _marker(layout: DataLayout) -> os.PathLike[str]:
    return layout.root / MARKER_NAME


def _next_recovery(layout: DataLayout) -> os.PathLike[str]:
    return layout.recovery_file.with_name(layout.recovery_file.name + NEXT_RECOVERY_SUFFIX)


def _opens(path: os.PathLike[str], key: bytes) -> bool:
    conn = raw_connect(path, key)  # type: ignore[arg-type]
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def _write_private(path: os.PathLike[str], data: bytes) -> None:
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
    if not os.path.exists(marker):
        return False
    identity = WorkstationIdentity.load(layout.identity_file)
    old_key = keystore.get(identity.keystore_name)
    try:
        new_key = keystore.get(identity.keystore_name + PENDING)
    except KeyMissing:
        new_key = None
    if new_key is None:  # interrupted before anything changed
        for path in (_next_recovery(layout), marker):
            if os.path.exists(path):
                os.unlink(path)
        return False
    if _opens(layout.database, new_key):
        current = new_key
    elif _opens(layout.database, old_key):
        current = old_key
    else:
        raise RotationFailed(
            "Neither the old nor the new database key opens the database. Run 'enamel-admin "
            "recover' with the recovery passphrase, or restore the latest backup."
        )
    conn = raw_connect(layout.database, current)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        reencrypt_fields(conn, old_key, new_key)
    finally:
        conn.close()
    own = db is None
    database = db if db is not None else Database(layout.database, current)
    try:
        if current != new_key:
            database.rekey(new_key)
        # Proof before anything that points at the new key is replaced.
        if not _opens(layout.database, new_key):
            raise RotationFailed("The re-encrypted database does not open; nothing was switched.")
        SecretsRepository(database, new_key).require(PSEUDONYM_KEY)
    finally:
        if own:
            database.close()
    identity.with_key(new_key).save(layout.identity_file)
    keystore.put(identity.keystore_name, new_key)
    next_file = _next_recovery(layout)
    if os.path.exists(next_file):
        os.replace(next_file, layout.recovery_file)
    keystore.delete(identity.keystore_name + PENDING)
    os.unlink(marker)
    return True


# -- the archive key ------------------------------------------------------------------------


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
