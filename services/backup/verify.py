"""Verifying a backup: the copy decrypts, its pages are sound, its audit chain is whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from services.audit import verify_rows
from services.backup.file_format import (
    BackupFile,
    Wrapping,
    read_backup,
    scratch,
    unwrap_keys,
    write_private,
)
from services.clock import Clock
from storage.audit_repo import AuditRepository
from storage.compliance_repo import ComplianceRepository
from storage.database import Database
from storage.sqlcipher_ops import check_copy


@dataclass
class VerifyReport:
    name: str
    backup_id: str
    created_at: datetime
    practice_id: str
    workstation_id: str
    entries: int = 0
    last_seq: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @staticmethod
    def of(backup: BackupFile, practice_id: str, workstation_id: str) -> VerifyReport:
        return VerifyReport(
            backup.name, backup.backup_id, backup.created_at, practice_id, workstation_id
        )


def check_copy_into(path: Path, key: bytes, backup: BackupFile, report: VerifyReport) -> None:
    """Add what is wrong with the decrypted-to-disk copy at `path` (still encrypted) to `report`."""
    pages = check_copy(path, key)
    report.problems.extend(pages.problems)
    report.tables.update(pages.tables)
    if not pages.readable:
        return
    copy = Database(path, key)  # not Database.open: a copy is read as it is, never upgraded
    try:
        audit = AuditRepository(copy)
        result = verify_rows(audit.rows(), audit.anchor())
    finally:
        copy.close()
    report.entries, report.last_seq = result.entries, result.last_seq
    if result.broken is not None:
        report.problems.append(f"audit chain broken at {result.broken.describe()}")
    elif result.last_seq != backup.last_seq or result.last_hash != backup.header["last_hash"]:
        report.problems.append("the audit trail in the copy does not end where the header says")


def verify_backup(
    path: Path,
    passphrase: str | None = None,
    *,
    wrapping: Wrapping | None = None,
    record: ComplianceRepository | None = None,
    clock: Clock | None = None,
) -> VerifyReport:
    """Open the copy, run the integrity checks and verify its audit chain.

    Raises BackupDamaged or WrongPassphrase; otherwise returns a report (ok or with problems).
    `record` (the live installation's repository) remembers the result for the checklist.
    """
    backup = read_backup(path)
    backup_key, _ = unwrap_keys(backup, passphrase, wrapping)
    h = backup.header
    report = VerifyReport.of(backup, str(h["practice_id"]), str(h["workstation_id"]))
    with scratch(path.parent) as folder:
        copy = folder / "copy.db"
        write_private(copy, backup.payload)
        check_copy_into(copy, backup_key, backup, report)
    if record is not None and clock is not None:
        record.mark_verified(
            backup.backup_id, path.name, backup.created_at, backup.last_seq, report.ok, clock.now()
        )
    return report
