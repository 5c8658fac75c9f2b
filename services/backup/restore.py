"""Restoring a backup: in place of this workstation's database, or on a new PC's empty folder.

Either way the copy is checked, re-keyed and prepared in a temporary file beside the database,
and the entries made after the backup are taken back from the archive into it (verified,
`services.archive.take_back`); only then is it moved into place (atomically). Nothing is
changed if any step fails. On a new PC the restore also makes what the lost disk held: a new
database key in this computer's credential store, `workstation.json` (the same workstation
id, so the same chain; the signing key is the one inside the copy, so the key published in
the archive stays valid) and `recovery.json` under the same recovery passphrase.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from errors import EnamelError
from services.access import Actor
from services.archive.setup import archive_keys, build_backend
from services.archive.take_back import TakeBackRefused, TakenBack, take_back
from services.audit import AuditEvent, AuditTrail
from services.backup.errors import DAMAGED, BackupDamaged, BackupError, BackupRefused
from services.backup.file_format import (
    HUB_MEMBERSHIP,
    BackupFile,
    read_backup,
    unwrap_keys,
    write_private,
)
from services.backup.verify import VerifyReport, check_copy_into
from services.clock import Clock
from services.hub.membership import HubMembership, hub_file, membership_of
from services.installation import ARCHIVE_KEY, SIGNING_KEY, Installation, load_identity
from storage import recovery
from storage.database import Database
from storage.errors import KeyMissing
from storage.keystore import KeyStore
from storage.layout import DataLayout, WorkstationIdentity, key_check
from storage.migrations import LATEST_VERSION
from storage.settings_repo import SecretsRepository, SettingsRepository
from storage.sqlcipher_ops import audit_head, fold_wal, reencrypt_file_fields, rekey_file

NOTHING_TAKEN_BACK = TakenBack(0, 0, 0)

# Enrols the prepared copy with the practice hub again (enamel-admin backup restore --join).
Rejoin = Callable[[Installation], object]


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    last_seq: int
    replaced: Path | None  # where the database that was there before now is (kept, encrypted)
    taken_back: TakenBack = NOTHING_TAKEN_BACK
    new_pc: bool = False  # restored on an empty folder: new credential-store entry and files


def is_empty_folder(layout: DataLayout) -> bool:
    """No installation here at all (a new PC, or the old PC's disk replaced)."""
    return not any(
        p.exists() for p in (layout.identity_file, layout.database, layout.recovery_file)
    )


def restore_backup(
    layout: DataLayout,
    keystore: KeyStore,
    path: Path,
    passphrase: str,
    clock: Clock,
    *,
    force: bool = False,
    rejoin: Rejoin | None = None,
) -> RestoreResult:
    """Put the backup in place of this workstation's database. Enamel must be closed.

    On an empty folder this is a new PC: see `restore_on_new_pc`. Otherwise the database
    that was there is kept beside it, and a database with newer audit entries than the backup
    is refused unless `force`. The caller opens the installation afterwards and records
    `backup_restored` (nothing may be written to the trail before the take-back). `rejoin`
    enrols the restored copy with the practice hub again (a new certificate, same workstation)
    before the entries sent after the backup are taken back from it.
    """
    if is_empty_folder(layout):
        return restore_on_new_pc(layout, keystore, path, passphrase, clock, rejoin=rejoin)
    identity = load_identity(layout)
    backup = read_backup(path)
    h = backup.header
    if (h.get("practice_id"), h.get("workstation_id")) != (
        identity.practice_id,
        identity.workstation_id,
    ):
        raise BackupRefused(
            f"{path.name} belongs to another installation ({h.get('practice_id')}/"
            f"{h.get('workstation_id')}). Nothing was changed. To make a new PC that "
            "workstation again, restore into an empty data folder (before any first-run set-up)."
        )
    _refuse_newer_schema(backup)
    backup_key, database_key_then = unwrap_keys(backup, passphrase)
    try:
        target_key = keystore.get(identity.keystore_name)
    except KeyMissing:
        raise BackupRefused(
            "This computer's credential store has no database key. Run 'enamel-admin recover' "
            "with the recovery passphrase first, then restore."
        ) from None
    head = audit_head(layout.database, target_key)
    if head is not None and head > backup.last_seq and not force:
        raise BackupRefused(
            f"The database here is newer than the backup (audit entries up to {head}; the "
            f"backup ends at {backup.last_seq}). Nothing was changed. Use --force to replace it."
        )
    member = hub_file(layout)
    membership_before = member.read_bytes() if member.exists() else None
    try:
        prepared, taken, _ = _prepare(
            layout, identity, backup, backup_key, database_key_then, target_key, clock, rejoin
        )
    except BaseException:
        if rejoin is not None:  # the new certificate's key was in the copy: as it was, please
            if membership_before is None:
                member.unlink(missing_ok=True)
            else:
                member.write_bytes(membership_before)
        raise
    kept: Path | None = None
    if layout.database.exists():
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        kept = layout.database.with_name(f"{layout.database.name}.before-restore-{stamp}")
        if head is not None:  # fold its WAL in, so the kept file is whole
            fold_wal(layout.database, target_key)
        shutil.copy2(layout.database, kept)
    for side in layout.database_files()[1:]:
        if side.exists():
            side.replace(side.with_name(side.name + ".before-restore"))
    os.replace(prepared, layout.database)
    identity.with_salt(layout.database.read_bytes()[:16]).save(layout.identity_file)
    return RestoreResult(backup.backup_id, backup.last_seq, kept, taken)


def restore_on_new_pc(
    layout: DataLayout,
    keystore: KeyStore,
    path: Path,
    passphrase: str,
    clock: Clock,
    *,
    rejoin: Rejoin | None = None,
) -> RestoreResult:
    """Make this empty folder the backed-up workstation, with only the recovery passphrase.

    The passphrase must open the backup (that is the proof). A new database key goes into
    this computer's credential store; `workstation.json` keeps the workstation id, with a new
    install id (a new credential-store entry); `recovery.json` wraps the new key and the
    archive key under the same passphrase. A joined PC's `hub.json` comes back from the
    header before the take-back, so the entries it sent after the backup come back from the
    hub. If anything fails, nothing is left behind.
    """
    layout.ensure_writable()
    backup = read_backup(path)
    _refuse_newer_schema(backup)
    backup_key, database_key_then = unwrap_keys(backup, passphrase)
    identity = _identity_from(backup, new_key := os.urandom(32))
    keystore.put(identity.keystore_name, new_key)
    try:
        _restore_membership(layout, backup)
        prepared, taken, archive_key = _prepare(
            layout, identity, backup, backup_key, database_key_then, new_key, clock, rejoin
        )
        os.replace(prepared, layout.database)
        identity.with_salt(layout.database.read_bytes()[:16]).save(layout.identity_file)
        blob = recovery.wrap(
            recovery.EscrowedKeys(new_key, archive_key, identity.practice_id), passphrase
        )
        recovery.write_file(layout.recovery_file, blob)
    except BaseException:
        keystore.delete(identity.keystore_name)
        for p in [
            *layout.database_files(),
            layout.identity_file,
            layout.recovery_file,
            hub_file(layout),
        ]:
            p.unlink(missing_ok=True)
        raise
    return RestoreResult(backup.backup_id, backup.last_seq, None, taken, new_pc=True)


def _restore_membership(layout: DataLayout, backup: BackupFile) -> None:
    """hub.json as the backed-up PC had it (its TLS key is inside the copy)."""
    record = backup.header.get(HUB_MEMBERSHIP)
    if not isinstance(record, dict):
        return
    try:
        membership = HubMembership(**record)
    except TypeError:
        raise BackupDamaged(
            DAMAGED.format(name=backup.name, why="its practice hub membership does not read")
        ) from None
    if (membership.practice_id, membership.workstation_id) != (
        backup.header.get("practice_id"),
        backup.header.get("workstation_id"),
    ):
        raise BackupDamaged(
            DAMAGED.format(name=backup.name, why="its practice hub membership is another PC's")
        )
    membership.save(layout)


def _refuse_newer_schema(backup: BackupFile) -> None:
    if int(backup.header.get("schema_version", 0)) > LATEST_VERSION:
        raise BackupRefused(f"{backup.name} was made by a newer Enamel. Install it first.")


def _identity_from(backup: BackupFile, key: bytes) -> WorkstationIdentity:
    h = backup.header
    found = h.get("identity")
    record: dict[str, object] = found if isinstance(found, dict) else {}
    try:
        practice, workstation = str(h["practice_id"]), str(h["workstation_id"])
    except KeyError:
        raise BackupDamaged(
            DAMAGED.format(name=backup.name, why="its header names no workstation")
        ) from None
    return WorkstationIdentity(
        practice_id=practice,
        workstation_id=workstation,
        install_id=uuid.uuid4().hex,
        key_check=key_check(key),
        db_salt="",
        created_at=str(record.get("created_at") or h.get("created_at", "")),
    )


def _prepare(
    layout: DataLayout,
    identity: WorkstationIdentity,
    backup: BackupFile,
    backup_key: bytes,
    database_key_then: bytes,
    target_key: bytes,
    clock: Clock,
    rejoin: Rejoin | None = None,
) -> tuple[Path, TakenBack, bytes]:
    """The checked copy under `target_key`, with the archive's newer entries taken back.

    Returns (the prepared file beside the database, what was taken back, the archive key).
    """
    report = VerifyReport.of(backup, identity.practice_id, identity.workstation_id)
    prepared = layout.database.with_name(layout.database.name + ".restore")
    prepared.unlink(missing_ok=True)
    try:
        write_private(prepared, backup.payload)
        check_copy_into(prepared, backup_key, backup, report)
        if not report.ok:
            raise BackupDamaged(DAMAGED.format(name=backup.name, why="; ".join(report.problems)))
        rekey_file(prepared, backup_key, target_key)
        # Values inside are still under the key the database had then (any schema).
        reencrypt_file_fields(prepared, target_key, database_key_then, target_key)
        db = Database.open(prepared, target_key)
        try:
            inst = Installation(
                layout,
                identity,
                target_key,
                db,
                SettingsRepository(db),
                SecretsRepository(db, target_key),
            )
            if rejoin is not None:
                rejoin(inst)  # a new certificate first: the old one may be revoked
            taken = _take_back(inst, clock)
            archive_key = inst.secrets.require(ARCHIVE_KEY)
        finally:
            db.close()
        if not fold_wal(prepared, target_key):  # open wrote a WAL: one whole file, please
            raise BackupError(
                f"{backup.name} could not be prepared for restoring. Nothing was changed."
            )
    except BaseException:
        for p in (
            prepared,
            prepared.with_name(prepared.name + "-wal"),
            prepared.with_name(prepared.name + "-shm"),
        ):
            p.unlink(missing_ok=True)
        raise
    return prepared, taken, archive_key


def _take_back(inst: Installation, clock: Clock) -> TakenBack:
    """The entries the archive holds after the backup's cursor, into the prepared copy."""
    signing = Ed25519PrivateKey.from_private_bytes(inst.secrets.require(SIGNING_KEY))
    public = signing.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    joined = membership_of(inst) is not None
    try:
        backend = build_backend(inst)
        return take_back(
            backend,
            inst.db,
            inst.practice_id,
            inst.workstation_id,
            archive_keys(inst),
            public,
            clock.now(),
        )
    except EnamelError as exc:
        if isinstance(exc, BackupError | TakeBackRefused):
            raise
        if joined:
            raise BackupRefused(
                "The entries made after this backup could not be taken back from the practice "
                f"hub: {exc.message} The restored workstation must continue from the hub's last "
                "entry, so nothing was changed; restore again once the hub answers, or with "
                "--join CODE (an invite made under this PC's name at the hub) to enrol it again."
            ) from None
        raise BackupRefused(
            "The entries made after this backup could not be taken back from the archive: "
            f"{exc.message} The restored workstation must continue from the archive's last "
            "entry, so nothing was changed; restore again once the archive can be reached."
        ) from None


def record_restore(trail: AuditTrail, actor: Actor, result: RestoreResult, forced: bool) -> None:
    """The restore's own entry, continuing the restored chain (after any entries taken back)."""
    flags: tuple[str, ...] = ("forced",) if forced else ()
    if result.new_pc:
        flags += ("new_pc",)
    if result.taken_back.entries:
        flags += ("taken_back_from_archive",)
    trail.append(
        AuditEvent(
            action="backup_restored",
            actor=actor,
            resource_type="backup",
            resource_id=result.backup_id,
            flags=flags,
        )
    )
