"""A hub takes back from its archive only what checks out as the workstation's own chain.

A real installation seals its trail into a folder archive (what the hub forwarded); a second
real installation stands for the restored hub (its `hub_batches`, `hub_chains` and forwarding
cursors, its own audit trail). `ChainTakeBack` reads the archive through the batch inbox, so
the archive gets no more trust than a workstation: the key pinned, the signature, the archive
keys and the chain's continuity are checked, and a chain that fails is left as it is, audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.archive.backends import FolderBackend
from services.archive.batch import public_key_name
from services.archive.setup import archive_keys
from services.hub.batches import BatchInbox
from services.hub.take_back import REFUSED, ChainTakeBack
from storage.hub_batches_repo import HubBatchRepository
from storage.hub_forward_repo import HubForwardRepository
from tests.hub.test_hub_resend import sealed_office


@pytest.fixture
def hub(tmp_path: Path, clock: Any) -> Iterator[Any]:
    from app.bootstrap import build_services
    from services.installation import initialise
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    made = initialise(DataLayout(tmp_path / "hub"), KeyringKeyStore(), "test-practice", clock)
    built = build_services(made.installation, clock)
    yield built
    built.close()


def _take_back(hub: Any, pc: Any) -> tuple[ChainTakeBack, BatchInbox]:
    db = hub.installation.db
    practice = pc.installation.practice_id

    def keep(kid: str, key: bytes) -> None:
        raise AssertionError("a take-back adds no key")

    inbox = BatchInbox(
        HubBatchRepository(db), practice, archive_keys(pc.installation), hub.clock, keep
    )
    taker = ChainTakeBack(
        inbox, HubBatchRepository(db), HubForwardRepository(db), hub.trail, hub.clock, practice
    )
    return taker, inbox


def _refusals(hub: Any) -> list[list[str]]:
    import json

    rows = hub.installation.db.connection().execute("SELECT body FROM audit_log")
    bodies = [json.loads(r[0]) for r in rows]
    return [b["flags"] for b in bodies if b["action"] == REFUSED]


def test_a_chain_the_hub_lost_is_taken_back_whole_pinned_from_the_archive_and_archived(
    services: Any, hub: Any, tmp_path: Path
) -> None:
    archive, sent, sync = sealed_office(services, tmp_path)
    ws = services.installation.workstation_id
    taker, _ = _take_back(hub, services)
    confirmed = sent.confirmed()
    got = taker.take_back(archive, [ws])
    assert (got.batches, got.refused) == (len(confirmed), ())
    repo = HubBatchRepository(hub.installation.db)
    chain = repo.chain(ws)
    assert chain is not None and chain.public_key == sync.public_key()
    assert repo.names(ws) == [c[0] for c in confirmed]
    for name, *_ in confirmed:
        stored = repo.by_name(name)
        assert stored is not None and stored.data == archive.get(name)
    cursor = HubForwardRepository(hub.installation.db).cursor(ws)
    assert cursor.key_published and cursor.archived_seq == confirmed[-1][2]  # marked archived
    assert taker.take_back(archive, [ws]).batches == 0  # nothing after the head now


def test_an_archive_signing_key_other_than_the_pinned_one_is_refused(
    services: Any, hub: Any, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    archive, sent, sync = sealed_office(services, tmp_path)
    ws = services.installation.workstation_id
    practice = services.installation.practice_id
    taker, inbox = _take_back(hub, services)
    confirmed = sent.confirmed()
    kept = confirmed[:2]  # what the restored hub's backup held
    for name, *_ in kept:
        data = archive.get(name)
        assert data is not None
        inbox.receive(ws, {"batch": _b64(data), "signing_key": _b64(sync.public_key())})
    # Another archive under the same names: the same entries after the hub's, sealed and
    # signed with another key, which it publishes as the workstation's.
    from services.archive.batch import seal
    from services.installation import ARCHIVE_KEY

    other = FolderBackend(tmp_path / "other-archive")
    forger = Ed25519PrivateKey.generate()
    stranger = forger.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    forger_raw = forger.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    other.put_new(public_key_name(practice, ws), stranger, hub.clock.now())
    prev = kept[-1][3]
    for _name, first, last, *_ in confirmed[2:]:
        forged = seal(
            sent.rows(first, last),
            practice=practice,
            workstation=ws,
            prev_batch_hash=prev,
            archive_key=services.installation.secrets.require(ARCHIVE_KEY),
            signing_key=forger_raw,
        )
        other.put_new(forged.name, forged.data, hub.clock.now())
        prev = forged.batch_hash
    got = taker.take_back(other, [ws])
    assert (got.batches, got.refused) == (0, ((ws, "key_mismatch"),))
    repo = HubBatchRepository(hub.installation.db)
    assert repo.names(ws) == [k[0] for k in kept]  # nothing taken back
    assert _refusals(hub) == [["key_mismatch", "tamper"]]


def test_a_batch_that_does_not_continue_the_chain_stops_the_take_back_there(
    services: Any, hub: Any, tmp_path: Path
) -> None:
    archive, sent, sync = sealed_office(services, tmp_path)
    ws = services.installation.workstation_id
    practice = services.installation.practice_id
    taker, _ = _take_back(hub, services)
    confirmed = sent.confirmed()
    # An archive that withholds the second batch: the third would leave a gap.
    other = FolderBackend(tmp_path / "withheld")
    other.put_new(public_key_name(practice, ws), sync.public_key(), hub.clock.now())
    for name, *_ in [confirmed[0], *confirmed[2:]]:
        data = archive.get(name)
        assert data is not None
        other.put_new(name, data, hub.clock.now())
    got = taker.take_back(other, [ws])
    assert got.batches == 1 and got.refused == ((ws, "gap"),)
    assert HubBatchRepository(hub.installation.db).names(ws) == [confirmed[0][0]]
    assert HubForwardRepository(hub.installation.db).cursor(ws).archived_seq == confirmed[0][2]


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()
