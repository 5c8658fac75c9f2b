"""`enamel-admin audit verify --archive` catches local deletions the local chain cannot see.

Someone with the database key drops the append-only triggers and deletes entries so that
what is left still chains: the tail cut off, or the oldest entries removed with a forged
prune anchor. The archived copy shows what is gone.
"""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import Services
from storage.archive_repo import ArchiveRepository
from storage.database import raw_connect
from tests.archive.conftest import add_entries
from tests.support import admin, admin_recovery, known_passphrase


def archived_then_grown(services: Services, tmp_path: Path) -> str:
    """Entries 1-61 archived to a folder (60 added, one for `archive set`). Returns the data dir."""
    add_entries(services, 60)
    root = str(services.installation.layout.root)
    passphrase = known_passphrase(services)
    services.close()
    nas = str(tmp_path / "nas")
    set_ = admin_recovery(
        "--data-dir", root, "archive", "set", "folder", nas, passphrase=passphrase
    )
    assert set_.code == 0, set_.err
    assert admin("--data-dir", root, "archive", "sync").code == 0
    confirmed = ArchiveRepository(services.installation.db).cursor()[0]
    assert confirmed == 61
    return root


def tamper(services: Services, *statements: str) -> None:
    """Raw SQL through the key, triggers dropped first: what an insider with the key can do."""
    inst = services.installation
    conn = raw_connect(inst.layout.database, inst.database_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def grow(services: Services, root: str, n: int) -> None:
    from app.bootstrap import build_services

    again = build_services(services.installation, services.clock)
    try:
        add_entries(again, n, "pt_later")
    finally:
        again.close()


def test_a_cut_local_tail_is_missing_entries(services: Services, tmp_path: Path) -> None:
    root = archived_then_grown(services, tmp_path)
    grow(services, root, 20)
    assert admin("--data-dir", root, "audit", "verify", "--archive").code == 0
    tamper(services, "DELETE FROM audit_log WHERE seq >= 57")
    local_only = admin("--data-dir", root, "audit", "verify")
    assert local_only.code == 0  # what is left still chains
    both = admin("--data-dir", root, "audit", "verify", "--archive")
    assert both.code == 1, both.out
    assert "local entries 57-61 are missing" in both.out
    assert "the local trail was cut" in both.out
    assert "Archive OK" not in both.out


def test_a_forged_anchor_at_an_archived_seq_is_caught(services: Services, tmp_path: Path) -> None:
    """Everything deleted and an anchor put at the archive's last seq with a made-up hash."""
    root = archived_then_grown(services, tmp_path)
    tamper(
        services,
        "DELETE FROM audit_log",
        f"INSERT INTO audit_anchor(id, seq, hash) VALUES (1, 61, '{'ab' * 32}')",
    )
    assert admin("--data-dir", root, "audit", "verify").code == 0
    both = admin("--data-dir", root, "audit", "verify", "--archive")
    assert both.code == 1, both.out
    assert "the local anchor at seq 61 differs from archived entry 61" in both.out


def test_deleted_oldest_entries_past_the_archive_are_missing(
    services: Services, tmp_path: Path
) -> None:
    """Entries 1-70 deleted and an anchor that chains to 71: 62-70 were never archived."""
    root = archived_then_grown(services, tmp_path)
    grow(services, root, 20)
    tamper(
        services,
        "INSERT INTO audit_anchor(id, seq, hash) SELECT 1, 70, hash FROM audit_log WHERE seq = 70",
        "DELETE FROM audit_log WHERE seq <= 70",
    )
    assert admin("--data-dir", root, "audit", "verify").code == 0
    both = admin("--data-dir", root, "audit", "verify", "--archive")
    assert both.code == 1, both.out
    assert "local entries 62-70 are missing" in both.out
    assert "the archive ends at seq 61" in both.out


def test_an_honestly_pruned_trail_still_verifies(services: Services, tmp_path: Path) -> None:
    root = archived_then_grown(services, tmp_path)
    grow(services, root, 20)
    from app.bootstrap import build_services

    again = build_services(services.installation, services.clock)
    try:
        assert again.trail.repository.prune(61) == 61
    finally:
        again.close()
    result = admin("--data-dir", root, "audit", "verify", "--archive")
    assert result.code == 0, result.out
    assert "Archive OK" in result.out
