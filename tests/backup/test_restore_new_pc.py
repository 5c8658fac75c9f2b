"""Restoring on a new PC refuses what it must, and then leaves nothing behind: an archive that
does not check out after the backup, an archive that cannot be reached, a wrong passphrase."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.archive_setup import archive_sync
from app.bootstrap import Services, build_services
from services.access import Actor, ActorType, Role
from services.archive.backends import FolderBackend
from services.archive.settings import ArchiveSettings, write_s3_keys
from services.archive.take_back import TakeBackRefused
from services.backup.create import create_backup
from services.backup.errors import BackupRefused
from services.backup.file_format import Wrapping
from services.backup.restore import restore_backup
from services.clock import ManualClock
from services.installation import initialise, open_installation
from storage.errors import WrongPassphrase
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.archive.conftest import ACCESS, SECRET, S3Server, add_entries
from tests.archive.conftest import s3 as s3  # the fixture, for this folder's tests
from tests.backup.test_disaster_drill import FRONT_DESK


@dataclass
class WatchedKeyStore:
    """The real credential store, with a note of every name put and deleted."""

    inner: KeyringKeyStore = field(default_factory=KeyringKeyStore)
    put_names: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def get(self, name: str) -> bytes:
        return self.inner.get(name)

    def put(self, name: str, secret: bytes) -> None:
        self.put_names.append(name)
        self.inner.put(name, secret)

    def delete(self, name: str) -> None:
        self.deleted.append(name)
        self.inner.delete(name)


@dataclass
class DeadPc:
    backup: Path
    passphrase: str
    backup_seq: int
    fresh: DataLayout


def lose_the_pc(
    services: Services, clock: ManualClock, tmp_path: Path, batches_after: int
) -> DeadPc:
    """Work, sync, back up, then `batches_after` more synced batches; the disk dies."""
    inst = services.installation
    passphrase = "TESTS-0NLY0-RECVR-PASS0-PHRAS-E0001"
    from services.installation import rewrap_recovery

    rewrap_recovery(inst, passphrase)
    add_entries(services, 12)
    archive_sync(services).sync_once()
    backup = tmp_path / "b.enamel-backup"
    info = create_backup(
        inst, backup, Wrapping.from_passphrase(passphrase), clock, services.trail, FRONT_DESK
    )
    for _ in range(batches_after):
        clock.advance(60)
        add_entries(services, 5)
        archive_sync(services).sync_once()
    root, name = inst.layout.root, inst.identity.keystore_name
    services.close()
    shutil.rmtree(root)
    KeyringKeyStore().delete(name)
    return DeadPc(backup, passphrase, info.last_seq, DataLayout(tmp_path / "new-pc"))


def assert_nothing_left(fresh: DataLayout, keystore: WatchedKeyStore) -> None:
    assert not any(p.exists() for p in fresh.database_files())
    assert not fresh.identity_file.exists() and not fresh.recovery_file.exists()
    assert list(fresh.root.glob("*.restore*")) == []
    assert keystore.put_names and keystore.deleted == keystore.put_names


@pytest.fixture
def office(data_dir: Path, clock: ManualClock, tmp_path: Path):  # type: ignore[no-untyped-def]
    result = initialise(DataLayout(data_dir), KeyringKeyStore(), "test-practice", clock)
    services = build_services(result.installation, clock)
    ArchiveSettings.folder(tmp_path / "nas").write(services.installation.settings, clock.now())
    yield services


def batch_files(nas: Path) -> list[Path]:
    return sorted(p for p in nas.rglob("[0-9]*-[0-9]*") if p.is_file())


@pytest.mark.parametrize("tamper", ["altered", "withheld", "reordered"])
def test_an_archive_that_does_not_check_out_after_the_backup_is_refused(
    office: Services, clock: ManualClock, tmp_path: Path, tamper: str
) -> None:
    dead = lose_the_pc(office, clock, tmp_path, batches_after=3)
    files = batch_files(tmp_path / "nas")
    assert len(files) == 4  # one before the backup, three after
    if tamper == "altered":  # one byte of a later batch's ciphertext
        target = files[2]
        os.chmod(target, stat.S_IWUSR | stat.S_IRUSR)
        data = bytearray(target.read_bytes())
        at = data.index(b'"ciphertext":"') + 20
        data[at] = ord("A") if data[at] != ord("A") else ord("B")
        target.write_bytes(bytes(data))
    elif tamper == "withheld":  # a batch in the middle is gone
        files[2].unlink()
    else:  # a later batch put in an earlier one's place
        os.chmod(files[1], stat.S_IWUSR | stat.S_IRUSR)
        files[1].write_bytes(files[3].read_bytes())
    keystore = WatchedKeyStore()
    with pytest.raises(TakeBackRefused, match=r"cannot be taken back\. Nothing was changed"):
        restore_backup(dead.fresh, keystore, dead.backup, dead.passphrase, clock)
    assert_nothing_left(dead.fresh, keystore)


def test_the_untouched_archive_is_taken_back_whole(
    office: Services, clock: ManualClock, tmp_path: Path
) -> None:
    dead = lose_the_pc(office, clock, tmp_path, batches_after=3)
    keystore = WatchedKeyStore()
    result = restore_backup(dead.fresh, keystore, dead.backup, dead.passphrase, clock)
    assert result.new_pc and result.taken_back.batches == 3
    assert result.taken_back.head_seq == dead.backup_seq + result.taken_back.entries
    inst = open_installation(dead.fresh, keystore)
    try:
        backend = FolderBackend(tmp_path / "nas")
        assert inst.settings.get("archive.folder.path") == str(tmp_path / "nas")
        assert keystore.deleted == []
        from storage.archive_repo import ArchiveRepository

        assert ArchiveRepository(inst.db).cursor()[0] == result.taken_back.head_seq
        assert len(batch_files(backend.root)) == 4
    finally:
        inst.close()


def test_a_wrong_passphrase_on_a_new_pc_changes_nothing(
    office: Services, clock: ManualClock, tmp_path: Path
) -> None:
    dead = lose_the_pc(office, clock, tmp_path, batches_after=1)
    keystore = WatchedKeyStore()
    with pytest.raises(WrongPassphrase):
        restore_backup(
            dead.fresh, keystore, dead.backup, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF", clock
        )
    assert keystore.put_names == []
    assert not dead.fresh.identity_file.exists() and not dead.fresh.database.exists()


def test_an_unreachable_archive_refuses_the_restore_until_it_answers(
    office: Services, clock: ManualClock, tmp_path: Path, s3: S3Server
) -> None:
    s3.bucket("restore-audit")
    inst = office.installation
    ArchiveSettings.s3(s3.url, "restore-audit").write(inst.settings, clock.now())
    write_s3_keys(inst.secrets, ACCESS, SECRET, clock.now())
    dead = lose_the_pc(office, clock, tmp_path, batches_after=2)
    s3.stop()
    keystore = WatchedKeyStore()
    with pytest.raises(BackupRefused, match="could not be taken back from the archive"):
        restore_backup(dead.fresh, keystore, dead.backup, dead.passphrase, clock)
    assert_nothing_left(dead.fresh, keystore)
    s3.start_again()
    result = restore_backup(dead.fresh, WatchedKeyStore(), dead.backup, dead.passphrase, clock)
    assert result.taken_back.batches == 2


def test_a_backup_older_than_an_archive_key_rotation_says_so(
    office: Services, clock: ManualClock, tmp_path: Path
) -> None:
    """A known limit on a single PC: the rotated key was escrowed in the lost recovery file."""
    from services.keyrotation.archive_key import rotate_archive_key

    inst = office.installation
    passphrase = "TESTS-0NLY0-RECVR-PASS0-PHRAS-E0001"
    from services.installation import rewrap_recovery

    rewrap_recovery(inst, passphrase)
    add_entries(office, 5)
    archive_sync(office).sync_once()
    backup = tmp_path / "b.enamel-backup"
    create_backup(
        inst, backup, Wrapping.from_passphrase(passphrase), clock, office.trail, FRONT_DESK
    )
    it = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)
    rotate_archive_key(inst, passphrase, clock, it, office.trail)
    add_entries(office, 5)
    archive_sync(office).sync_once()
    root, name = inst.layout.root, inst.identity.keystore_name
    office.close()
    shutil.rmtree(root)
    KeyringKeyStore().delete(name)
    keystore = WatchedKeyStore()
    fresh = DataLayout(tmp_path / "new-pc")
    with pytest.raises(TakeBackRefused, match="rotated after the backup"):
        restore_backup(fresh, keystore, backup, passphrase, clock)
    assert_nothing_left(fresh, keystore)


def test_a_new_pc_set_up_first_is_told_to_restore_into_an_empty_folder(
    office: Services, clock: ManualClock, tmp_path: Path
) -> None:
    dead = lose_the_pc(office, clock, tmp_path, batches_after=1)
    made = initialise(dead.fresh, KeyringKeyStore(), "test-practice", clock)  # the wizard ran
    made.installation.close()
    with pytest.raises(BackupRefused, match="restore into an empty data folder"):
        restore_backup(dead.fresh, KeyringKeyStore(), dead.backup, dead.passphrase, clock)
    reopened = open_installation(dead.fresh, KeyringKeyStore())  # untouched
    assert reopened.workstation_id == made.installation.workstation_id
    reopened.close()
