"""Archive sync against a real S3 server on 127.0.0.1 and against a folder."""

from __future__ import annotations

import base64
import gzip
import json
import stat
import time
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from app.archive_setup import archive_sync
from app.bootstrap import Services, build_services
from services.archive.backends import (
    ArchiveMisconfigured,
    ArchiveUnavailable,
    FolderBackend,
    PutResult,
)
from services.archive.batch import GENESIS, Sealer, seal
from services.archive.sync import ArchiveSync, TamperAlarm
from services.clock import ManualClock
from services.installation import open_installation
from services.jobs import Job, JobQueue, JobState
from services.retry import Backoff
from storage.archive_repo import ArchiveRepository
from storage.keystore import KeyringKeyStore
from tests.archive.conftest import FailingAfter, S3Server, add_entries, batch_names, verify
from tests.support import admin, admin_recovery, known_passphrase


def test_sync_sends_every_entry_once_in_order(services: Services, s3: S3Server) -> None:
    backend = s3.bucket("audit")
    add_entries(services, 250)
    sync = archive_sync(services, backend, batch_size=100)
    assert sync.sync_once().entries == 250
    names = sorted(v.name for v in backend.versions(sync.prefix))
    assert [n.rsplit("/", 1)[1] for n in names] == [
        "000000000001-000000000100",
        "000000000101-000000000200",
        "000000000201-000000000250",
        "signing-key.pub",
    ]
    assert sync.sync_once().entries == 0
    add_entries(services, 5)
    assert sync.sync_once().batches == 1
    report = verify(services, backend)
    assert report.ok, report.problems
    assert report.entries == 255


def test_a_crash_after_the_put_before_the_cursor_moved_is_done_not_duplicated(
    services: Services, s3: S3Server
) -> None:
    backend = s3.bucket("audit")
    add_entries(services, 300)
    rows = list(services.trail.repository.rows(1, 100))
    sealed = seal(
        rows,
        practice=services.trail.practice_id,
        workstation=services.trail.workstation_id,
        prev_batch_hash="0" * 64,
        archive_key=services.installation.secrets.require("key.archive"),
        signing_key=services.installation.secrets.require("key.signing"),
    )
    assert backend.put_new(sealed.name, sealed.data, services.clock.now()) is PutResult.CREATED
    # The crash came before the cursor moved: a new process over the same data resumes.
    layout = services.installation.layout
    again = build_services(open_installation(layout, KeyringKeyStore()), services.clock)
    try:
        result = archive_sync(again, backend, batch_size=100).sync_once()
        assert result.entries == 300
        assert len(batch_names(backend, again)) == 3
        assert verify(again, backend).ok
    finally:
        again.close()


def test_a_batch_an_earlier_enamel_sealed_and_never_confirmed_is_adopted(
    services: Services, tmp_path: Path
) -> None:
    """Enamel sealed at gzip level 9 until 2026-12: a batch of its that landed unconfirmed
    before the update is recognised as this workstation's (sealed again at the earlier level),
    not taken for tampering."""
    backend = FolderBackend(tmp_path / "nas")
    add_entries(services, 150)
    earlier = Sealer(
        services.trail.practice_id,
        services.trail.workstation_id,
        services.installation.secrets.require("key.archive"),
        services.installation.secrets.require("key.signing"),
    ).seal(list(services.trail.repository.rows(1, 100)), GENESIS, compress_level=9)
    assert earlier.data != seal_now(services, 1, 100)  # the level shows in the bytes
    assert backend.put_new(earlier.name, earlier.data, services.clock.now()) is PutResult.CREATED
    sync = archive_sync(services, backend, batch_size=100)
    assert sync.sync_once().entries == 150
    assert backend.get(earlier.name) == earlier.data
    assert ArchiveRepository(services.installation.db).batches()[0][3] == earlier.batch_hash
    report = verify(services, backend)
    assert report.ok, report.problems
    assert report.entries == 150


