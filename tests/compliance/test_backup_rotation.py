"""Backups (create, verify, restore, refuse) and key rotation, each followed by a verifying trail."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import build_services
from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, RecordKind, verify_local
from services.backup.create import create_backup
from services.backup.errors import BackupDamaged, BackupRefused
from services.backup.file_format import Wrapping
from services.backup.restore import record_restore, restore_backup
from services.backup.schedule import enable_scheduled_backups, run_scheduled_backup
from services.backup.verify import verify_backup
from services.clock import ManualClock
from services.installation import ARCHIVE_KEY, PSEUDONYM_KEY, initialise, open_installation
from services.keyrotation.archive_key import rotate_archive_key
from services.keyrotation.database_key import complete_rotation, rotate_database_key
from services.keyrotation.reminders import credential_reminders
from storage.compliance_repo import ComplianceRepository
from storage.errors import WrongPassphrase
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout

IT = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)


@pytest.fixture
def install(data_dir: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    result = initialise(DataLayout(data_dir), KeyringKeyStore(), "test-practice", clock)
    services = build_services(result.installation, clock)
    yield services, result.passphrase
    services.close()


def seed(services, n: int = 30) -> None:  # type: ignore[no-untyped-def]
    actor = Actor("user_a", ActorType.HUMAN, Role.FRONT_DESK)
    services.trail.append_batch(
        [
            AuditEvent(
                action="schedule_read",
                actor=actor,
                patient_id=services.trail.ref(RecordKind.PATIENT, i),
                purpose="schedule",
            )
            for i in range(n)
        ],
        [(services.trail.ref(RecordKind.PATIENT, i), RecordKind.PATIENT, i) for i in range(n)],
    )


def snapshot(services) -> tuple[list[tuple[int, str, str]], dict[str, str], bytes]:  # type: ignore[no-untyped-def]
    inst = services.installation
    return (
        list(services.trail.repository.rows()),
        inst.settings.all(),
        inst.secrets.require(PSEUDONYM_KEY),
    )


def test_backup_delete_restore_keeps_every_record_and_the_chain(install, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    services, passphrase = install
    seed(services)
    inst = services.installation
    inst.settings.set("office_hours", '{"mon": ["08:00", "17:00"]}', clock.now())
    out = tmp_path / "nightly.enamel-backup"
    info = create_backup(inst, out, Wrapping.from_passphrase(passphrase), clock, services.trail, IT)
    assert out.read_bytes().startswith(b"ENAMEL-BACKUP-1\n")
    before = snapshot(services)
    report = verify_backup(out, passphrase, record=ComplianceRepository(inst.db), clock=clock)
    assert report.ok and report.last_seq == info.last_seq and report.entries == info.last_seq
    assert report.tables["settings"] >= 1

    layout = inst.layout
    services.close()
    for f in layout.database_files():
        f.unlink(missing_ok=True)

    result = restore_backup(layout, KeyringKeyStore(), out, passphrase, clock)
    assert result.replaced is None
    reopened = build_services(open_installation(layout, KeyringKeyStore()), clock)
    try:
        rows, settings, pseudonym_key = snapshot(reopened)
        assert rows == before[0]  # every entry, byte for byte
        assert settings == before[1]
        assert pseudonym_key == before[2]  # secrets still decrypt under this installation's key
        record_restore(reopened.trail, IT, result, forced=False)
        check = verify_local(reopened.trail.repository)
        assert check.ok and check.last_seq == info.last_seq + 1  # the chain continues
        last = list(reopened.trail.repository.rows())[-1][1]
        assert '"backup_restored"' in last
    finally:
        reopened.close()


def test_restore_refuses_a_newer_database_unless_forced(install, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    services, passphrase = install
    inst = services.installation
    out = tmp_path / "b.enamel-backup"
    create_backup(inst, out, Wrapping.from_passphrase(passphrase), clock, services.trail, IT)
    seed(services, 5)  # the database moves on
    layout = inst.layout
    services.close()
    with pytest.raises(BackupRefused, match="newer than the backup"):
        restore_backup(layout, KeyringKeyStore(), out, passphrase, clock)
    assert list(layout.root.glob("*.restore")) == []
    result = restore_backup(layout, KeyringKeyStore(), out, passphrase, clock, force=True)
    assert result.replaced is not None and result.replaced.exists()
    reopened = build_services(open_installation(layout, KeyringKeyStore()), clock)
    try:
        record_restore(reopened.trail, IT, result, forced=True)
        assert verify_local(reopened.trail.repository).ok
    finally:
        reopened.close()


def test_corrupted_backup_and_wrong_passphrase_are_refused_clearly(
    install, tmp_path, clock
) -> None:  # type: ignore[no-untyped-def]
    services, passphrase = install
    seed(services)
    out = tmp_path / "b.enamel-backup"
    create_backup(
        services.installation, out, Wrapping.from_passphrase(passphrase), clock, services.trail, IT
    )
    with pytest.raises(WrongPassphrase, match="does not open"):
        verify_backup(out, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF")
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.enamel-backup"
    bad.write_bytes(bytes(data))
    with pytest.raises(BackupDamaged, match="do not match its checksum"):
        verify_backup(bad, passphrase)
    layout = services.installation.layout
    services.close()
    with pytest.raises(BackupDamaged, match="damaged"):
        restore_backup(layout, KeyringKeyStore(), bad, passphrase, clock, force=True)
    truncated = tmp_path / "short.enamel-backup"
    truncated.write_bytes(out.read_bytes()[:100])
    with pytest.raises(BackupDamaged):
        verify_backup(truncated, passphrase)
    other = tmp_path / "other.enamel-backup"
    other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(BackupDamaged, match="not an Enamel backup"):
        verify_backup(other, passphrase)
    assert open_installation(layout, KeyringKeyStore()).db.path.exists()  # untouched


def test_scheduled_backups_run_daily_verify_and_keep_n(install, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    services, passphrase = install
    inst = services.installation
    folder = tmp_path / "nas"
    enable_scheduled_backups(inst, passphrase, folder, 2, clock, IT)
    for _ in range(3):
        report = run_scheduled_backup(inst, clock, services.trail)
        assert report is not None and report.ok
        assert run_scheduled_backup(inst, clock, services.trail) is None  # not due yet
        clock.advance(86400)
    files = sorted(folder.glob("*.enamel-backup"))
    assert len(files) == 2
    assert verify_backup(files[-1], passphrase).ok  # openable with the passphrase alone
    assert ComplianceRepository(inst.db).last_verified_backup() is not None


def test_database_key_rotation_then_audit_verify_and_reopen(install, clock) -> None:  # type: ignore[no-untyped-def]
    services, passphrase = install
    seed(services)
    inst = services.installation
    old_key = inst.database_key
    before = snapshot(services)
    keystore = KeyringKeyStore()
    with pytest.raises(WrongPassphrase):
        rotate_database_key(inst, keystore, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF", clock, IT)
    rotate_database_key(inst, keystore, passphrase, clock, IT, services.trail)
    assert inst.database_key != old_key
    assert verify_local(services.trail.repository).ok
    layout = inst.layout
    services.close()
    assert keystore.get(inst.identity.keystore_name) == inst.database_key
    reopened = build_services(open_installation(layout, keystore), clock)
    try:
        rows, _settings, key = snapshot(reopened)
        assert rows[: len(before[0])] == before[0] and key == before[2]
        assert verify_local(reopened.trail.repository).ok
    finally:
        reopened.close()
    # The recovery file now holds the new key: recover works with the same passphrase.
    from services.installation import recover

    keystore.delete(inst.identity.keystore_name)
    recover(layout, keystore, passphrase)
    open_installation(layout, keystore).close()


def test_interrupted_database_key_rotation_is_completed(install, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services, passphrase = install
    seed(services)
    inst = services.installation
    keystore = KeyringKeyStore()
    import services.keyrotation.database_key as rotation

    def crash(*args: object, **kw: object) -> bool:
        raise KeyboardInterrupt  # the power goes at the worst moment: after the marker

    real = rotation.complete_rotation
    monkeypatch.setattr(rotation, "complete_rotation", crash)
    with pytest.raises(KeyboardInterrupt):
        rotate_database_key(inst, keystore, passphrase, clock, IT)
    monkeypatch.setattr(rotation, "complete_rotation", real)
    layout = inst.layout
    services.close()
    assert complete_rotation(layout, keystore) is True
    assert complete_rotation(layout, keystore) is False
    reopened = build_services(open_installation(layout, keystore), clock)
    try:
        assert verify_local(reopened.trail.repository).ok
        assert reopened.installation.secrets.require(PSEUDONYM_KEY)
    finally:
        reopened.close()


def test_archive_key_rotation_keeps_old_batches_readable(install, tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from app.archive_setup import archive_keys, archive_sync
    from services.archive.backends import FolderBackend
    from services.archive.verify import verify_archive

    services, passphrase = install
    inst = services.installation
    backend = FolderBackend(tmp_path / "archive")
    seed(services)
    archive_sync(services, backend).sync_once()
    old = inst.secrets.require(ARCHIVE_KEY)
    new_id = rotate_archive_key(inst, passphrase, clock, IT, services.trail)
    assert inst.secrets.require(ARCHIVE_KEY) != old
    seed(services, 5)
    archive_sync(services, backend).sync_once()  # later batches under the new key
    keys = archive_keys(services)
    assert new_id in keys and len(keys) == 2
    report = verify_archive(
        backend, inst.practice_id, inst.workstation_id, keys, services.trail.repository
    )
    assert report.ok, report.problems
    assert verify_local(services.trail.repository).ok
    reminders = {r.name for r in credential_reminders(inst.secrets, inst.settings, clock.now())}
    assert ARCHIVE_KEY in reminders and not any(n.startswith(ARCHIVE_KEY + ".") for n in reminders)


def test_credential_reminders_at_ninety_days(install, clock) -> None:  # type: ignore[no-untyped-def]
    services, _ = install
    inst = services.installation
    inst.secrets.put("pms.developer_key", b"dev", clock.now())
    clock.advance(89 * 86400)
    inst.secrets.put("pms.customer_key", b"cust", clock.now())
    due = {r.name: r.due for r in credential_reminders(inst.secrets, inst.settings, clock.now())}
    assert due["pms.developer_key"] is False
    clock.advance(86400)
    due = {r.name: r.due for r in credential_reminders(inst.secrets, inst.settings, clock.now())}
    assert due["pms.developer_key"] is True and due["pms.customer_key"] is False
    assert PSEUDONYM_KEY not in due
