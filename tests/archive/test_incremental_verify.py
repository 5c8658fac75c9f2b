"""Incremental verification: only the objects after the last sound batch, everything on --full
and weekly, and the local trail still held to what was verified before."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.archive_setup import archive_sync
from app.bootstrap import Services
from app.jobs_setup import archive_verify_job
from services.archive.backends import ArchiveBackend, FolderBackend
from services.archive.batch import seal
from services.archive.checkpoint import verify_and_remember
from services.archive.setup import archive_keys
from services.archive.verify import ArchiveReport
from services.clock import ManualClock
from services.jobs import JobQueue, JobState
from storage.archive_repo import ArchiveRepository
from storage.database import raw_connect
from tests.archive.conftest import S3Server, add_entries, batch_names
from tests.archive.test_s3_requests import Requests, fresh_process
from tests.support import admin


def check(services: Services, backend: ArchiveBackend, *, full: bool = False) -> ArchiveReport:
    return verify_and_remember(
        backend,
        services.trail,
        ArchiveRepository(services.installation.db),
        archive_keys(services.installation),
        services.clock.now(),
        full=full,
    )


def test_an_incremental_check_reads_only_the_new_objects(services: Services, s3: S3Server) -> None:
    s3.bucket("audit")
    add_entries(services, 100)
    archive_sync(services, fresh_process(s3, "audit"), batch_size=10).sync_once()
    first = check(services, fresh_process(s3, "audit"))
    assert first.ok and first.full and first.batches == 10
    add_entries(services, 20)
    archive_sync(services, fresh_process(s3, "audit"), batch_size=10).sync_once()

    backend = fresh_process(s3, "audit")
    seen = Requests(backend)
    report = check(services, backend)
    assert report.ok, report.problems
    assert not report.full and (report.batches, report.entries, report.last_seq) == (2, 20, 120)
    names = batch_names(fresh_process(s3, "audit"), services)
    key = names[0].rsplit("/", 1)[0] + "/signing-key.pub"
    assert sorted(seen.named("GetObject")) == sorted([*names[-2:], key])  # 2 new, and the key
    assert len(seen.named("ListObjectVersions")) == 1

    seen.sent.clear()
    again = check(services, backend)  # nothing new: one listing, no object read
    assert again.ok and again.batches == 0 and again.last_seq == 120
    assert seen.named("GetObject") == [] and len(seen.named("ListObjectVersions")) == 1

    seen.sent.clear()
    full = check(services, backend, full=True)
    assert full.ok and full.full and full.batches == 12
    assert len(seen.named("GetObject")) == 13


def forge_oldest(services: Services, backend: FolderBackend) -> str:
    """Replace the first batch's file with one signed by another key (an admin of the NAS)."""
    name = batch_names(backend, services)[0]
    foreign = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    forged = seal(
        list(services.trail.repository.rows(1, 10)),
        practice=services.trail.practice_id,
        workstation=services.trail.workstation_id,
        prev_batch_hash="0" * 64,
        archive_key=services.installation.secrets.require("key.archive"),
        signing_key=foreign,
    )
    path = next(backend.root.rglob(name.rsplit("/", 1)[1]))
    os.chmod(path, 0o644)
    path.write_bytes(forged.data)
    return name


def test_a_changed_old_object_escapes_the_incremental_check_and_fails_full(
    services: Services,
) -> None:
    backend = FolderBackend(services.installation.layout.archive_dir)  # the default archive
    add_entries(services, 40)
    archive_sync(services, backend, batch_size=10).sync_once()
    assert check(services, backend).ok
    victim = forge_oldest(services, backend)
    add_entries(services, 10)
    archive_sync(services, backend, batch_size=10).sync_once()
    quick = check(services, backend)
    assert quick.ok and quick.batches == 1  # by design: the old object is not read again
    root = str(services.installation.layout.root)
    services.close()
    incremental = admin("--data-dir", root, "archive", "verify")
    assert incremental.code == 0, incremental.out
    assert "new since the last check" in incremental.out
    full = admin("--data-dir", root, "archive", "verify", "--full")
    assert full.code == 1
    assert f"{victim}: the signature is not the workstation's" in full.out
    # A failed check forgets where it stood: from now on every check reads everything.
    after = admin("--data-dir", root, "archive", "verify")
    assert after.code == 1 and f"{victim}: the signature" in after.out


def test_the_weekly_full_check_of_the_job_catches_it(services: Services, tmp_path: Path) -> None:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    backend = FolderBackend(services.installation.layout.archive_dir)
    add_entries(services, 30)
    archive_sync(services, backend, batch_size=10).sync_once()
    queue = JobQueue(clock)
    queue.add(archive_verify_job(services))
    clock.advance(600)
    assert queue.run_due() == 1
    assert queue.status("archive_verify").message == "all batches verified (3), up to seq 30"
    forge_oldest(services, backend)
    add_entries(services, 10)
    archive_sync(services, backend, batch_size=10).sync_once()
    clock.advance(3600)
    assert queue.run_due() == 1
    assert queue.status("archive_verify").message == "new batches verified (1), up to seq 40"
    clock.advance(7 * 86400)
    assert queue.run_due() == 1
    status = queue.status("archive_verify")
    assert status.state is JobState.FAILING
    assert "archive verify --full" in status.message and "compliance officer" in status.message


def tamper(services: Services, statement: str) -> None:
    inst = services.installation
    conn = raw_connect(inst.layout.database, inst.database_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute(statement)
    conn.close()


def test_an_incremental_check_still_holds_the_local_trail_to_what_was_verified(
    services: Services, tmp_path: Path
) -> None:
    backend = FolderBackend(tmp_path / "nas")
    add_entries(services, 30)
    archive_sync(services, backend, batch_size=10).sync_once()
    assert check(services, backend).ok
    tamper(
        services,
        "UPDATE audit_log SET hash = (CASE WHEN hash LIKE 'f%' THEN 'e' ELSE 'f' END) "
        "|| substr(hash, 2) WHERE seq = 30",
    )
    report = check(services, backend)
    assert report.problems == [
        "local entry 30 differs from the archived copy (the local trail was rewritten)"
    ]


def test_an_incremental_check_names_the_whole_cut_span(services: Services, tmp_path: Path) -> None:
    backend = FolderBackend(tmp_path / "nas")
    add_entries(services, 30)
    archive_sync(services, backend, batch_size=10).sync_once()
    assert check(services, backend).ok
    tamper(services, "DELETE FROM audit_log WHERE seq >= 25")
    report = check(services, backend)
    assert report.problems == [
        "local entries 25-30 are missing: the local trail ends at seq 24 but the archive holds "
        "up to seq 30 (the local trail was cut)"
    ]
