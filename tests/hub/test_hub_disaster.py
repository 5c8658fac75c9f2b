"""Disaster drills with a practice hub: a joined PC dies, then the hub itself dies.

One `enamel-hub serve` process and two workstations joined with the real `enamel-admin join`;
every backup, restore, revoke and invite is the real `enamel-admin` in its own process, on
the drill's clocks (never the wall clock). The workstations' entries go to the hub through
their own archive job (app/jobs_setup.py). The tests share one office and run in file order.
"""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from services.clock import TEST_EPOCH, ManualClock
from storage.errors import KeyMissing
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout, WorkstationIdentity
from tests.hub.kit import hub_entries, init_hub, invite
from tests.hub.test_hub_archive import caught_up, tune, until
from tests.hub.test_hub_batches import (
    local_head,
    stored,
    verify_practice,
    work,
    workstation_id,
)
from tests.hub.test_workstation_e2e import HUB_START, Hub, check
from tests.support import (
    AdminResult,
    admin_process,
    admin_recovery,
    passphrase_from,
    person_via_cli,
)

pytestmark = pytest.mark.slow


@dataclass
class Office:
    hub: Hub
    passphrase: str  # the hub's recovery passphrase
    pcs: list[Path]
    clocks: list[ManualClock]
    ids: list[str]
    pc_passphrases: list[str]
    base: Path


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    base = tmp_path_factory.mktemp("disaster")
    hub_root, pcs = base / "hub", [base / "pc1", base / "pc2"]
    passphrase = init_hub(hub_root)
    office = Office(Hub(hub_root), passphrase, pcs, [], [], [], base)
    office.hub.start()
    try:
        for i, pc in enumerate(pcs, 1):
            code = invite(hub_root, passphrase, f"PC-{i}")
            joined = admin_process("--data-dir", str(pc), "join", code, "--name", f"PC-{i}")
            assert joined.code == 0, joined.err
            office.pc_passphrases.append(passphrase_from(joined.out))
        office.clocks = [ManualClock(HUB_START) for _ in pcs]
        office.ids = [workstation_id(pc) for pc in pcs]
        yield office
    finally:
        office.hub.stop()  # the hub the tests left there: they restore and move it


def until_hub(office: Office, check: Callable[[], object], what: str) -> None:
    """`until`, with the end of the hub's log in the message when it never comes."""
    try:
        until(check, what)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{office.hub.tail()}") from None


def run(office: Office, i: int, *args: str, stdin: str = "") -> AdminResult:
    """enamel-admin at PC i's data folder, as its own process, at PC i's clock."""
    clock = office.clocks[i]
    clock.advance(60)
    return admin_process(
        "--data-dir", str(office.pcs[i]), "--clock-start", clock.now().isoformat(), *args,
        stdin=stdin,
    )  # fmt: skip


def at_hub(office: Office, *args: str, stdin: str = "") -> AdminResult:
    return admin_process(
        "--data-dir", str(office.hub.root), "--clock-start", HUB_START.isoformat(), *args,
        stdin=stdin,
    )  # fmt: skip


def trail(pc: Path) -> list[tuple[int, str, str]]:
    from services.installation import open_installation
    from storage.audit_repo import AuditRepository

    inst = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        return [(int(s), str(b), str(h)) for s, b, h in AuditRepository(inst.db).rows()]
    finally:
        inst.close()


def hub_batches(office: Office, ws: str) -> dict[str, bytes]:
    from services.installation import open_installation
    from tests.support import key_store

    inst = open_installation(DataLayout(office.hub.root), key_store(office.hub.root))
    try:
        rows = inst.db.connection().execute(
            "SELECT name, data FROM hub_batches WHERE workstation_id = ?", (ws,)
        )
        return {str(r[0]): bytes(r[1]) for r in rows}
    finally:
        inst.close()


def pinned_key(office: Office, ws: str) -> bytes:
    from services.installation import open_installation
    from tests.support import key_store

    inst = open_installation(DataLayout(office.hub.root), key_store(office.hub.root))
    try:
        row = inst.db.connection().execute(
            "SELECT public_key FROM hub_chains WHERE workstation_id = ?", (ws,)
        )
        return bytes(row.fetchone()[0])
    finally:
        inst.close()


def continuous(office: Office, ws: str) -> list[tuple[int, int]]:
    spans = [(first, last) for _, first, last in stored(office, ws)]
    assert spans[0][0] == 1
    assert all(spans[n + 1][0] == spans[n][1] + 1 for n in range(len(spans) - 1)), spans
    return spans