def seal_now(services: Services, first: int, last: int) -> bytes:
    return seal(
        list(services.trail.repository.rows(first, last)),
        practice=services.trail.practice_id,
        workstation=services.trail.workstation_id,
        prev_batch_hash=GENESIS,
        archive_key=services.installation.secrets.require("key.archive"),
        signing_key=services.installation.secrets.require("key.signing"),
    ).data


def test_a_restart_mid_backlog_resumes_from_the_cursor_with_a_grown_trail(
    services: Services, s3: S3Server
) -> None:
    """The third batch landed but its answer was lost; the trail then grew and the process
    restarted: the landed batch is adopted as it is (no longer overlapping batch is sent)."""
    backend = s3.bucket("audit")
    add_entries(services, 250)
    with pytest.raises(ArchiveUnavailable):
        archive_sync(services, FailingAfter(backend, 2), batch_size=100).sync_once()
    assert ArchiveRepository(services.installation.db).cursor()[0] == 200
    add_entries(services, 120)  # the trail grows while the archive seems away
    layout = services.installation.layout
    services.close()
    again = build_services(open_installation(layout, KeyringKeyStore()), services.clock)
    try:
        sync = archive_sync(again, backend, batch_size=100)
        assert sync.status().backlog == 170
        assert sync.sync_once().entries == 170
        assert [n.rsplit("/", 1)[1] for n in batch_names(backend, again)] == [
            "000000000001-000000000100",
            "000000000101-000000000200",
            "000000000201-000000000250",  # adopted, not re-cut as 201-300
            "000000000251-000000000350",
            "000000000351-000000000370",
        ]
        report = verify(again, backend)
        assert report.ok, report.problems
        assert report.entries == 370
        assert sync.status().backlog == 0
    finally:
        again.close()


def archive_queue(services: Services, sync: ArchiveSync) -> JobQueue:
    """The app's archive job on the one job queue, with the sync under test."""
    queue = JobQueue(services.clock)

    def run() -> str:
        sync.sync_once()
        sync.prune_local()
        return f"{sync.status().backlog} waiting"

    queue.add(Job("archive", "Archive", run, every=60.0, backoff=Backoff(60.0, 600.0)))
    return queue


def test_server_down_then_back(services: Services, s3: S3Server) -> None:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    backend = s3.bucket("audit")
    add_entries(services, 120)
    sync = archive_sync(services, backend, batch_size=50)
    queue = archive_queue(services, sync)
    assert queue.run_due() == 1 and queue.seconds_until_next() == 60.0
    add_entries(services, 80)
    s3.stop()
    delays = []
    for _ in range(4):
        clock.advance(queue.seconds_until_next() or 0.0)
        assert queue.run_due() == 1
        delays.append(queue.seconds_until_next())
    assert delays == [60.0, 120.0, 240.0, 480.0]  # the shared back-off, doubling
    clock.advance(480.0)
    queue.run_due()
    assert queue.seconds_until_next() == 600.0  # capped
    job = queue.status("archive")
    assert job.state is JobState.FAILING and job.failures == 5 and job.message
    assert job.failing_since is not None and job.next_run == clock.now() + timedelta(seconds=600)
    status = sync.status()
    assert status.backlog == 80 and status.confirmed_seq == 120
    assert status.last_error == "ArchiveUnavailable" and status.consecutive_failures == 5
    s3.start_again()  # the same server state, like a NAS or S3 gateway coming back
    queue.run_now("archive")
    assert queue.run_due() == 1 and queue.seconds_until_next() == 60.0
    job = queue.status("archive")
    assert job.state is JobState.WAITING and job.failures == 0 and job.failing_since is None
    status = sync.status()
    assert status.backlog == 0 and status.last_error is None
    assert status.last_success is not None and status.consecutive_failures == 0
    assert len(batch_names(backend, services)) == 5  # 3 + 2: nothing sent twice
    report = verify(services, backend)
    assert report.ok, report.problems
    assert report.entries == 200


