"""`archive verify` against a real S3 server: deletions, overwrites, foreign keys, swaps, rewrites."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from app.archive_setup import archive_sync
from app.bootstrap import Services, build_services
from services.archive.backends import FolderBackend, S3Backend
from services.archive.batch import seal
from services.installation import initialise
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.archive.conftest import (
    ACCESS,
    REGION,
    SECRET,
    S3Server,
    add_entries,
    batch_names,
    unlocked_copy,
    verify,
)
from tests.support import admin, admin_recovery, known_passphrase


def synced_copy(
    services: Services, s3: S3Server, entries: int, *, batch_size: int = 100, versioned: bool
) -> S3Backend:
    """Sync to a locked bucket, then stage tampering on an unlocked copy (an admin's bucket)."""
    add_entries(services, entries)
    archive_sync(services, s3.bucket("audit"), batch_size=batch_size).sync_once()
    locked = S3Backend(s3.url, "audit", REGION, ACCESS, SECRET)
    return unlocked_copy(s3, locked, "nolock", versioned=versioned)


def delete_every_version(s3: S3Server, name: str) -> None:
    client = s3.client()
    for v in client.list_object_versions(Bucket="nolock", Prefix=name).get("Versions", []):
        client.delete_object(Bucket="nolock", Key=name, VersionId=v["VersionId"])


def test_a_clean_archive_verifies(services: Services, s3: S3Server) -> None:
    backend = synced_copy(services, s3, 250, versioned=False)
    report = verify(services, backend)
    assert report.ok, report.problems
    assert (report.batches, report.entries, report.last_seq) == (3, 250, 250)


def test_verify_catches_a_deleted_batch(services: Services, s3: S3Server) -> None:
    backend = synced_copy(services, s3, 300, versioned=False)
    delete_every_version(s3, batch_names(backend, services)[1])
    report = verify(services, backend)
    assert not report.ok
    assert any(
        "gap: expected seq 101, batch starts at 201 (seqs 101-200 are missing)" in p
        for p in report.problems
    ), report.problems
    assert any("000000000101-000000000200: missing from the archive" in p for p in report.problems)


def test_verify_catches_a_deleted_last_batch_from_the_local_cursor(
    services: Services, s3: S3Server
) -> None:
    """The archive alone cannot tell its tail was cut; this workstation's cursor can."""
    backend = synced_copy(services, s3, 300, versioned=False)
    delete_every_version(s3, batch_names(backend, services)[-1])
    report = verify(services, backend)
    assert report.problems == [
        f"{services.trail.practice_id}/{services.trail.workstation_id}/000000000201-000000000300: "
        "missing from the archive (seqs 201-300, confirmed by this workstation)"
    ]


def test_verify_reports_a_delete_marker(services: Services, s3: S3Server) -> None:
    backend = synced_copy(services, s3, 150, versioned=True)
    victim = batch_names(backend, services)[0]
    s3.client().delete_object(Bucket="nolock", Key=victim)  # a delete marker on top
    report = verify(services, backend)
    assert any(f"{victim}: a delete marker" in p for p in report.problems)


def test_verify_catches_a_foreign_signature_and_a_swapped_batch(
    services: Services, s3: S3Server, tmp_path: Path
) -> None:
    backend = synced_copy(services, s3, 20, batch_size=10, versioned=True)
    names = batch_names(backend, services)
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
    client = s3.client()
    client.put_object(Bucket="nolock", Key=names[0], Body=forged.data)  # re-signed, overwritten
    other = build_services(
        initialise(
            DataLayout(tmp_path / "other"),
            KeyringKeyStore(),
            services.trail.practice_id,
            services.clock,
        ).installation,
        services.clock,
    )
    try:
        add_entries(other, 10)
        archive_sync(other, FolderBackend(tmp_path / "theirs"), batch_size=10).sync_once()
        their_batch = next((tmp_path / "theirs").rglob("*0001-*")).read_bytes()
    finally:
        other.close()
    client.put_object(Bucket="nolock", Key=names[1], Body=their_batch)
    text = "\n".join(verify(services, backend).problems)
    assert f"{names[0]}: 2 versions (it was overwritten)" in text
    assert f"{names[0]}: the signature is not the workstation's" in text
    assert f"{names[1]}: belongs to {services.trail.practice_id}/" in text
    assert "(swapped in)" in text


def test_a_swapped_batch_with_a_forged_header_fails_the_signature(
    services: Services, s3: S3Server
) -> None:
    """Another workstation's batch relabelled as ours: the header is signed, so it fails."""
    import json

    backend = synced_copy(services, s3, 20, batch_size=10, versioned=False)
    name = batch_names(backend, services)[1]
    envelope = json.loads(backend.get(name) or b"{}")
    envelope["header"]["first_seq"] = 12  # any change to the header
    s3.client().put_object(Bucket="nolock", Key=name, Body=json.dumps(envelope).encode())
    assert any(f"{name}: the signature" in p for p in verify(services, backend).problems)


def test_verify_catches_a_rewritten_local_trail(services: Services, s3: S3Server) -> None:
    """Someone with the database key rewrites local history; the archive copy disagrees."""
    backend = synced_copy(services, s3, 50, versioned=False)
    conn = services.installation.db.connection()
    triggers = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        )
    ]
    for t in triggers:
        conn.execute(f"DROP TRIGGER {t}")
    conn.execute("UPDATE audit_log SET hash = ? WHERE seq = 30", ("f" * 64,))
    report = verify(services, backend)
    assert report.problems == [
        "local entry 30 differs from the archived copy (the local trail was rewritten)"
    ]


def test_archive_verify_command_exits_1_naming_the_gap(services: Services, s3: S3Server) -> None:
    backend = synced_copy(services, s3, 300, versioned=False)
    delete_every_version(s3, batch_names(backend, services)[1])
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
        "nolock",
        "--keys-stdin",
        stdin=f"{ACCESS}\n{SECRET}\n",
        passphrase=passphrase,
    )
    assert set_.code == 0, set_.err
    result = admin("--data-dir", root, "archive", "verify")
    assert result.code == 1
    assert "gap: expected seq 101, batch starts at 201" in result.out
    assert "000000000101-000000000200: missing from the archive" in result.out
