"""The disaster drill: a workstation's disk dies after its last backup; IT restores on a new PC.

Every step is the real `enamel-admin` in its own process, as IT runs it: init, archive set,
backup create, archive sync; then the whole data folder and its credential-store entry are
deleted; `backup restore` on a fresh folder with only the recovery passphrase; work goes on;
`archive sync`; `audit verify --archive` passes across the restore with no gap and no alarm.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.access import Actor, ActorType, Role
from services.archive.backends import ArchiveBackend, FolderBackend
from services.audit import AuditEvent, RecordKind
from services.clock import ManualClock
from storage.errors import KeyMissing
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout, WorkstationIdentity
from tests.archive.conftest import ACCESS, SECRET, S3Server
from tests.archive.conftest import s3 as s3  # the fixture, for this folder's tests
from tests.support import TEMPORARY_PASSWORD, AdminResult, admin_process, passphrase_from

FRONT_DESK = Actor("user_drill_front_desk", ActorType.HUMAN, Role.FRONT_DESK)


def run(clock: ManualClock, *args: str, stdin: str = "") -> AdminResult:
    """One enamel-admin process at the drill's clock (never the wall clock), a minute later."""
    clock.advance(60)
    return admin_process("--clock-start", clock.now().isoformat(), *args, stdin=stdin)


def work(root: Path, clock: ManualClock, patients: range) -> None:
    """A receptionist's reads of the schedule: audit entries with pseudonymous patients."""
    from app.bootstrap import build_services
    from services.installation import open_installation

    clock.advance(60)
    services = build_services(open_installation(DataLayout(root), KeyringKeyStore()), clock)
    try:
        trail = services.trail
        refs = [trail.ref(RecordKind.PATIENT, n) for n in patients]
        trail.append_batch(
            [
                AuditEvent(
                    action="schedule_read",
                    actor=FRONT_DESK,
                    resource_type="appointment",
                    patient_id=ref,
                    purpose="schedule",
                    fields=("date_time",),
                )
                for ref in refs
            ],
            [(ref, RecordKind.PATIENT, n) for ref, n in zip(refs, patients, strict=True)],
        )
    finally:
        services.close()


def trail_rows(root: Path, clock: ManualClock) -> list[tuple[int, str, str]]:
    from services.installation import open_installation

    inst = open_installation(DataLayout(root), KeyringKeyStore())
    try:
        from storage.audit_repo import AuditRepository

        return list(AuditRepository(inst.db).rows())
    finally:
        inst.close()


@pytest.fixture(params=["folder", "s3"])
def archive(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[list[str], str, ArchiveBackend]]:
    """(the `archive set` arguments, their standard input, a reader of the same archive)."""
    if request.param == "folder":
        nas = tmp_path / "nas" / "enamel-archive"
        yield ["archive", "set", "folder", str(nas)], "", FolderBackend(nas)
        return
    server: S3Server = request.getfixturevalue("s3")
    backend = server.bucket("drill-audit")
    args = [
        "archive",
        "set",
        "s3",
        "--endpoint",
        server.url,
        "--bucket",
        "drill-audit",
        "--keys-stdin",
    ]
    yield args, f"{ACCESS}\n{SECRET}\n", backend