def test_the_queue_thread_syncs_and_stops(services: Services, tmp_path: Path) -> None:
    backend = FolderBackend(tmp_path / "archive")
    add_entries(services, 30)
    queue = archive_queue(services, archive_sync(services, backend))
    queue.start()
    try:
        deadline = time.monotonic() + 10
        while archive_sync(services, backend).status().backlog and time.monotonic() < deadline:
            time.sleep(0.02)
        add_entries(services, 5)
        queue.run_now("archive")
        while archive_sync(services, backend).status().backlog and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        queue.stop()
    assert archive_sync(services, backend).status().backlog == 0
    assert verify(services, backend).ok


def test_sync_refuses_a_bucket_without_object_lock(services: Services, s3: S3Server) -> None:
    plain = s3.bucket("plain", lock=False)
    add_entries(services, 10)
    sync = archive_sync(services, plain)
    with pytest.raises(ArchiveMisconfigured, match="Object Lock"):
        sync.sync_once()
    assert plain.versions("") == []  # not even the public key
    assert sync.status().last_error == "ArchiveMisconfigured"


def test_412_with_the_same_bytes_is_done_and_different_bytes_alarm(
    services: Services, s3: S3Server
) -> None:
    backend = s3.bucket("audit")
    add_entries(services, 10)
    sync = archive_sync(services, backend)
    sync.sync_once()
    name = next(v.name for v in backend.versions(sync.prefix) if not v.name.endswith(".pub"))
    data = backend.get(name)
    assert data is not None
    assert backend.put_new(name, data, services.clock.now()) is PutResult.EXISTS_SAME
    assert backend.put_new(name, data + b" ", services.clock.now()) is PutResult.EXISTS_DIFFERENT
    # A new workstation history that collides with what is stored raises the alarm.
    services.installation.db.connection().execute("DELETE FROM archive_batches")
    services.installation.secrets.put("key.archive", b"k" * 32, services.clock.now())
    with pytest.raises(TamperAlarm, match="tampered"):
        archive_sync(services, backend).sync_once()
    assert any("archive_tamper_detected" in body for _, body, _ in services.trail.repository.rows())


def test_archive_check_refuses_a_bucket_without_object_lock(
    services: Services, s3: S3Server
) -> None:
    plain = s3.bucket("plain", lock=False)
    with pytest.raises(ArchiveMisconfigured, match="Object Lock"):
        plain.check()
    assert "Object Lock enabled" in s3.bucket("locked").check()
    root = str(services.installation.layout.root)
    passphrase = known_passphrase(services)
    services.close()
    set_ = admin_recovery(
        "--data-dir",
        root,
        "archive",
        "set",
        "s3",
        "--endpoint",
        s3.url,
        "--bucket",
        "plain",
        "--keys-stdin",
        stdin="testing-access\ntesting-secret\n",
        passphrase=passphrase,
    )
    assert set_.code == 0, set_.err
    check = admin("--data-dir", root, "archive", "check")
    assert check.code == 1 and "Object Lock" in check.err
    assert admin("--data-dir", root, "archive", "sync").code == 1


def test_no_plaintext_audit_field_or_phi_in_any_archived_object(
    services: Services, s3: S3Server
) -> None:
    backend = s3.bucket("audit")
    add_entries(services, 50, patient_prefix="pt_RECOGNISABLE")
    archive_sync(services, backend).sync_once()
    client = s3.client()
    for v in backend.versions(""):
        data = client.get_object(Bucket="audit", Key=v.name)["Body"].read()
        for needle in (
            b"RECOGNISABLE",
            b"appointment_query",
            b"user_archive_test",
            b"schedule",
            b"phone",
        ):
            assert needle not in data
        with pytest.raises(OSError):
            gzip.decompress(data)
        if v.name.endswith(".pub"):
            continue
        envelope = json.loads(data)
        assert set(envelope) == {"header", "ciphertext", "signature"}
        assert set(envelope["header"]) == {  # ids, seqs and hashes only
            "format",
            "practice_id",
            "workstation_id",
            "first_seq",
            "last_seq",
            "count",
            "prev_batch_hash",
            "first_prev_hash",
            "last_entry_hash",
            "created_at",
            "key_id",
            "nonce",
        }
        ciphertext = base64.b64decode(envelope["ciphertext"])
        for offset in range(0, 64):  # no gzip stream hidden anywhere in the ciphertext either
            with pytest.raises((OSError, EOFError, zlib.error)):
                gzip.decompress(ciphertext[offset:])


