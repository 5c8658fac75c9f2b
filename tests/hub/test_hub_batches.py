"""The chains flow to the hub: one `enamel-hub serve` process, two joined workstations.

Each workstation makes audit entries through its own composition root (build_services on
its data folder) and its archive job (app/jobs_setup.py) seals and sends them to the hub
over mutual TLS 1.3. The hub checks each batch on arrival and keeps it in its encrypted
database; `enamel-admin audit verify --practice` at the hub checks every stored chain.
The tests share one office and run in file order.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from services.clock import ManualClock
from tests.hub.kit import init_hub, invite
from tests.hub.test_workstation_e2e import HUB_START, Hub, open_pc
from tests.support import admin, admin_process

pytestmark = pytest.mark.slow

SEAL_AFTER = 61 * 60  # past the hour a partial batch waits before it is sealed


@dataclass
class Office:
    hub: Hub
    passphrase: str
    pcs: list[Path]
    clocks: list[ManualClock]
    ids: list[str]


def workstation_id(pc: Path) -> str:
    from services.hub.membership import HubMembership
    from storage.layout import DataLayout

    member = HubMembership.load(DataLayout(pc))
    assert member is not None
    return member.workstation_id


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    base = tmp_path_factory.mktemp("chains")
    hub_root, pcs = base / "hub", [base / "pc1", base / "pc2"]
    passphrase = init_hub(hub_root)
    hub = Hub(hub_root)
    hub.start()
    try:
        for i, pc in enumerate(pcs, 1):
            code = invite(hub_root, passphrase, f"PC-{i}")
            joined = admin_process("--data-dir", str(pc), "join", code, "--name", f"PC-{i}")
            assert joined.code == 0, joined.err
        clocks = [ManualClock(HUB_START) for _ in pcs]
        yield Office(hub, passphrase, pcs, clocks, [workstation_id(pc) for pc in pcs])
    finally:
        hub.stop()


def append(services: Any, count: int) -> None:
    from services.access import Actor
    from services.audit import AuditEvent, Outcome

    for n in range(count):
        services.trail.append(
            AuditEvent(
                action="report_viewed",
                actor=Actor.system("test_work"),
                outcome=Outcome.SUCCESS,
                resource_type="report",
                resource_id=f"r{n}",
            )
        )


def work(office: Office, i: int, count: int) -> str:
    """`count` audit entries at PC i through its own services, then one archive job round."""
    from app.jobs_setup import archive_job

    clock = office.clocks[i]
    services = open_pc(office.pcs[i], clock)
    try:
        append(services, count)
        clock.advance(SEAL_AFTER)
        return archive_job(services).run()
    finally:
        services.close()


def hub_db(office: Office) -> Any:
    """The hub's database, opened with its key (from this computer's credential store)."""
    from services.installation import open_installation
    from storage.layout import DataLayout
    from tests.support import key_store

    return open_installation(DataLayout(office.hub.root), key_store(office.hub.root))


def stored(office: Office, ws: str) -> list[tuple[str, int, int]]:
    inst = hub_db(office)
    try:
        rows = inst.db.connection().execute(
            "SELECT name, first_seq, last_seq FROM hub_batches WHERE workstation_id = ? "
            "ORDER BY first_seq",
            (ws,),
        )
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]
    finally:
        inst.close()


def local_head(pc: Path) -> int:
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        return int(inst.db.connection().execute("SELECT max(seq) FROM audit_log").fetchone()[0])
    finally:
        inst.close()


def verify_practice(office: Office) -> Any:
    return admin("--data-dir", str(office.hub.root), "audit", "verify", "--practice")


def client(office: Office, i: int) -> Any:
    from services.hub.membership import client_for, membership_of
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(office.pcs[i]), KeyringKeyStore())
    try:
        member = membership_of(inst)
        assert member is not None
        return client_for(inst, member)
    finally:
        inst.close()


def test_each_workstation_s_batches_reach_the_hub(office: Office) -> None:
    for i in (0, 1):
        assert work(office, i, 5) == "up to date at the hub"
    for i in (0, 1):
        batches = stored(office, office.ids[i])
        assert batches and batches[0][1] == 1
        assert batches[-1][2] == local_head(office.pcs[i])  # everything made there is here
    status = client(office, 0).get("/v1/status/workstations")["workstations"]
    by_id = {w["workstation_id"]: w for w in status}
    for i in (0, 1):
        row = by_id[office.ids[i]]
        assert (row["first_seq"], row["last_seq"]) == (1, local_head(office.pcs[i]))
        assert row["backlog"] == 0 and row["last_batch_at"]
    listed = admin("--data-dir", str(office.hub.root), "hub", "workstations")
    assert listed.code == 0, listed.err
    assert f"1-{local_head(office.pcs[0])}" in listed.out and "BACKLOG" in listed.out


def test_the_same_batch_twice_is_accepted_and_one_that_does_not_continue_is_refused(
    office: Office,
) -> None:
    from services.archive.batch import seal
    from services.hub.client import HubRefused
    from services.installation import ARCHIVE_KEY, SIGNING_KEY, open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    services = open_pc(office.pcs[0], office.clocks[0])
    try:
        append(services, 5)  # made, not sent yet
    finally:
        services.close()
    inst = open_installation(DataLayout(office.pcs[0]), KeyringKeyStore())
    try:
        rows = inst.db.connection().execute("SELECT seq, body, hash FROM audit_log ORDER BY seq")
        all_rows = [(int(r[0]), str(r[1]), str(r[2])) for r in rows]
        keys = {
            "practice": inst.practice_id,
            "workstation": inst.workstation_id,
            "archive_key": inst.secrets.require(ARCHIVE_KEY),
            "signing_key": inst.secrets.require(SIGNING_KEY),
        }
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        public = (
            Ed25519PrivateKey.from_private_bytes(keys["signing_key"])
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
    finally:
        inst.close()
    hub_inst = hub_db(office)
    try:
        first = (
            hub_inst.db.connection()
            .execute(
                "SELECT data FROM hub_batches WHERE workstation_id = ? ORDER BY first_seq LIMIT 1",
                (office.ids[0],),
            )
            .fetchone()[0]
        )
    finally:
        hub_inst.close()

    def body(data: bytes, key: bytes = public) -> dict[str, str]:
        return {
            "batch": base64.b64encode(data).decode(),
            "signing_key": base64.b64encode(key).decode(),
        }

    pc1, pc2 = client(office, 0), client(office, 1)
    assert pc1.post("/v1/batches", body(bytes(first)))["result"] == "exists"
    # A batch that skips seqs (its rows start two after the hub's last): refused with why.
    head = stored(office, office.ids[0])[-1][2]
    later = [r for r in all_rows if r[0] > head + 2]
    gap = seal(later, prev_batch_hash="0" * 64, **keys)
    with pytest.raises(HubRefused) as refused:
        pc1.post("/v1/batches", body(gap.data))
    assert refused.value.status == 409 and refused.value.code == "gap"
    assert f"starts at seq {head + 3}" in refused.value.message
    assert f"continues at seq {head + 1}" in refused.value.message
    # PC-1's batch sent by PC-2: the workstation is the certificate's, never the batch's.
    with pytest.raises(HubRefused) as theirs:
        pc2.post("/v1/batches", body(bytes(first)))
    assert theirs.value.status == 403 and theirs.value.code == "not_yours"
    # Another key than the one pinned with PC-1's first batch.
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with pytest.raises(HubRefused) as rekeyed:
        pc1.post("/v1/batches", body(bytes(first), other))
    assert rekeyed.value.status == 409 and rekeyed.value.code == "key_mismatch"
    assert stored(office, office.ids[0])[-1][2] == head  # nothing stored


def test_with_its_hub_unreachable_a_workstation_catches_up_without_a_gap(office: Office) -> None:
    from services.archive.backends import ArchiveUnavailable

    before = stored(office, office.ids[1])
    office.hub.stop()
    try:
        for _ in range(2):  # two rounds of the job while the hub is away: the chain stays here
            with pytest.raises(ArchiveUnavailable):
                work(office, 1, 4)
    finally:
        office.hub.start()
    assert stored(office, office.ids[1]) == before
    assert work(office, 1, 3) == "up to date at the hub"
    after = stored(office, office.ids[1])
    seqs = [(first, last) for _, first, last in after]
    assert all(seqs[n + 1][0] == seqs[n][1] + 1 for n in range(len(seqs) - 1))  # no gap
    assert seqs[-1][1] == local_head(office.pcs[1])
    status = client(office, 1).get("/v1/status/workstations")["workstations"]
    assert {w["workstation_id"]: w["backlog"] for w in status}[office.ids[1]] == 0


def test_a_pc_that_archived_on_its_own_hands_its_earlier_batches_over(
    office: Office, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from app.jobs_setup import archive_job
    from services.hub.join import fetch_ca, join
    from tests.hub.kit import PRACTICE

    pc = tmp_path_factory.mktemp("single") / "pc3"
    made = admin("--data-dir", str(pc), "init", "--practice-id", PRACTICE)
    assert made.code == 0, made.err
    clock = ManualClock(HUB_START)
    services = open_pc(pc, clock)
    try:
        append(services, 6)
        clock.advance(SEAL_AFTER)
        assert archive_job(services).run() == "up to date"  # to its own folder archive
        code = invite(office.hub.root, office.passphrase, "PC-3")
        join(services.installation, fetch_ca(code), "PC-3", clock)
    finally:
        services.close()
    office.pcs.append(pc)
    office.clocks.append(clock)
    office.ids.append(workstation_id(pc))
    assert work(office, 2, 2) == "up to date at the hub"
    seqs = [(first, last) for _, first, last in stored(office, office.ids[2])]
    assert seqs[0][0] == 1 and seqs[-1][1] == local_head(pc)  # from seq 1, under its old key too
    assert all(seqs[n + 1][0] == seqs[n][1] + 1 for n in range(len(seqs) - 1))


def _alter(office: Office, name: str) -> bytes:
    inst = hub_db(office)
    try:
        with inst.db.transaction() as conn:
            data = bytes(
                conn.execute("SELECT data FROM hub_batches WHERE name = ?", (name,)).fetchone()[0]
            )
            envelope = json.loads(data)
            text = envelope["ciphertext"]
            envelope["ciphertext"] = text[:10] + ("B" if text[10] == "A" else "A") + text[11:]
            conn.execute(
                "UPDATE hub_batches SET data = ? WHERE name = ?",
                (json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode(), name),
            )
        return data
    finally:
        inst.close()


def test_verify_practice_passes_then_names_an_altered_and_a_withheld_batch(office: Office) -> None:
    assert work(office, 1, 2) == "up to date at the hub"  # a third batch from PC-2
    ok = verify_practice(office)
    assert ok.code == 0, ok.out + ok.err
    for ws in office.ids:
        assert f"OK     {ws}" in ok.out
    assert "Practice audit trail OK: 3 workstations." in ok.out
    ws = office.ids[1]
    batches = stored(office, ws)
    assert len(batches) >= 3
    name, first, last = batches[1]
    span = f"{first:012d}-{last:012d}"
    original = _alter(office, name)
    altered = verify_practice(office)
    assert altered.code == 1
    assert f"FAILED {ws}" in altered.out and f"OK     {office.ids[0]}" in altered.out
    assert f"{ws}/{span}: the signature is not the workstation's" in altered.out
    inst = hub_db(office)
    try:
        with inst.db.transaction() as conn:
            conn.execute("UPDATE hub_batches SET data = ? WHERE name = ?", (original, name))
    finally:
        inst.close()
    assert verify_practice(office).code == 0
    inst = hub_db(office)
    try:
        with inst.db.transaction() as conn:
            conn.execute("DELETE FROM hub_batches WHERE name = ?", (name,))
    finally:
        inst.close()
    withheld = verify_practice(office)
    assert withheld.code == 1
    assert f"FAILED {ws}" in withheld.out
    assert f"expected seq {first}" in withheld.out and f"seqs {first}-{last}" in withheld.out


def test_verify_practice_names_a_withheld_last_batch(office: Office) -> None:
    ws = office.ids[0]
    name, first, last = stored(office, ws)[-1]
    inst = hub_db(office)
    try:
        with inst.db.transaction() as conn:
            conn.execute("DELETE FROM hub_batches WHERE name = ?", (name,))
    finally:
        inst.close()
    withheld = verify_practice(office)
    assert withheld.code == 1
    assert f"FAILED {ws}" in withheld.out
    assert f"holds only up to seq {first - 1} (seqs {first}-{last} withheld)" in withheld.out