def test_a_dead_pc_is_restored_from_an_older_backup_and_its_chain_goes_on(
    tmp_path: Path, archive: tuple[list[str], str, ArchiveBackend]
) -> None:
    set_args, set_stdin, backend = archive
    clock = ManualClock()
    old_pc, new_pc = tmp_path / "old-pc" / "enamel", tmp_path / "new-pc" / "enamel"
    backups = tmp_path / "usb-stick"
    backups.mkdir()

    # The office's workstation: set up, archive configured, a morning's work, backed up.
    made = run(clock, "--data-dir", str(old_pc), "init", "--practice-id", "drill-dental")
    assert made.code == 0, made.err
    passphrase = passphrase_from(made.out)
    configured = run(
        clock, "--data-dir", str(old_pc), *set_args, "--recovery-passphrase-stdin",
        stdin=f"{passphrase}\n{set_stdin}",
    )  # fmt: skip
    assert configured.code == 0, configured.err + configured.out
    work(old_pc, clock, range(1, 21))
    assert run(clock, "--data-dir", str(old_pc), "archive", "sync").code == 0
    work(old_pc, clock, range(21, 31))  # not archived yet when the backup is made
    backup = backups / "monday.enamel-backup"
    made_backup = run(
        clock, "--data-dir", str(old_pc), "backup", "create", str(backup), "--passphrase-stdin",
        stdin=passphrase + "\n",
    )  # fmt: skip
    assert made_backup.code == 0, made_backup.err + made_backup.out
    backup_seq = json.loads(_header(backup))["last_seq"]

    # The afternoon: more work, archived. Then the disk dies after the last sync.
    work(old_pc, clock, range(31, 61))
    synced = run(clock, "--data-dir", str(old_pc), "archive", "sync")
    assert synced.code == 0, synced.err
    before = trail_rows(old_pc, clock)
    archived_head = before[-1][0]
    assert archived_head > backup_seq + 20  # the backup is well behind the archive
    identity = WorkstationIdentity.load(DataLayout(old_pc).identity_file)
    shutil.rmtree(old_pc.parent)
    KeyringKeyStore().delete(identity.keystore_name)
    with pytest.raises(KeyMissing):
        KeyringKeyStore().get(identity.keystore_name)

    # IT restores the older backup on a new PC's empty folder, with the passphrase only.
    restored = run(
        clock, "--data-dir", str(new_pc), "backup", "restore", str(backup), "--passphrase-stdin",
        stdin=passphrase + "\n",
    )  # fmt: skip
    assert restored.code == 0, restored.err + restored.out
    assert f"the trail continues from seq {archived_head}" in restored.out
    assert identity.workstation_id in restored.out
    new_identity = WorkstationIdentity.load(DataLayout(new_pc).identity_file)
    assert new_identity.workstation_id == identity.workstation_id
    assert new_identity.install_id != identity.install_id  # a new credential-store entry
    assert KeyringKeyStore().get(new_identity.keystore_name)
    after_restore = trail_rows(new_pc, clock)
    assert after_restore[: len(before)] == before  # the afternoon came back from the archive
    assert '"backup_restored"' in after_restore[len(before)][1]
    assert after_restore[len(before)][0] == archived_head + 1

    # Work goes on at the new PC; sync continues after the archived head, without an alarm.
    work(new_pc, clock, range(61, 71))
    added = run(
        clock, "--data-dir", str(new_pc), "user", "add", "it-bob", "--role", "it_admin",
        "--password-stdin", "--recovery-passphrase-stdin",
        stdin=f"{passphrase}\n{TEMPORARY_PASSWORD}\n",
    )  # fmt: skip
    assert added.code == 0, added.err + added.out  # the same passphrase proves IT here now
    synced = run(clock, "--data-dir", str(new_pc), "archive", "sync")
    assert synced.code == 0, synced.err + synced.out
    assert "0 waiting" in synced.out
    verified = run(clock, "--data-dir", str(new_pc), "audit", "verify", "--archive")
    assert verified.code == 0, verified.out + verified.err
    assert "Archive OK" in verified.out
    full = run(clock, "--data-dir", str(new_pc), "archive", "verify", "--full")
    assert full.code == 0 and "Archive OK" in full.out, full.out
    final = trail_rows(new_pc, clock)
    assert [seq for seq, _, _ in final] == list(range(1, len(final) + 1))  # no gap
    assert not any('"archive_tamper_detected"' in body for _, body, _ in final)
    prefix = f"drill-dental/{identity.workstation_id}/"
    names = sorted({v.name for v in backend.versions(prefix)} - {prefix + "signing-key.pub"})
    spans = [tuple(int(x) for x in n.rsplit("/", 1)[1].split("-")) for n in names]
    assert spans[0][0] == 1 and spans[-1][1] == final[-1][0]
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(spans))  # no overlap

    # The recovery passphrase still recovers the new PC (its recovery file was written).
    KeyringKeyStore().delete(new_identity.keystore_name)
    recovered = run(
        clock, "--data-dir", str(new_pc), "recover", "--passphrase-stdin", stdin=passphrase + "\n"
    )
    assert recovered.code == 0, recovered.err + recovered.out


def _header(path: Path) -> bytes:
    import struct

    data = path.read_bytes()
    start = len(b"ENAMEL-BACKUP-1\n")
    (length,) = struct.unpack(">I", data[start : start + 4])
    return data[start + 4 : start + 4 + length]
