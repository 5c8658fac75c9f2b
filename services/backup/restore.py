"""Restoring a backup in place of this workstation's database, keeping what was there."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from services.access import Actor
from services.audit import AuditEvent, AuditTrail
from services.backup.errors import DAMAGED, BackupDamaged, BackupError, BackupRefused
from services.backup.file_format import read_backup, unwrap_keys, write_private
from services.backup.verify import VerifyReport, check_copy_into
from services.clock import Clock
from services.installation import load_identity
from storage.database import Database
from storage.errors import KeyMissing
from storage.keystore import KeyStore
from storage.layout import DataLayout
from storage.migrations import LATEST_VERSION
from storage.sqlcipher_ops import audit_head, fold_wal, reencrypt_file_fields, rekey_file


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    last_seq: int
    replaced: Path | None  # where the database that was there before now is (kept, encrypted)


def restore_backup(
    layout: DataLayout,
    keystore: KeyStore,
    path: Path,
    passphrase: str,
    clock: Clock,
    *,
    force: bool = False,
) -> RestoreResult:
    """Put the backup in place of this workstation's database. Enamel must be closed.

    The copy is checked, re-keyed to this installation's database key and prepared in a
    temporary file beside the database; only then is it moved into place (atomically).
    The database that was there is kept beside it, so nothing is lost if anything fails.
    Refuses to replace a database with newer audit entries than the backup unless `force`.
    The caller opens the installation afterwards and records `backup_restored`.
    """
    identity = load_identity(layout)
    backup = read_backup(path)
    h = backup.header
    if (h.get("practice_id"), h.get("workstation_id")) != (
        identity.practice_id,
        identity.workstation_id,
    ):
        raise BackupRefused(
            f"{path.name} belongs to another installation ({h.get('practice_id')}/"
            f"{h.get('workstation_id')}). Nothing was changed."
        )
    if int(h.get("schema_version", 0)) > LATEST_VERSION:
        raise BackupRefused(f"{path.name} was made by a newer Enamel. Install it first.")
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
    report = VerifyReport.of(backup, identity.practice_id, identity.workstation_id)
    prepared = layout.database.with_name(layout.database.name + ".restore")
    prepared.unlink(missing_ok=True)
    try:
        write_private(prepared, backup.payload)
        check_copy_into(prepared, backup_key, backup, report)
        if not report.ok:
            raise BackupDamaged(DAMAGED.format(name=path.name, why="; ".join(report.problems)))
        rekey_file(prepared, backup_key, target_key)
        # Values inside are still under the key the database had then (any schema).
        reencrypt_file_fields(prepared, target_key, database_key_then, target_key)
        Database.open(prepared, target_key).close()
        if not fold_wal(prepared, target_key):  # open wrote a WAL: one whole file, please
            raise BackupError(
                f"{path.name} could not be prepared for restoring. Nothing was changed."
            )
    except BaseException:
        for p in (
            prepared,
            prepared.with_name(prepared.name + "-wal"),
            prepared.with_name(prepared.name + "-shm"),
        ):
            p.unlink(missing_ok=True)
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
    return RestoreResult(backup.backup_id, backup.last_seq, kept)


def record_restore(trail: AuditTrail, actor: Actor, result: RestoreResult, forced: bool) -> None:
    """The restore's own entry, continuing the restored chain."""
    trail.append(
        AuditEvent(
            action="backup_restored",
            actor=actor,
            resource_type="backup",
            resource_id=result.backup_id,
            flags=("forced",) if forced else (),
        )
    )
