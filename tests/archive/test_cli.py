"""enamel-admin archive set / sync / status against a folder archive."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import Services
from tests.archive.conftest import add_entries
from tests.support import admin


def test_set_sync_status_verify_with_a_folder(services: Services, tmp_path: Path) -> None:
    add_entries(services, 25)
    root = str(services.installation.layout.root)
    services.close()
    folder = tmp_path / "nas"
    bad = admin("--data-dir", root, "archive", "set", "folder", str(folder), "--batch-size", "0")
    assert bad.code != 0
    set_ = admin(
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