def no_alarm(pc: Path) -> None:
    assert not any('"archive_tamper_detected"' in body for _, body, _ in trail(pc))


def die(office: Office, i: int) -> WorkstationIdentity:
    """PC i's disk dies: its whole data folder and its credential-store entry are gone."""
    identity = WorkstationIdentity.load(DataLayout(office.pcs[i]).identity_file)
    shutil.rmtree(office.pcs[i])
    KeyringKeyStore().delete(identity.keystore_name)
    with pytest.raises(KeyMissing):
        KeyringKeyStore().get(identity.keystore_name)
    return identity


def backup(office: Office, i: int, name: str) -> Path:
    out = office.base / "usb-stick" / name
    out.parent.mkdir(exist_ok=True)
    made = run(office, i, "backup", "create", str(out), "--passphrase-stdin",
               stdin=office.pc_passphrases[i] + "\n")  # fmt: skip
    assert made.code == 0, made.err + made.out
    return out


def test_a_joined_pc_restored_on_a_new_folder_comes_back_joined_and_its_chain_goes_on(
    office: Office,
) -> None:
    assert work(office, 0, 5) == "up to date at the hub"
    monday = backup(office, 0, "pc1-monday.enamel-backup")
    assert work(office, 0, 7) == "up to date at the hub"  # the afternoon: at the hub only
    before = trail(office.pcs[0])
    sent_head = before[-1][0]
    assert stored(office, office.ids[0])[-1][2] == sent_head
    identity = die(office, 0)

    office.pcs[0] = office.base / "pc1-new"
    restored = run(office, 0, "backup", "restore", str(monday), "--passphrase-stdin",
                   stdin=office.pc_passphrases[0] + "\n")  # fmt: skip
    assert restored.code == 0, restored.err + restored.out
    assert "Taken back from the practice hub" in restored.out
    assert f"the trail continues from seq {sent_head}" in restored.out
    assert "It is joined to the practice hub at https://" in restored.out
    new = WorkstationIdentity.load(DataLayout(office.pcs[0]).identity_file)
    assert new.workstation_id == identity.workstation_id
    assert new.install_id != identity.install_id
    after = trail(office.pcs[0])
    assert after[: len(before)] == before  # the afternoon came back from the hub
    assert '"backup_restored"' in after[len(before)][1]

    # It keeps working: its next batch continues the hub's chain under the same pinned key.
    key = pinned_key(office, office.ids[0])
    assert work(office, 0, 4) == "up to date at the hub"
    spans = continuous(office, office.ids[0])
    assert spans[-1][1] == local_head(office.pcs[0]) > sent_head
    assert pinned_key(office, office.ids[0]) == key
    no_alarm(office.pcs[0])
    verified = verify_practice(office)
    assert verified.code == 0, verified.out + verified.err


def test_a_revoked_pc_is_restored_with_a_new_invite_and_keeps_its_chain(office: Office) -> None:
    from tests.hub.test_hub_batches import client

    monday = backup(office, 0, "pc1-tuesday.enamel-backup")
    assert work(office, 0, 3) == "up to date at the hub"
    sent_head = local_head(office.pcs[0])
    old_client = client(office, 0)  # the lost PC's certificate, as a thief would have it
    assert old_client.get("/v1/health")
    revoked = admin_recovery("--data-dir", str(office.hub.root), "hub", "revoke",
                             office.ids[0], passphrase=office.passphrase)  # fmt: skip
    assert revoked.code == 0, revoked.err
    from services.hub.client import HubRefused

    with pytest.raises(HubRefused) as gone:
        old_client.get("/v1/health")
    assert gone.value.status == 403
    die(office, 0)
    office.pcs[0] = office.base / "pc1-third"

    # Its certificate is revoked: without a new code the hub gives nothing, nothing is made.
    refused = run(office, 0, "backup", "restore", str(monday), "--passphrase-stdin",
                  stdin=office.pc_passphrases[0] + "\n")  # fmt: skip
    assert refused.code != 0
    assert "access to the practice hub was withdrawn" in refused.err
    assert "--join CODE" in refused.err
    assert not office.pcs[0].exists() or not any(office.pcs[0].iterdir())

    # An invite under the name the hub lists it by enrols it again: same id, same chain.
    code = invite(office.hub.root, office.passphrase, "PC-1")
    restored = run(office, 0, "backup", "restore", str(monday), "--join", code,
                   "--passphrase-stdin", stdin=office.pc_passphrases[0] + "\n")  # fmt: skip
    assert restored.code == 0, restored.err + restored.out
    assert f"the trail continues from seq {sent_head}" in restored.out
    assert workstation_id(office.pcs[0]) == office.ids[0]
    assert work(office, 0, 2) == "up to date at the hub"
    continuous(office, office.ids[0])
    no_alarm(office.pcs[0])
    with pytest.raises(HubRefused) as old:  # the old certificate is superseded
        old_client.get("/v1/health")
    assert old.value.status == 401
    listed = at_hub(office, "hub", "workstations")
    assert listed.code == 0, listed.err
    line = next(x for x in listed.out.splitlines() if office.ids[0] in x)
    assert "revoked" not in line

    # An invite under another name does not take over a joined workstation's id.
    other = invite(office.hub.root, office.passphrase, "PC-NEW")
    again = run(office, 0, "join", other, "--again", "--recovery-passphrase-stdin",
                stdin=office.pc_passphrases[0] + "\n")  # fmt: skip
    assert again.code != 0
    assert "joined already" in again.err
    assert work(office, 0, 1) == "up to date at the hub"  # still enrolled as before


