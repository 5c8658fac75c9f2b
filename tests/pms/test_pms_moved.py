"""enamel-admin pms set, pointing a PC that already worked with one Open Dental at another:
what it read from the old one is forgotten, and changes still waiting for the old one are
never sent to the new one unless IT says it is the same database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.clock import ManualClock
from services.installation import Installation, open_installation
from services.pms.directory import PatientDirectory
from services.pms.settings import PmsSettings
from services.pms.simulator import SimulatorServer
from storage.contacts_repo import ContactsRepository
from storage.desk_repo import DeskRepository
from storage.layout import DataLayout
from storage.pms_writes_repo import PENDING, REFUSED, PmsWritesRepository
from tests.sim_client import client_to
from tests.support import AdminResult, admin, admin_recovery, key_store, passphrase_from

OTHER = "http://127.0.0.1:9/api/v1"  # another Open Dental (nothing needs to answer there)


@contextmanager
def installation(root: Path) -> Iterator[Installation]:
    inst = open_installation(DataLayout(root), key_store(root))
    try:
        yield inst
    finally:
        inst.close()


def point_at(root: Path, passphrase: str, url: str, *flags: str, keys: str = "") -> AdminResult:
    extra = ("--keys-stdin",) if keys else ()
    return admin_recovery(
        "--data-dir", str(root), "pms", "set", "--mode", "url", "--url", url, *flags, *extra,
        passphrase=passphrase, stdin=keys,
    )  # fmt: skip


def set_up_with_history(sim: SimulatorServer, root: Path) -> tuple[str, int]:
    """A PC that read the simulator's patients and a day, and has one change waiting."""
    init = admin("--data-dir", str(root), "init", "--practice-id", "pms-moved")
    assert init.code == 0, init.err
    passphrase = passphrase_from(init.out)
    keys = f"{sim.developer_key}\n{sim.customer_key}\n"
    assert point_at(root, passphrase, sim.url, keys=keys).code == 0
    clock = ManualClock()
    with installation(root) as inst:
        client = client_to(sim)
        try:
            PatientDirectory(ContactsRepository(inst.db), clock).refresh(client, force=True)
        finally:
            client.close()
        DeskRepository(inst.db).cache_put("schedule", "2026-11-23", "[]", clock.now())
        write = PmsWritesRepository(inst.db).add(
            "appointment_break", "apt:17", "{}", "user_front", "front_desk", clock.now()
        )
        assert ContactsRepository(inst.db).count() > 0
    return passphrase, write


def test_changes_waiting_for_the_old_open_dental_stop_the_move(
    sim: SimulatorServer, data_dir: Path
) -> None:
    passphrase, write = set_up_with_history(sim, data_dir)
    refused = point_at(data_dir, passphrase, OTHER)
    assert refused.code == 2
    assert "1 change(s)" in refused.err and "--same-database" in refused.err
    with installation(data_dir) as inst:
        assert PmsSettings.read(inst.settings).url() == sim.url  # nothing was changed
        assert PmsWritesRepository(inst.db).state(write) == PENDING
        assert ContactsRepository(inst.db).count() > 0
    # New keys for the same address are another office's database too.
    other_keys = point_at(data_dir, passphrase, sim.url, keys="dev\nanother-customer\n")
    assert other_keys.code == 2 and "still waiting" in other_keys.err


def test_the_same_database_at_a_new_address_keeps_everything(
    sim: SimulatorServer, data_dir: Path
) -> None:
    passphrase, write = set_up_with_history(sim, data_dir)
    moved = point_at(data_dir, passphrase, OTHER, "--same-database")
    assert moved.code == 0, moved.err
    assert "removed" not in moved.out
    with installation(data_dir) as inst:
        assert PmsSettings.read(inst.settings).url() == OTHER
        assert PmsWritesRepository(inst.db).state(write) == PENDING  # sent to the new address
        assert ContactsRepository(inst.db).count() > 0
        assert DeskRepository(inst.db).cache_get("schedule", "2026-11-23") is not None


def test_another_database_forgets_what_was_read_and_gives_up_what_waits(
    sim: SimulatorServer, data_dir: Path
) -> None:
    passphrase, write = set_up_with_history(sim, data_dir)
    moved = point_at(data_dir, passphrase, OTHER, "--drop-pending-writes")
    assert moved.code == 0, moved.err
    assert "were removed" in moved.out and "1 change(s) waiting" in moved.out
    with installation(data_dir) as inst:
        assert PmsSettings.read(inst.settings).url() == OTHER
        assert PmsWritesRepository(inst.db).state(write) == REFUSED  # kept as a record
        assert PmsWritesRepository(inst.db).pending() == []
        assert ContactsRepository(inst.db).count() == 0
        assert DeskRepository(inst.db).cache_get("schedule", "2026-11-23") is None
    # Set again to the same place: nothing more is forgotten or said.
    again = point_at(data_dir, passphrase, OTHER)
    assert again.code == 0 and "removed" not in again.out