def test_the_folder_backend_is_write_once(tmp_path: Path, services: Services) -> None:
    backend = FolderBackend(tmp_path / "nas")
    now = services.clock.now()
    assert backend.put_new("p/w/000000000001-000000000002", b"batch", now) is PutResult.CREATED
    path = tmp_path / "nas" / "p" / "w" / "000000000000" / "000000000001-000000000002"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert backend.put_new("p/w/000000000001-000000000002", b"batch", now) is PutResult.EXISTS_SAME
    assert (
        backend.put_new("p/w/000000000001-000000000002", b"other", now)
        is PutResult.EXISTS_DIFFERENT
    )
    assert path.read_bytes() == b"batch"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_local_pruning_waits_for_the_archive_and_the_window(
    services: Services, tmp_path: Path
) -> None:
    add_entries(services, 30)
    sync = archive_sync(services, FolderBackend(tmp_path / "a"), batch_size=10)
    assert sync.prune(local_window_days=0) == 0  # nothing confirmed yet
    sync.sync_once()
    assert sync.prune(local_window_days=30) == 0  # confirmed but recent
    services.clock.advance(31 * 86400)  # type: ignore[attr-defined]
    assert sync.prune(local_window_days=30) == 30
    from services.audit import verify_local

    add_entries(services, 3)
    assert verify_local(services.trail.repository).ok


def test_a_server_that_ignores_if_none_match_still_cannot_hide_an_overwrite(
    services: Services, s3: S3Server
) -> None:
    """Ceph ignores If-None-Match on versioned buckets: the read-back looks at every version."""
    backend = s3.bucket("ceph", lock=False)
    s3.client().put_bucket_versioning(Bucket="ceph", VersioningConfiguration={"Status": "Enabled"})

    def like_ceph(params: dict[str, object], **_: object) -> None:
        params.pop("IfNoneMatch", None)

    backend._client.meta.events.register("before-parameter-build.s3.PutObject", like_ceph)
    now = services.clock.now()
    s3.client().put_object(Bucket="ceph", Key="p/w/a", Body=b"theirs")
    assert backend.put_new("p/w/a", b"ours", now) is PutResult.EXISTS_DIFFERENT
    assert len(backend.versions("p/w/a")) == 2  # the PUT did go through, as on Ceph
    s3.client().put_object(Bucket="ceph", Key="p/w/b", Body=b"same")
    assert backend.put_new("p/w/b", b"same", now) is PutResult.EXISTS_SAME
    assert backend.put_new("p/w/c", b"new", now) is PutResult.CREATED


def test_the_fast_json_line_equals_the_entry_s_own(services: Services) -> None:
    from services.access import Actor, ActorType, Role
    from services.audit import AuditEvent
    from services.audit.entry import AuditEntry

    add_entries(services, 5)
    odd = Actor('user_"quoted",\\"ip_address":x', ActorType.HUMAN, Role.FRONT_DESK)
    services.trail.append(
        AuditEvent(
            action='a,"ip_address":"1"',
            actor=odd,
            patient_id="pt_é漢字",
            fields=('x","ip_address":"', "phone"),
            flags=("b]", 'c,"ip_address":'),
        )
    )
    from services.archive.batch import json_line, json_lines

    rows = list(services.trail.repository.rows())
    for row in rows:
        assert json_line(*row) == AuditEntry.from_row(*row).as_json_line()
    assert json_lines(rows) == "".join(AuditEntry.from_row(*r).as_json_line() + "\n" for r in rows)
    for body in (
        '{"a":1}',
        '{"a":1,"flags":[],"hash":[1],"ip_address":"x"}',  # a hash already there: parsed
        '{"a":{"hash":1},"flags":["y"],"ip_address":"x"}',  # a nested one: spliced
    ):
        assert json_line(1, body, "h") == AuditEntry(1, body, "h").as_json_line(), body
