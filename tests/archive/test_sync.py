"""Archive sync against a real S3 server on 127.0.0.1 and against a folder."""

from __future__ import annotations

import gzip
import stat
from pathlib import Path

import pytest

from app.archive_setup import archive_keys, archive_sync
from app.bootstrap import Services, build_services
from services.archive.backends import (
    ArchiveMisconfigured,
    ArchiveUnavailable,
    FolderBackend,
    PutResult,
)
from services.archive.batch import seal
from services.archive.sync import TamperAlarm
from services.archive.verify import verify_archive
from services.installation import open_installation
from storage.keystore import KeyringKeyStore
from tests.archive.conftest import S3Server, add_entries
from tests.support import admin


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
    report = verify_archive(
        backend,
        services.trail.practice_id,
        services.trail.workstation_id,
        archive_keys(services),
        services.trail.repository,
    )
    assert report.ok, report.problems
    assert report.entries == 255


def test_a_restart_mid_backlog_resumes_from_the_cursor(services: Services, s3: S3Server) -> None:
    backend = s3.bucket("audit")
    add_entries(services, 300)
    sync = archive_sync(services, backend, batch_size=100)

    class Once(FolderBackend):
        pass

    # Send one batch, then "crash": a new process over the same data resumes.
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
    # The crash came before the cursor moved: the same batch is sent again and counts as done.
    layout = services.installation.layout
    again = build_services(open_installation(layout, KeyringKeyStore()), services.clock)
    result = archive_sync(again, backend, batch_size=100).sync_once()
    assert result.entries == 300
    assert len([v for v in backend.versions(sync.prefix) if not v.name.endswith(".pub")]) == 3
    again.close()


def test_server_down_then_back(services: Services, s3: S3Server) -> None:
    backend = s3.bucket("audit")
    add_entries(services, 120)
    sync = archive_sync(services, backend, batch_size=50)
    sync.sync_once()
    add_entries(services, 80)
    s3.stop()
    with pytest.raises(ArchiveUnavailable):
        sync.sync_once()
    status = sync.status()
    assert status.backlog == 80 and status.last_error == "ArchiveUnavailable"
    s3.start_again()  # moto keeps no state across restarts: a fresh, empty server
    s3.bucket("audit2")
    sync2 = archive_sync(services, s3.bucket("audit3"), batch_size=50)
    sync2._repo = sync._repo  # the cursor is durable in the database
    assert sync2.sync_once().entries == 80
    assert sync2.status().backlog == 0


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
    services.close()
    set_ = admin(
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
    )
    assert set_.code == 0, set_.err
    check = admin("--data-dir", root, "archive", "check")
    assert check.code == 1 and "Object Lock" in check.err
    assert admin("--data-dir", root, "archive", "sync").code == 1


def test_verify_catches_a_deleted_batch(services: Services, s3: S3Server) -> None:
    backend = s3.bucket("nolock", lock=False)  # moto refuses COMPLIANCE deletes on a locked bucket
    add_entries(services, 300)
    sync = archive_sync(services, backend, batch_size=100)
    sync.sync_once()
    victim = sorted(v.name for v in backend.versions(sync.prefix))[1]
    client = s3.client()
    for v in client.list_object_versions(Bucket="nolock", Prefix=victim)["Versions"]:
        client.delete_object(Bucket="nolock", Key=victim, VersionId=v["VersionId"])
    report = verify_archive(
        backend,
        services.trail.practice_id,
        services.trail.workstation_id,
        archive_keys(services),
        services.trail.repository,
    )
    assert not report.ok
    assert any("gap: expected seq 101" in p for p in report.problems)


def test_verify_catches_a_foreign_signature_and_a_swapped_batch(
    services: Services, s3: S3Server, tmp_path: Path
) -> None:
    backend = s3.bucket("nolock", lock=False)
    s3.client().put_bucket_versioning(
        Bucket="nolock", VersioningConfiguration={"Status": "Enabled"}
    )
    add_entries(services, 20)
    sync = archive_sync(services, backend, batch_size=10)
    sync.sync_once()
    names = sorted(v.name for v in backend.versions(sync.prefix) if not v.name.endswith(".pub"))
    rows = list(services.trail.repository.rows(1, 10))
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    foreign = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    forged = seal(
        rows,
        practice=services.trail.practice_id,
        workstation=services.trail.workstation_id,
        prev_batch_hash="0" * 64,
        archive_key=services.installation.secrets.require("key.archive"),
        signing_key=foreign,
    )
    client = s3.client()
    client.put_object(Bucket="nolock", Key=names[0], Body=forged.data)  # an admin overwrites it
    other = build_services(
        __import__("services.installation", fromlist=["initialise"])
        .initialise(
            __import__("storage.layout", fromlist=["DataLayout"]).DataLayout(tmp_path / "other"),
            KeyringKeyStore(),
            services.trail.practice_id,
            services.clock,
        )
        .installation,
        services.clock,
    )
    add_entries(other, 10)
    theirs = archive_sync(other, FolderBackend(tmp_path / "their-archive"), batch_size=10)
    theirs.sync_once()
    their_batch = next(p for p in (tmp_path / "their-archive").rglob("*0001-*"))
    client.put_object(Bucket="nolock", Key=names[1], Body=their_batch.read_bytes())
    report = verify_archive(
        backend,
        services.trail.practice_id,
        services.trail.workstation_id,
        archive_keys(services),
        services.trail.repository,
    )
    text = "\n".join(report.problems)
    assert "2 versions (it was overwritten)" in text
    assert "the signature is not the workstation's" in text
    assert "(swapped in)" in text
    other.close()


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


def test_the_folder_backend_is_write_once(tmp_path: Path, services: Services) -> None:
    backend = FolderBackend(tmp_path / "nas")
    now = services.clock.now()
    assert backend.put_new("p/w/000000000001-000000000002", b"batch", now) is PutResult.CREATED
    path = tmp_path / "nas" / "p" / "w" / "000000000001-000000000002"
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
