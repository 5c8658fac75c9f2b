"""A hub restored from an older backup is made whole again: from its archive, and by its PCs.

Real `enamel-hub serve` processes, workstations joined with the real `enamel-admin join`,
the hub's backup and restore with the real `enamel-admin`; the workstations' entries go to
the hub through their own archive job. Each test has an office of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from services.clock import ManualClock
from tests.hub.kit import hub_entries, init_hub, invite
from tests.hub.test_hub_archive import caught_up, rows, tune, until
from tests.hub.test_hub_batches import local_head, verify_practice, work, workstation_id
from tests.hub.test_hub_disaster import (
    Office,
    _kill,
    at_hub,
    continuous,
    die,
    hub_batches,
    no_alarm,
)
from tests.hub.test_workstation_e2e import HUB_START, Hub
from tests.support import admin_process, admin_recovery, passphrase_from

pytestmark = pytest.mark.slow


def _office(base: Path, *, archive: bool, pcs: int) -> Office:
    hub_root = base / "hub"
    passphrase = init_hub(hub_root)
    if archive:
        made = admin_recovery("--data-dir", str(hub_root), "archive", "set", "folder",
                              str(base / "nas" / "archive"), passphrase=passphrase)  # fmt: skip
        assert made.code == 0, made.err
    tune(hub_root)
    hub = Hub(hub_root)
    hub.start()
    folders, phrases = [base / f"pc{i}" for i in range(1, pcs + 1)], []
    for i, pc in enumerate(folders, 1):
        code = invite(hub_root, passphrase, f"PC-{i}")
        joined = admin_process("--data-dir", str(pc), "join", code, "--name", f"PC-{i}")
        assert joined.code == 0, joined.err
        phrases.append(passphrase_from(joined.out))
    clocks = [ManualClock(HUB_START) for _ in folders]
    return Office(hub, passphrase, folders, clocks, [workstation_id(pc) for pc in folders],
                  phrases, base)  # fmt: skip


@pytest.fixture
def archived(tmp_path: Path) -> Iterator[Office]:
    office = _office(tmp_path, archive=True, pcs=2)
    try:
        yield office
    finally:
        office.hub.stop()


@pytest.fixture
def unarchived(tmp_path: Path) -> Iterator[Office]:
    office = _office(tmp_path, archive=False, pcs=1)
    try:
        yield office
    finally:
        office.hub.stop()


def _backup_hub(office: Office) -> Path:
    out = office.base / "hub-nas" / "hub.enamel-backup"
    out.parent.mkdir()
    made = at_hub(office, "backup", "create", str(out), "--passphrase-stdin",
                  stdin=office.passphrase + "\n")  # fmt: skip
    assert made.code == 0, made.err + made.out
    return out


def _hub_dies_and_is_restored(office: Office, backup: Path, before: Sequence[Path] = ()) -> None:
    """The hub's machine dies (process, folder, key file); `before` PCs die with it; IT
    restores the backup on a fresh folder and starts the hub on the same port."""
    port = office.hub.port
    _kill(office.hub)
    shutil.rmtree(office.hub.root)
    for pc in before:
        die(office, office.pcs.index(pc))
    new_root = office.base / "hub-restored"
    restored = admin_process(
        "--data-dir", str(new_root), "--clock-start", HUB_START.isoformat(), "backup",
        "restore", str(backup), "--passphrase-stdin", stdin=office.passphrase + "\n",
    )  # fmt: skip
    assert restored.code == 0, restored.err + restored.out
    hub = Hub(new_root)
    hub.port = port  # the workstations' hub.json stays right
    hub._started = office.hub._started
    office.hub = hub
    hub.start()


def test_a_restored_hub_takes_back_from_its_archive_what_a_pc_that_died_with_it_sent(
    archived: Office,
) -> None:
    office = archived
    for i in (0, 1):
        assert work(office, i, 3) == "up to date at the hub"
    until(lambda: caught_up(office), "the hub to forward every chain to the archive")
    backup = _backup_hub(office)
    at_backup = {ws: set(hub_batches(office, ws)) for ws in office.ids}
    # More work after the backup, forwarded to the archive: in the archive, not in the backup.
    for i in (0, 1):
        assert work(office, i, 4) == "up to date at the hub"
    until(lambda: caught_up(office), "the hub to forward the afternoon to the archive")
    held = {ws: hub_batches(office, ws) for ws in office.ids}
    for ws in office.ids:
        assert set(held[ws]) > at_backup[ws]
    pc2_head = local_head(office.pcs[1])

    # PC-2 was in the same room: it dies with the hub. Its batches live on in the archive only.
    _hub_dies_and_is_restored(office, backup, before=[office.pcs[1]])

    # The restored hub takes back from the archive, per chain, what it had forwarded there.
    until(
        lambda: all(hub_batches(office, ws) == held[ws] for ws in office.ids),
        "the restored hub to take back both chains from its archive",
    )
    pc2 = office.ids[1]
    assert continuous(office, pc2)[-1][1] == pc2_head  # nothing of PC-2's chain lost
    listed = rows(office)
    assert listed[pc2]["archived_seq"] == listed[pc2]["last_seq"] == pc2_head  # marked archived
    # PC-1 lived: its next round finds its batches there already (no re-send, no alarm).
    assert work(office, 0, 1) == "up to date at the hub"
    assert continuous(office, office.ids[0])[-1][1] == local_head(office.pcs[0])
    no_alarm(office.pcs[0])
    until(lambda: caught_up(office), "the restored hub to forward PC-1's new batch")
    taken = [e for e in hub_entries(office.hub.root) if e["action"] == "hub_take_back_refused"]
    assert not taken
    assert not [e for e in hub_entries(office.hub.root) if e["action"] == "archive_tamper_detected"]
    verified = verify_practice(office)
    assert verified.code == 0, verified.out + verified.err
    assert "Practice audit trail OK: 2 workstations." in verified.out


def test_a_pc_with_no_new_entries_sends_a_hub_restored_behind_it_what_it_lost(
    unarchived: Office,
) -> None:
    office = unarchived
    assert work(office, 0, 3) == "up to date at the hub"
    backup = _backup_hub(office)
    assert work(office, 0, 4) == "up to date at the hub"
    ws = office.ids[0]
    held = hub_batches(office, ws)
    head = local_head(office.pcs[0])

    _hub_dies_and_is_restored(office, backup)  # no archive: nothing to take back from
    assert set(hub_batches(office, ws)) < set(held)  # behind the PC

    # The PC's next round has nothing new to send; its head report learns where the hub's
    # copy ends, and the batches the hub lost go again.
    assert work(office, 0, 0) == "up to date at the hub"
    assert local_head(office.pcs[0]) == head  # no new entry: no new batch was refused
    assert hub_batches(office, ws) == held  # byte for byte what it had
    assert continuous(office, ws)[-1][1] == head
    no_alarm(office.pcs[0])
