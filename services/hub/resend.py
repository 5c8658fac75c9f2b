"""A workstation sends its own batches again to a hub that lost them (restored from a backup).

A hub restored from a backup older than what the workstations sent is behind: it refuses the
next batch with `409 gap` (or `not_from_start` when it holds none of this PC's chain). The
workstation then asks the hub where its chain ends (the names it holds) and sends again, in
order, every batch it confirmed after that point. It keeps no batch bytes, but sealing is
deterministic (`services/archive/batch.py`): the entries, the previous batch's hash and the
archive key the batch was sealed under give back the same bytes. Each re-sealed batch must hash
to the hash this PC confirmed when it was first sent (tried under each of its archive keys, the
current one and the retired ones), so what the hub gets again is byte for byte what it had:
its chain continues with no gap, and the write-once archive, should it hold the same names, sees
the same bytes (no tamper alarm). A batch whose entries this PC no longer holds (pruned after
the local window) cannot be sent again: the round fails visibly, nothing is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.archive.backends import ArchiveUnavailable
from services.archive.batch import GENESIS, Sealer, public_key_name
from services.hub.handover import BatchSink, ConfirmedBatch

log = logging.getLogger("services.hub.resend")

Rows = list[tuple[int, str, str]]


@dataclass(frozen=True)
class SentBefore:
    """What this PC sent: its confirmed batches (`archive_batches`) and the entries in them."""

    confirmed: Callable[[], list[ConfirmedBatch]]
    rows: Callable[[int, int], Rows]  # seq range, inclusive, as in the audit table
    archive_keys: Callable[[], list[bytes]]  # the current key and every retired one
    signing_key: bytes


def _last_seq(name: str) -> int | None:
    try:
        return int(name.rsplit("/", 1)[1].split("-")[1])
    except (IndexError, ValueError):
        return None


def hub_chain_end(hub: BatchSink, practice: str, workstation: str) -> int:
    """The last seq of this PC's chain at the hub (0: it holds none of it)."""
    prefix = f"{practice}/{workstation}/"
    key_name = public_key_name(practice, workstation)
    ends = [_last_seq(v.name) for v in hub.versions(prefix) if v.name != key_name]
    return max((e for e in ends if e is not None), default=0)


def resend(
    hub: BatchSink,
    sent: SentBefore,
    *,
    practice: str,
    workstation: str,
    public_key: bytes,
    now: datetime,
) -> int:
    """Send the hub again what it lost of this PC's chain; returns how many batches."""
    end = hub_chain_end(hub, practice, workstation)
    confirmed = sent.confirmed()
    todo = [b for b in confirmed if b[1] > end]
    if not todo:
        return 0
    before = [b for b in confirmed if b[2] == end]
    if todo[0][1] != end + 1 or (end and not before):
        raise ArchiveUnavailable(
            f"The practice hub's copy of this PC's chain ends at seq {end}, which is not the "
            "end of a batch this PC sent: it cannot be sent again. Call your IT person."
        )
    prev_hash = before[-1][3] if before else GENESIS
    keys = sent.archive_keys()
    hub.put_keys(keys)  # a hub restored from an older backup may lack a retired key
    hub.put_new(public_key_name(practice, workstation), public_key, now)
    for name, first, last, batch_hash, _entry in todo:
        rows = sent.rows(first, last)
        if [r[0] for r in rows] != list(range(first, last + 1)):
            raise ArchiveUnavailable(
                f"The practice hub lost this PC's batch {name}, and its entries are no longer "
                "on this PC (older than the local window): it cannot be sent again. Call your "
                "IT person (restore the hub from a newer backup, or from the archive)."
            )
        data = _same_batch(
            rows, prev_hash, batch_hash, keys, sent.signing_key, practice, workstation
        )
        if data is None:
            raise ArchiveUnavailable(
                f"This PC's batch {name} does not seal again to the batch it sent (its "
                "entries or keys changed): it is not sent again. Call your compliance officer."
            )
        hub.put_new(name, data, now)
        prev_hash = batch_hash
    log.info("hub.batches_resent", extra={"count": len(todo), "first_seq": todo[0][1]})
    return len(todo)


def _same_batch(
    rows: Rows,
    prev_hash: str,
    batch_hash: str,
    keys: list[bytes],
    signing_key: bytes,
    practice: str,
    workstation: str,
) -> bytes | None:
    for key in keys:  # sealed by this Enamel or an earlier one (another gzip level)
        for sealed in Sealer(practice, workstation, key, signing_key).seal_again(rows, prev_hash):
            if sealed.batch_hash == batch_hash:
                return sealed.data
    return None
