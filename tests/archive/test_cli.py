"""enamel-admin archive set / sync / status against a folder archive."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import Services
from tests.archive.conftest import add_entries
from tests.support import admin, admin_recovery, known_passphrase


def test_set_sync_status_verify_with_a_folder(services: Services, tmp_path: Path) -> None:
    add_entries(services, 25)
    root = str(services.installation.layout.root)
    passphrase = known_passphrase(services)
    services.close()
    folder = tmp_path / "nas"
    bad = admin_recovery(
        "--data-dir", root, "archive", "set", "folder", str(folder), "--batch-size", "0",
        passphrase=passphrase,
    )  # fmt: skip
    assert bad.code != 0
    set_ = admin_recovery(
        "--data-dir",
        root,
        "archive",
        "set",
        "folder",
        str(folder),
        "--batch-size",
        "10",
        "--local-window-days",
        "30",
        passphrase=passphrase,
    )
    assert set_.code == 0, set_.err
    before = admin("--data-dir", root, "archive", "status")
    assert "Last success:  never" in before.out and "waiting" in before.out
    sync = admin("--data-dir", root, "archive", "sync")
    assert sync.code == 0, sync.err
    assert "in 3 batches" in sync.out and "0 waiting" in sync.out
    after = admin("--data-dir", root, "archive", "status")
    assert "Last success:  never" not in after.out
    assert "Batch size:    10 entries" in after.out and "30 days" in after.out
    verify = admin("--data-dir", root, "archive", "verify")
    assert verify.code == 0 and "Archive OK" in verify.out
    assert len(list(folder.rglob("*-0000*"))) >= 3


def test_audit_verify_with_archive_catches_a_rewritten_local_trail(
    services: Services, tmp_path: Path
) -> None:
    import hashlib

    from storage.database import raw_connect

    add_entries(services, 12)
    root = str(services.installation.layout.root)
    inst = services.installation
    passphrase = known_passphrase(services)
    services.close()
    set_ = admin_recovery(
        "--data-dir", root, "archive", "set", "folder", str(tmp_path / "nas"), passphrase=passphrase
    )
    assert set_.code == 0, set_.err
    assert admin("--data-dir", root, "archive", "sync").code == 0
    assert admin("--data-dir", root, "audit", "verify", "--archive").code == 0
    # Someone with the key rewrites entry 5 and re-chains everything after it: the local
    # chain verifies, the archived copy shows the rewrite.
    conn = raw_connect(inst.layout.database, inst.database_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    rows = conn.execute("SELECT seq, body, hash FROM audit_log ORDER BY seq").fetchall()
    prev = ""
    for seq, body, stored in rows:
        if seq < 5:
            prev = stored
            continue
        i = body.index('"prev_hash":"') + 13
        body = body[:i] + prev + body[i + 64 :]
        if seq == 5:
            body = body.replace('"outcome":"success"', '"outcome":"failure"')
        prev = hashlib.sha256(body.encode()).hexdigest()
        conn.execute("UPDATE audit_log SET body = ?, hash = ? WHERE seq = ?", (body, prev, seq))
    conn.close()
    local_only = admin("--data-dir", root, "audit", "verify")
    both = admin("--data-dir", root, "audit", "verify", "--archive")
    assert both.code == 1
    assert "rewritten" in both.out  # ...and the archive shows it
    assert local_only.code == 0  # the rewrite is consistent locally...
    assert "BROKEN" not in local_only.out
