"""Taking a workstation's own entries back from the archive after a restore of an older backup.

A backup is usually older than the archive: the disk died after the last backup, and the
entries made since are in the archive only (they are the office's record). Before anything
new is written to the restored trail, every batch after the restored cursor is fetched,
checked (the workstation's signature, the archive key, the batch chain from the cursor, the
entry chain, each entry's hash, the owner) and compared with the local entries it overlaps;
the entries the restored trail lacks are appended with their own seq and hash, and the
batches are confirmed, in one transaction. The local chain then continues from the archived
head, and sync seals its next batch after it: no name is written twice, so no tamper alarm.

Anything that does not check out refuses the whole take-back (nothing is written): a restored
trail must never be continued from an archive that may have been altered.

The source is any `ArchiveSource` (the read half of an archive backend); at a practice with a
hub the hub can serve the same two calls (see docs/disaster-recovery.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from errors import EnamelError
from services.archive.backends import ObjectVersion
from services.archive.batch import GENESIS, BatchInvalid, open_batch, public_key_name
from services.audit.entry import canonical
from storage.archive_repo import ArchiveRepository
from storage.audit_repo import AuditRepository
from storage.database import Database


class ArchiveSource(Protocol):
    def get(self, name: str) -> bytes | None: ...

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]: ...


class TakeBackRefused(EnamelError):
    """The archive's newer batches do not check out: nothing was taken back."""

    exit_code = 1


@dataclass(frozen=True)
class TakenBack:
    batches: int  # batches confirmed from the archive
    entries: int  # entries added to the local trail
    head_seq: int  # the local trail's newest seq afterwards


def _refuse(name: str, why: str) -> TakeBackRefused:
    return TakeBackRefused(
        f"The archive's batch {name} {why}, so the entries made after the backup cannot be "
        "taken back. Nothing was changed. Run 'enamel-admin archive verify --full' on a "
        "working installation and call your compliance officer."
    )


def take_back(
    source: ArchiveSource,
    db: Database,
    practice: str,
    workstation: str,
    archive_keys: Mapping[str, bytes],
    public_key: bytes,
    now: datetime,
) -> TakenBack:
    """Append the archived entries after the local cursor that the local trail lacks."""
    archive = ArchiveRepository(db)
    audit = AuditRepository(db)
    confirmed = archive.batches()
    if confirmed:
        start_name, _, cursor_seq, batch_hash, entry_hash = confirmed[-1]
    else:
        start_name, cursor_seq, batch_hash, entry_hash = "", 0, GENESIS, GENESIS
    prefix = f"{practice}/{workstation}/"
    key_name = public_key_name(practice, workstation)
    counts: dict[str, int] = {}
    for v in source.versions(prefix, after=start_name):
        if v.name == key_name:
            continue
        if v.is_delete_marker:
            raise _refuse(v.name, "has a delete marker")
        counts[v.name] = counts.get(v.name, 0) + 1
    names = sorted(counts)
    head_seq = audit.last_seq(2**62)
    if not names:
        return TakenBack(0, 0, head_seq)
    for name in names:
        if counts[name] > 1:
            raise _refuse(name, "was overwritten")
    published = source.get(key_name)
    if published != public_key:
        raise _refuse(key_name, "is not this workstation's signing key")
    local = {seq: h for seq, _, h in audit.rows(cursor_seq + 1)}
    new_rows: list[tuple[int, str, str]] = []
    batches: list[tuple[str, int, int, str, str]] = []
    expected = cursor_seq + 1
    for name in names:
        data = source.get(name)
        if data is None:
            raise _refuse(name, "is listed but cannot be read")
        try:
            opened = open_batch(data, archive_keys, public_key)
        except BatchInvalid as exc:
            if exc.kind == "unknown_key":
                raise TakeBackRefused(
                    f"The archive's batch {name} is encrypted under an archive key this backup "
                    "does not hold (the key was rotated after the backup was made). Nothing was "
                    "changed. Restore a backup made after the rotation."
                ) from None
            raise _refuse(name, f"does not check out ({exc.kind})") from None
        h = opened.header
        first, last = int(h["first_seq"]), int(h["last_seq"])
        if (h.get("practice_id"), h.get("workstation_id")) != (practice, workstation):
            raise _refuse(name, "belongs to another workstation")
        if not name.endswith(f"/{first:012d}-{last:012d}"):
            raise _refuse(name, "has a header that disagrees with its name")
        if first != expected:
            raise _refuse(name, f"starts at seq {first}, not {expected} (a gap or an overlap)")
        if h.get("prev_batch_hash") != batch_hash:
            raise _refuse(name, "does not link to the previous batch")
        for line in opened.lines:
            seq, body, stated, prev, owner = _entry(line)
            if seq != expected or prev != entry_hash or owner != (practice, workstation):
                raise _refuse(name, f"breaks the chain at seq {expected}")
            if hashlib.sha256(body.encode()).hexdigest() != stated:
                raise _refuse(name, f"holds entry {seq}, which does not match its hash")
            mine = local.get(seq)
            if mine is None:
                if seq <= head_seq:
                    raise _refuse(name, f"holds entry {seq}, which the restored trail lacks")
                new_rows.append((seq, body, stated))
            elif mine != stated:
                raise _refuse(name, f"holds another entry {seq} than the restored trail")
            entry_hash, expected = stated, expected + 1
        if expected - 1 != last or len(opened.lines) != h.get("count"):
            raise _refuse(name, "has a header that does not describe its entries")
        if entry_hash != h.get("last_entry_hash"):
            raise _refuse(name, "has a header that does not describe its entries")
        batch_hash = opened.batch_hash
        batches.append((name, first, last, batch_hash, entry_hash))
    if head_seq > expected - 1:
        # The restored trail goes on past the archive: it must continue from the archived head.
        following = next(audit.rows(expected, expected), None)
        if following is not None and f'"prev_hash":"{entry_hash}"' not in following[1]:
            raise TakeBackRefused(
                f"The restored trail does not continue from archived entry {expected - 1}. "
                "Nothing was changed."
            )
    archive.adopt(new_rows, batches, now)
    return TakenBack(len(batches), len(new_rows), max(head_seq, expected - 1))


def _entry(line: str) -> tuple[object, str, str, object, tuple[object, object]]:
    """(seq, body as stored, stated hash, prev_hash, owner) of one archived line."""
    try:
        entry = json.loads(line)
    except ValueError:
        entry = None
    if not isinstance(entry, dict):
        return None, "", "", None, (None, None)
    stated = str(entry.pop("hash", ""))
    owner = (entry.get("practice_id"), entry.get("workstation_id"))
    return entry.get("seq"), canonical(entry), stated, entry.get("prev_hash"), owner