def _kill(hub: Hub) -> None:
    assert hub.proc is not None
    hub.proc.send_signal(signal.SIGKILL)
    hub.proc.wait(timeout=60)


def test_the_hub_dies_is_restored_from_an_older_backup_and_the_workstations_catch_up(
    office: Office,
) -> None:
    from services.archive.backends import ArchiveUnavailable
    from storage.service_keystore import uses_service_keys

    # The hub forwards every chain (and its own trail) to the practice's write-once archive.
    office.hub.stop()
    made = admin_recovery("--data-dir", str(office.hub.root), "archive", "set", "folder",
                          str(office.base / "nas" / "archive"), passphrase=office.passphrase)  # fmt: skip
    assert made.code == 0, made.err
    tune(office.hub.root)
    office.hub.start()
    # A receptionist added at the hub signs in at PC-2 while it answers (PC-2 caches her).
    dana = person_via_cli(office.hub.root, office.passphrase, "dana", "front_desk",
                          ManualClock(TEST_EPOCH + timedelta(minutes=1)))  # fmt: skip
    online = check(office.pcs[1], dana)
    assert online.code == 0, online.err
    assert "Practice hub: connected" in online.out
    for i in (0, 1):
        assert work(office, i, 3) == "up to date at the hub"
    hub_backup = office.base / "hub-nas" / "hub-monday.enamel-backup"
    hub_backup.parent.mkdir()
    made = at_hub(office, "backup", "create", str(hub_backup), "--passphrase-stdin",
                  stdin=office.passphrase + "\n")  # fmt: skip
    assert made.code == 0, made.err + made.out
    at_backup = {ws: set(hub_batches(office, ws)) for ws in office.ids}

    # More work after the hub's backup: the hub holds it, the backup does not.
    for i in (0, 1):
        assert work(office, i, 4) == "up to date at the hub"
    held = {ws: hub_batches(office, ws) for ws in office.ids}
    for ws in office.ids:
        assert set(held[ws]) > at_backup[ws]
    until_hub(office, lambda: caught_up(office), "the hub to forward every chain to the archive")

    # The hub's machine dies: the process, its folder and its key file are gone.
    port = office.hub.port
    _kill(office.hub)
    shutil.rmtree(office.hub.root)
    # Meanwhile the workstations keep working: she signs in offline, batches wait at each PC.
    offline = check(office.pcs[1], dana)
    assert offline.code == 0, offline.err
    assert "Practice hub: offline (cached sign-in)" in offline.out
    for i in (0, 1):
        with pytest.raises(ArchiveUnavailable):
            work(office, i, 2)

    # IT restores the hub's backup on a fresh folder with the recovery passphrase only.
    new_root = office.base / "hub-restored"
    restored = admin_process(
        "--data-dir", str(new_root), "--clock-start", HUB_START.isoformat(), "backup",
        "restore", str(hub_backup), "--passphrase-stdin", stdin=office.passphrase + "\n",
    )  # fmt: skip
    assert restored.code == 0, restored.err + restored.out
    assert uses_service_keys(new_root)  # the hub's key went to a service key file again
    identity = WorkstationIdentity.load(DataLayout(new_root).identity_file)
    with pytest.raises(KeyMissing):
        KeyringKeyStore().get(identity.keystore_name)  # not into this user's keyring
    hub = Hub(new_root)
    hub.port = port  # on the same port: the workstations' hub.json stays right
    hub._started = office.hub._started
    office.hub = hub
    hub.start()
    # Behind the workstations at first; its start-up takes back from its archive what it had
    # forwarded there (tests/hub/test_hub_restored.py: also for a PC that died with it).
    until_hub(
        office,
        lambda: all(set(hub_batches(office, ws)) == set(held[ws]) for ws in office.ids),
        "the restored hub to take back from its archive",
    )

    # The workstations' next rounds send what waited at each PC.
    for i in (0, 1):
        assert work(office, i, 1) == "up to date at the hub"
    for i, ws in enumerate(office.ids):
        spans = continuous(office, ws)
        assert spans[-1][1] == local_head(office.pcs[i])
        now_held = hub_batches(office, ws)
        for name, data in held[ws].items():
            assert now_held[name] == data  # byte for byte the batches sent before
        no_alarm(office.pcs[i])
    # The accounts came back with the hub: she signs in online again.
    back = check(office.pcs[1], dana)
    assert back.code == 0, back.err
    assert "Practice hub: connected" in back.out
    # The restored hub forwards again what it holds; the archive has the same bytes already.
    until_hub(office, lambda: caught_up(office), "the restored hub to reach the archive's head")
    assert not [e for e in hub_entries(new_root) if e["action"] == "archive_tamper_detected"]
    verified = verify_practice(office)
    assert verified.code == 0, verified.out + verified.err
    assert "Practice audit trail OK: 2 workstations." in verified.out


