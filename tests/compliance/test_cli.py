"""enamel-admin backup / rotate / compliance, end to end with real files and the test keyring."""

from __future__ import annotations

from pathlib import Path

from tests.support import admin, admin_recovery, passphrase_from


def setup(data_dir: Path, tmp_path: Path) -> tuple[str, str]:
    result = admin("--data-dir", str(data_dir), "init", "--practice-id", "smile-dental-01")
    assert result.code == 0, result.err
    root = str(data_dir)
    archive = tmp_path / "archive"
    archive.mkdir()
    passphrase = passphrase_from(result.out)
    set_ = admin_recovery(
        "--data-dir", root, "archive", "set", "folder", str(archive), passphrase=passphrase
    )
    assert set_.code == 0, set_.err
    return root, passphrase


def test_backup_create_verify_delete_restore(data_dir: Path, tmp_path: Path) -> None:
    root, passphrase = setup(data_dir, tmp_path)
    out = tmp_path / "nightly.enamel-backup"
    made = admin(
        "--data-dir", root, "backup", "create", str(out), "--passphrase-stdin", stdin=passphrase
    )
    assert made.code == 0, made.err
    assert "verified: OK" in made.out and passphrase not in made.out
    check = admin(
        "--data-dir", root, "backup", "verify", str(out), "--passphrase-stdin", stdin=passphrase
    )
    assert check.code == 0 and "Backup OK" in check.out
    wrong = admin(
        "--data-dir",
        root,
        "backup",
        "verify",
        str(out),
        "--passphrase-stdin",
        stdin="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF",
    )
    assert wrong.code != 0 and "does not open" in wrong.err

    before = admin("--data-dir", root, "audit", "verify")
    for f in data_dir.glob("enamel.db*"):
        f.unlink()
    restored = admin(
        "--data-dir", root, "backup", "restore", str(out), "--passphrase-stdin", stdin=passphrase
    )
    assert restored.code == 0, restored.err
    after = admin("--data-dir", root, "audit", "verify")
    assert after.code == 0 and "Audit trail OK" in after.out
    assert before.out != after.out  # the restore added its own entry

    again = admin(
        "--data-dir", root, "backup", "restore", str(out), "--passphrase-stdin", stdin=passphrase
    )
    assert again.code == 1 and "newer than the backup" in again.err

    damaged = tmp_path / "damaged.enamel-backup"
    data = bytearray(out.read_bytes())
    data[-500] ^= 0x55
    damaged.write_bytes(bytes(data))
    bad = admin(
        "--data-dir", root, "backup", "verify", str(damaged), "--passphrase-stdin", stdin=passphrase
    )
    assert bad.code == 1 and "damaged" in bad.err and "checksum" in bad.err


def test_key_rotations_then_audit_and_archive_verify(data_dir: Path, tmp_path: Path) -> None:
    root, passphrase = setup(data_dir, tmp_path)
    assert admin("--data-dir", root, "archive", "sync").code == 0
    rotated = admin(
        "--data-dir", root, "rotate", "archive-key", "--passphrase-stdin", stdin=passphrase
    )
    assert rotated.code == 0, rotated.err
    assert admin("--data-dir", root, "archive", "sync").code == 0
    db = admin("--data-dir", root, "rotate", "db-key", "--passphrase-stdin", stdin=passphrase)
    assert db.code == 0, db.err
    assert admin("--data-dir", root, "archive", "sync").code == 0
    audit = admin("--data-dir", root, "audit", "verify")
    assert audit.code == 0 and "Audit trail OK" in audit.out
    archive = admin("--data-dir", root, "archive", "verify")
    assert archive.code == 0, archive.out + archive.err
    status = admin("--data-dir", root, "rotate", "status")
    assert "Archive encryption key" in status.out and "Database key" in status.out
    resume = admin(
        "--data-dir", root, "rotate", "db-key", "--resume", "--passphrase-stdin", stdin=passphrase
    )
    assert resume.code == 0 and "No rotation" in resume.out


def test_checklist_and_scan(data_dir: Path, tmp_path: Path) -> None:
    root, _ = setup(data_dir, tmp_path)
    checklist = admin("--data-dir", root, "compliance", "checklist")
    assert checklist.code == 1  # a fresh installation misses several items
    assert "Encryption implemented" in checklist.out and "Not met" in checklist.out
    scan = admin("--data-dir", root, "compliance", "scan")
    assert scan.code == 0 and "new alerts" in scan.out
