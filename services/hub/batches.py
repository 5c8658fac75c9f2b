"""The hub receives each workstation's sealed batches and checks them on arrival.

A batch is the archive object's bytes (`services/archive/batch.py`). On arrival the hub checks:
the header names this practice and the sending workstation (the certificate's CN, never the
body); the signature under the workstation's signing key, **pinned with its first batch**
(every `POST /v1/batches` carries the public key; a different one later is refused); that it
opens under the practice's archive keys; and that it continues that workstation's chain: its
`prev_batch_hash` is the last stored batch's hash, its `first_seq` the next seq, no gap; a
chain starts at seq 1 (a PC that archived on its own before it joined hands those batches
over first, `services/hub/handover.py`). The same batch again is accepted (nothing
changes); different bytes under a stored name, or a batch that does not continue, are 409.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from services.archive.batch import (
    BatchInvalid,
    OpenedBatch,
    key_id,
    object_name,
    open_batch,
    peek_header,
    public_key_name,
)
from services.clock import Clock
from services.hub.errors import HubError, bad_request
from storage.hub_batches_repo import HubBatchRepository, StoredBatch

log = logging.getLogger("services.hub.batches")

STORED = "stored"
EXISTS = "exists"


def refused(code: str, message: str) -> HubError:
    return HubError(409, code, message)


@dataclass(frozen=True)
class Received:
    result: str  # STORED or EXISTS
    first_seq: int
    last_seq: int


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise bad_request(f"'{what}' is base64 text.")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise bad_request(f"'{what}' is not base64.") from None


class BatchInbox:
    def __init__(
        self,
        repo: HubBatchRepository,
        practice_id: str,
        archive_keys: Mapping[str, bytes],
        clock: Clock,
        keep_key: Callable[[str, bytes], None],
    ) -> None:
        self._repo = repo
        self._practice = practice_id
        self._keys = dict(archive_keys)
        self._clock = clock
        self._keep_key = keep_key
        # Called with each newly stored batch and its opened entries (the hub's entry index).
        self.on_stored: list[Callable[[StoredBatch, OpenedBatch], None]] = []

    def add_keys(self, workstation_id: str, body: Mapping[str, object]) -> int:
        """Archive keys a joining PC used on its own: kept as retired practice keys, so its
        earlier batches open here. A key only decrypts; a batch still needs that PC's
        signature and its chain."""
        keys = body.get("keys")
        if not isinstance(keys, list) or len(keys) > 100:
            raise bad_request("'keys' is a list of base64 keys.")
        added = 0
        for text in keys:
            key = _b64(text, "keys")
            if len(key) != 32:
                raise bad_request("An archive key is 32 bytes.")
            if key_id(key) not in self._keys:
                self._keep_key(key_id(key), key)
                self._keys[key_id(key)] = key
                added += 1
        if added:
            log.info("hub.archive_keys_added", extra={"workstation_id": workstation_id})
        return added

    def receive(self, workstation_id: str, body: Mapping[str, object]) -> Received:
        data = _b64(body.get("batch"), "batch")
        public_key = _b64(body.get("signing_key"), "signing_key")
        try:
            header = peek_header(data)
        except BatchInvalid as exc:
            raise bad_request(exc.message) from None
        if (header.get("practice_id"), header.get("workstation_id")) != (
            self._practice,
            workstation_id,
        ):
            raise HubError(
                403, "not_yours", "The batch belongs to another practice or workstation."
            )
        try:
            first, last = int(str(header["first_seq"])), int(str(header["last_seq"]))
        except (KeyError, ValueError):
            raise bad_request("The batch's header has no seq range.") from None
        name = object_name(self._practice, workstation_id, first, last)
        chain = self._repo.chain(workstation_id)
        if chain is not None and chain.public_key != public_key:
            raise refused(
                "key_mismatch",
                "The batch is signed with another key than the one this workstation's first "
                "batch was signed with.",
            )
        batch_hash = hashlib.sha256(data).hexdigest()
        stored = self._repo.by_name(name)
        if stored is not None:
            if stored.batch_hash == batch_hash:
                return Received(EXISTS, first, last)
            raise refused("exists_different", f"The hub holds different bytes under {name}.")
        try:
            opened = open_batch(data, self._keys, public_key)
        except BatchInvalid as exc:
            raise refused(exc.kind, exc.message) from None
        h = opened.header
        if chain is not None:
            expected = chain.last_seq + 1
            if first != expected:
                kind = "gap" if first > expected else "overlap"
                raise refused(
                    kind,
                    f"The batch starts at seq {first}; the chain at the hub continues at seq "
                    f"{expected}.",
                )
            if h.get("prev_batch_hash") != chain.last_batch_hash:
                raise refused(
                    "broken_chain", "The batch does not link to the last batch the hub holds."
                )
        elif first != 1:
            raise refused(
                "not_from_start",
                f"The hub holds nothing of this workstation yet and the batch starts at seq "
                f"{first}: its earlier batches go first.",
            )
        elif h.get("prev_batch_hash") != "0" * 64:
            raise refused("broken_chain", "A chain's first batch links to nothing.")
        batch = StoredBatch(
            workstation_id,
            first,
            last,
            name,
            data,
            batch_hash,
            str(h["prev_batch_hash"]),
            str(h["last_entry_hash"]),
            str(h["created_at"]),
            "",
        )
        expect = None if chain is None else (chain.last_seq, chain.last_batch_hash)
        now = self._clock.now()
        if not self._repo.store(
            batch,
            public_key=public_key,
            start_entry_hash=str(h.get("first_prev_hash", "")),
            expect_last=expect,
            now=now,
        ):
            raise refused("moved", "The chain moved while this batch was checked; send it again.")
        log.info(
            "hub.batch_stored",
            extra={"workstation_id": workstation_id, "first_seq": first, "last_seq": last},
        )
        for listener in self.on_stored:
            listener(batch, opened)
        return Received(STORED, first, last)

    def report_head(self, workstation_id: str, head_seq: object) -> int:
        """Note the workstation's local head; returns where its chain ends here (0: none), so
        a PC whose hub was restored behind it sends again what it lost, new entries or not."""
        if not isinstance(head_seq, int) or isinstance(head_seq, bool) or head_seq < 0:
            raise bad_request("'head_seq' is a whole number.")
        self._repo.report_head(workstation_id, head_seq, self._clock.now())
        chain = self._repo.chain(workstation_id)
        return 0 if chain is None else chain.last_seq

    # -- reading back (the workstation's own only) --------------------------------------------

    def names(self, workstation_id: str, prefix: str, after: str) -> list[str]:
        """`ArchiveSource.versions` for the caller's own chain: its batches and signing key."""
        own = f"{self._practice}/{workstation_id}/"
        names = self._repo.names(workstation_id, own + prefix, after)
        key = public_key_name(self._practice, workstation_id)
        chain = self._repo.chain(workstation_id)
        if chain is not None and key.startswith(own + prefix) and key > after:
            names = sorted([*names, key])
        return names

    def get(self, workstation_id: str, name: str) -> bytes | None:
        own = f"{self._practice}/{workstation_id}/"
        if not name.startswith(own):
            return None
        if name == public_key_name(self._practice, workstation_id):
            chain = self._repo.chain(workstation_id)
            return None if chain is None else chain.public_key
        stored = self._repo.by_name(name)
        return None if stored is None or stored.workstation_id != workstation_id else stored.data


@dataclass(frozen=True)
class WorkstationChain:
    """What the hub's status says about one workstation's chain."""

    workstation_id: str
    name: str
    batches: int
    entries: int
    first_seq: int | None
    last_seq: int | None
    last_batch_at: datetime | None
    last_batch_created: str | None  # the last entry's timestamp in the last batch
    head_seq: int
    backlog: int


def chain_status(
    repo: HubBatchRepository, workstations: list[tuple[str, str]]
) -> list[WorkstationChain]:
    """`workstations` is (id, name) of every joined workstation."""
    out = []
    for ws, name in workstations:
        chain = repo.chain(ws)
        batches, entries = repo.counts(ws)
        if chain is None:
            out.append(WorkstationChain(ws, name, 0, 0, None, None, None, None, 0, 0))
            continue
        last = repo.last_stored(ws)
        out.append(
            WorkstationChain(
                ws,
                name,
                batches,
                entries,
                chain.start_seq,
                chain.last_seq,
                chain.last_received_at,
                None if last is None else last.created_at,
                chain.head_seq,
                max(0, chain.head_seq - chain.last_seq),
            )
        )
    return out