class HubAt(Hub):
    """The hub listening on another address of this machine (127.0.0.2: another loopback)."""

    def __init__(self, root: Path, host: str, like: Hub) -> None:
        super().__init__(root)
        self.host = host
        self._started = like._started  # its clock goes on where the old one was

    def args(self) -> list[str]:
        return [*super().args(), "--host", self.host]

    def start(self, expect: str = "") -> None:
        super().start(expect or f"listening https://{self.host}:")


def test_workstations_are_pointed_at_a_hub_at_another_address_with_a_fresh_invite(
    office: Office,
) -> None:
    """The restored hub must listen on another address: `hub address` gives it a certificate
    naming it, a fresh invite per PC carries it, `enamel-admin join CODE --again` there points
    the PC at it; the chain goes on, nothing is sent twice."""
    office.hub.stop()
    moved = HubAt(office.hub.root, "127.0.0.2", office.hub)
    moved.start()
    office.hub = moved
    code = invite(office.hub.root, office.passphrase, "PC-1")
    assert "127.0.0.1" in _code_url(code)  # the invite still names the old address
    # A code naming the new address before the certificate does: refused by the PC's check.
    readdress = admin_recovery("--data-dir", str(office.hub.root), "hub", "address",
                               "--address", "127.0.0.2", "--port", str(moved.port),
                               passphrase=office.passphrase)  # fmt: skip
    assert readdress.code == 0, readdress.err
    assert "https://127.0.0.2:" in readdress.out
    early = invite(office.hub.root, office.passphrase, "PC-1")
    refused = run(office, 0, "join", early, "--again", "--recovery-passphrase-stdin",
                  stdin=office.pc_passphrases[0] + "\n")  # fmt: skip
    assert refused.code != 0  # the running hub still serves the old certificate
    assert "not accepted for that address" in refused.err  # its TLS name check: nothing sent
    assert json.loads((office.pcs[0] / "hub.json").read_text())["url"].startswith(
        "https://127.0.0.1:"
    )  # nothing changed at the PC
    office.hub.stop()
    office.hub.start()  # now with the certificate naming 127.0.0.2
    for i in (0, 1):
        code = invite(office.hub.root, office.passphrase, f"PC-{i + 1}")
        assert _code_url(code) == f"https://127.0.0.2:{office.hub.port}"
        again = run(office, i, "join", code, "--again", "--recovery-passphrase-stdin",
                    stdin=office.pc_passphrases[i] + "\n")  # fmt: skip
        assert again.code == 0, again.err + again.out
        member = json.loads((office.pcs[i] / "hub.json").read_text())
        assert member["url"] == f"https://127.0.0.2:{office.hub.port}"
        assert work(office, i, 2) == "up to date at the hub"
        continuous(office, office.ids[i])
        no_alarm(office.pcs[i])
    assert verify_practice(office).code == 0


def _code_url(code: str) -> str:
    from services.hub import joincode

    return joincode.decode(code).url
