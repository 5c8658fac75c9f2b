"""Sending a hub what it lost: re-sealed from the PC's own entries, byte for byte, or not at all.

A real installation seals its trail into a folder archive (the bytes a hub would have held);
`resend` then sends the same batches to another folder standing for a hub restored from an
older backup, and must give exactly those bytes, and refuse a batch whose entries changed or
are gone rather than send something else.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.archive.backends import ArchiveUnavailable, FolderBackend, ObjectVersion, PutResult
from services.archive.batch import GENESIS, Sealer, public_key_name
from services.archive.setup import archive_keys
from services.archive.sync import ArchiveSync
from services.hub.resend import SentBefore, hub_chain_end, resend
from services.installation import ARCHIVE_KEY, SIGNING_KEY
from storage.archive_repo import ArchiveRepository
from storage.audit_repo import AuditRepository
from tests.archive.conftest import add_entries


class RestoredHub:
    """A folder with the hub's two calls besides the archive's (`put_keys` is kept)."""

    def __init__(self, root: Path) -> None:
        self.folder = FolderBackend(root)
        self.keys: list[bytes] = []

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        return self.folder.versions(prefix, after)

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        return self.folder.put_new(name, data, now)

    def put_keys(self, keys: list[bytes]) -> None:
        self.keys.extend(keys)


def sealed_office(services: Any, tmp_path: Path) -> tuple[FolderBackend, SentBefore, Any]:
    inst = services.installation
    archive = FolderBackend(tmp_path / "archive")
    sync = ArchiveSync(
        services.trail,
        ArchiveRepository(inst.db),
        archive,
        services.clock,
        archive_key=inst.secrets.require(ARCHIVE_KEY),
        signing_key=inst.secrets.require(SIGNING_KEY),
        batch_size=5,
    )
    add_entries(services, 22)
    sync.sync_once()
    sent = SentBefore(
        confirmed=ArchiveRepository(inst.db).batches,
        rows=lambda a, b: list(AuditRepository(inst.db).rows(a, b)),
        archive_keys=lambda: list(archive_keys(inst).values()),
        signing_key=inst.secrets.require(SIGNING_KEY),
    )
    return archive, sent, sync


def _objects(folder: FolderBackend, prefix: str) -> dict[str, bytes | None]:
    return {v.name: folder.get(v.name) for v in folder.versions(prefix)}


def test_the_batches_a_hub_lost_are_sent_again_byte_for_byte(services: Any, tmp_path: Path) -> None:
    archive, sent, sync = sealed_office(services, tmp_path)
    inst = services.installation
    prefix = sync.prefix
    confirmed = sent.confirmed()
    assert len(confirmed) >= 5
    hub = RestoredHub(tmp_path / "hub")
    # The restored hub holds the first two batches (its backup's), not the rest.
    for name, *_ in confirmed[:2]:
        data = archive.get(name)
        assert data is not None
        hub.put_new(name, data, services.clock.now())
    assert hub_chain_end(hub, inst.practice_id, inst.workstation_id) == confirmed[1][2]
    count = resend(
        hub,
        sent,
        practice=inst.practice_id,
        workstation=inst.workstation_id,
        public_key=sync.public_key(),
        now=services.clock.now(),
    )
    assert count == len(confirmed) - 2
    assert _objects(hub.folder, prefix) == _objects(archive, prefix)  # the same bytes, each
    assert hub.keys  # its archive keys went first: a restored hub may lack a retired one
    again = resend(
        hub,
        sent,
        practice=inst.practice_id,
        workstation=inst.workstation_id,
        public_key=sync.public_key(),
        now=services.clock.now(),
    )
    assert again == 0  # nothing lost any more


def test_batches_an_earlier_enamel_sealed_are_sent_again_byte_for_byte(
    services: Any, tmp_path: Path
) -> None:
    """Enamel sealed at gzip level 9 until 2026-12; the batches it confirmed then re-seal at
    that level, to the same bytes, rather than being refused as changed."""
    inst = services.installation
    archive, now = FolderBackend(tmp_path / "archive"), services.clock.now()
    add_entries(services, 12)
    signing_key = inst.secrets.require(SIGNING_KEY)
    public_key = Ed25519PrivateKey.from_private_bytes(signing_key).public_key().public_bytes_raw()
    sealer = Sealer(
        inst.practice_id, inst.workstation_id, inst.secrets.require(ARCHIVE_KEY), signing_key
    )
    repo, prev = ArchiveRepository(inst.db), GENESIS
    archive.put_new(public_key_name(inst.practice_id, inst.workstation_id), public_key, now)
    for first, last in ((1, 5), (6, 10), (11, 12)):  # what the earlier Enamel's sync did
        rows = list(AuditRepository(inst.db).rows(first, last))
        sealed = sealer.seal(rows, prev, compress_level=9)
        assert sealed.data != sealer.seal(rows, prev).data  # the level shows in the bytes
        archive.put_new(sealed.name, sealed.data, now)
        repo.confirm(sealed.name, first, last, sealed.batch_hash, sealed.last_entry_hash, now)
        prev = sealed.batch_hash
    sent = SentBefore(
        confirmed=repo.batches,
        rows=lambda a, b: list(AuditRepository(inst.db).rows(a, b)),
        archive_keys=lambda: list(archive_keys(inst).values()),
        signing_key=signing_key,
    )
    hub = RestoredHub(tmp_path / "hub")
    count = resend(
        hub,
        sent,
        practice=inst.practice_id,
        workstation=inst.workstation_id,
        public_key=public_key,
        now=now,
    )
    assert count == 3
    prefix = f"{inst.practice_id}/{inst.workstation_id}/"
    assert _objects(hub.folder, prefix) == _objects(archive, prefix)


def test_a_batch_whose_entries_changed_or_are_gone_is_not_sent(
    services: Any, tmp_path: Path
) -> None:
    _archive, sent, sync = sealed_office(services, tmp_path)
    inst = services.installation
    confirmed = sent.confirmed()

    def altered(a: int, b: int) -> list[tuple[int, str, str]]:
        rows = sent.rows(a, b)
        seq, body, digest = rows[-1]
        return [*rows[:-1], (seq, body.replace("appointment_query", "appointment_querx"), digest)]

    for rows, words in (
        (altered, "does not seal again"),
        (lambda a, b: [], "no longer on this PC"),
    ):
        hub = RestoredHub(tmp_path / f"hub-{words[:4]}")
        with pytest.raises(ArchiveUnavailable) as refused:
            resend(
                hub,
                SentBefore(sent.confirmed, rows, sent.archive_keys, sent.signing_key),
                practice=inst.practice_id,
                workstation=inst.workstation_id,
                public_key=sync.public_key(),
                now=services.clock.now(),
            )
        assert words in refused.value.message
        assert confirmed[0][0] in refused.value.message
        assert hub_chain_end(hub, inst.practice_id, inst.workstation_id) == 0  # nothing sent
