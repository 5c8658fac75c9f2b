"""A PC that archived on its own before it joined hands its earlier batches to the hub.

The hub takes a workstation's chain only from seq 1 (`409 not_from_start` otherwise). When a
joined PC's first batch to the hub is refused so, `HubBatchBackend` first sends the batches it confirmed in its own archive (the folder
or S3 archive it was set up with, read back and checked against the hash it confirmed), in
order, so the hub holds its whole chain from seq 1 and `audit verify --practice` and this
PC's own `archive verify` (now against the hub) see no gap. An earlier batch missing from the
old archive, or different from the one confirmed, stops the hand-over (the job retries and
fails visibly) rather than leaving the hub's chain without its start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from services.archive.backends import ArchiveBackend, ArchiveUnavailable, ObjectVersion, PutResult
from services.archive.batch import public_key_name

ConfirmedBatch = tuple[str, int, int, str, str]


class BatchSink(Protocol):
    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]: ...

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult: ...

    def put_keys(self, keys: list[bytes]) -> None: ...


def hand_over(
    hub: BatchSink,
    earlier: ArchiveBackend,
    confirmed: Iterable[ConfirmedBatch],
    archive_keys: list[bytes],
    *,
    practice: str,
    workstation: str,
    public_key: bytes,
    now: datetime,
) -> int:
    """Send the confirmed batches to a hub that holds none of this PC's; returns how many."""
    batches = list(confirmed)
    if not batches:
        return 0
    prefix = f"{practice}/{workstation}/"
    key_name = public_key_name(practice, workstation)
    if any(v.name != key_name for v in hub.versions(prefix)):
        return 0  # the hub has this PC's chain already
    hub.put_keys(archive_keys)  # its own archive key from before it joined opens them
    hub.put_new(key_name, public_key, now)
    for name, _first, _last, batch_hash, _entry in batches:
        data = earlier.get(name)
        if data is None or hashlib.sha256(data).hexdigest() != batch_hash:
            raise ArchiveUnavailable(
                f"The batch {name} this PC archived before it joined the practice hub is "
                f"missing or different in {earlier.describe()}: it cannot be handed to the hub."
            )
        hub.put_new(name, data, now)
    return len(batches)
