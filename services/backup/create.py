"""Making a backup: an encrypted copy of the database, sealed into a backup file."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from services.access import Actor
from services.audit import AuditEvent, AuditTrail
from services.backup.errors import BackupError, BackupRefused
from services.backup.file_format import (
    Wrapping,
    identity_record,
    membership_record,
    scratch,
    write_backup,
)
from services.clock import Clock
from services.installation import Installation
from storage.compliance_repo import ComplianceRepository
from storage.errors import StorageWriteFailed
from storage.sqlcipher_ops import export_copy


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    backup_id: str
    created_at: datetime
    last_seq: int
    size: int


def create_backup(
    installation: Installation,
    out: Path,
    wrapping: Wrapping,
    clock: Clock,
    trail: AuditTrail,
    actor: Actor,
) -> BackupInfo:
    """Write an encrypted copy of the database to `out` (which must not exist yet)."""
    if out.exists():
        raise BackupRefused(f"{out} already exists; choose a new file name. Nothing was written.")
    if not out.parent.is_dir():
        raise BackupRefused(f"The folder {out.parent} does not exist.")
    backup_id = f"bk_{secrets.token_hex(6)}"
    created = clock.now()
    # Recorded first, so the copy holds the record of its own making (fail closed).
    trail.append(
        AuditEvent(
            action="backup_created", actor=actor, resource_type="backup", resource_id=backup_id
        )
    )
    backup_key = os.urandom(32)
    with scratch(out.parent) as folder:
        copy = folder / "copy.db"
        try:
            exported = export_copy(
                installation.layout.database, installation.database_key, copy, backup_key
            )
        except StorageWriteFailed as exc:
            raise BackupError(f"{out.name}: {exc.message}") from None
        payload = copy.read_bytes()
    header: dict[str, Any] = {
        "backup_id": backup_id,
        "practice_id": installation.practice_id,
        "workstation_id": installation.workstation_id,
        "created_at": created.isoformat(),
        "schema_version": exported.schema_version,
        "last_seq": exported.last_seq,
        "last_hash": exported.last_hash,
        # What a new PC needs to be this workstation again (no secret: ids and a date).
        "identity": identity_record(installation.identity),
        # A joined PC comes back joined (hub.json: address, CA, certificate; the TLS key is
        # in the copy); a hub's key goes back into a service key store.
        **membership_record(installation.layout),
    }
    write_backup(out, header, payload, wrapping, backup_key, installation.database_key)
    ComplianceRepository(installation.db).add_backup(
        backup_id, out.name, created, exported.last_seq
    )
    return BackupInfo(out, backup_id, created, exported.last_seq, out.stat().st_size)
