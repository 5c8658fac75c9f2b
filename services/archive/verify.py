"""Verifying the archive: every version listed, signatures, decryption, both chains, and the local trail.

What counts as a problem, each reported with the object name or seq it concerns:

- an extra version of a name, or a delete marker (someone overwrote or tried to delete);
- a missing or unreadable public key, a bad signature, a batch that does not decrypt;
- a batch whose header names another practice or workstation (swapped in), whose name and
  header disagree, or whose header does not describe its entries (count, seqs, last hash);
- an entry whose hash does not match its body, or whose prev_hash breaks the entry chain;
- a gap or overlap in seqs between batches, or a batch not linked to the previous one;
- a batch this computer confirmed that is missing from the archive or has other bytes;
- a local entry that differs from its archived copy, or a local trail that does not
  continue from the last archived entry (the local chain was rewritten).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from services.archive.backends import ArchiveBackend
from services.archive.batch import GENESIS, BatchInvalid, open_batch, peek_header, public_key_name
from services.audit.entry import canonical
from storage.audit_repo import AuditRepository

# (name, first_seq, last_seq, batch_hash, last_entry_hash) as ArchiveRepository.batches() gives.
ConfirmedBatch = tuple[str, int, int, str, str]


@dataclass
class ArchiveReport:
    batches: int = 0
    entries: int = 0
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(
    backend: ArchiveBackend,
    practice: str,
    workstation: str,
    archive_keys: Mapping[str, bytes],
    local: AuditRepository | None = None,
    confirmed: Sequence[ConfirmedBatch] = (),
) -> ArchiveReport:
    report = ArchiveReport()
    problem = report.problems.append
    prefix = f"{practice}/{workstation}/"
    seen: dict[str, int] = {}
    for v in backend.versions(prefix):
        if v.is_delete_marker:
            problem(f"{v.name}: a delete marker (someone tried to delete it)")
        else:
            seen[v.name] = seen.get(v.name, 0) + 1
    for name, count in sorted(seen.items()):
        if count > 1:
            problem(f"{name}: {count} versions (it was overwritten)")
    key_name = public_key_name(practice, workstation)
    public_key = backend.get(key_name)
    if public_key is None:
        problem(f"{key_name}: the workstation's public key is missing")
        return report
    names = sorted(n for n in seen if n != key_name)
    prev_batch, prev_entry, expected_seq = GENESIS, GENESIS, 1
    archived: dict[int, str] = {}
    batch_hashes: dict[str, str] = {}
    for name in names:
        data = backend.get(name)
        if data is None:
            problem(f"{name}: listed but cannot be read")
            continue
        try:
            claimed = peek_header(data)
            owner = (claimed.get("practice_id"), claimed.get("workstation_id"))
            if owner != (practice, workstation):
                problem(f"{name}: belongs to {owner[0]}/{owner[1]} (swapped in)")
                continue
            batch = open_batch(data, archive_keys, public_key)
        except BatchInvalid as exc:
            problem(f"{name}: {exc.message}")
            continue
        h = batch.header
        batch_hashes[name] = batch.batch_hash
        first, last = int(h["first_seq"]), int(h["last_seq"])
        if not name.endswith(f"/{first:012d}-{last:012d}"):
            problem(f"{name}: its name and its header disagree")
        if first != expected_seq:
            kind = "gap" if first > expected_seq else "overlap"
            problem(
                f"{name}: {kind}: expected seq {expected_seq}, batch starts at {first}"
                + (f" (seqs {expected_seq}-{first - 1} are missing)" if kind == "gap" else "")
            )
        if h["prev_batch_hash"] != prev_batch:
            problem(f"{name}: does not link to the previous batch")
        link = prev_entry if first == expected_seq else str(h.get("first_prev_hash", ""))
        seq = first
        for entry in batch.entries:
            stated = entry.pop("hash", "")
            if hashlib.sha256(canonical(entry).encode()).hexdigest() != stated:
                problem(f"{name}: entry {entry.get('seq')} does not match its hash")
            if entry.get("seq") != seq:
                problem(f"{name}: entry {entry.get('seq')} is out of order (expected {seq})")
            if (entry.get("practice_id"), entry.get("workstation_id")) != (practice, workstation):
                problem(f"{name}: entry {entry.get('seq')} belongs to another workstation")
            if entry.get("prev_hash") != link:
                problem(f"{name}: entry {entry.get('seq')} breaks the chain")
            link = stated
            archived[seq] = stated
            seq += 1
        if len(batch.entries) != h["count"] or seq - 1 != last or link != h["last_entry_hash"]:
            problem(f"{name}: the header does not describe its entries")
        prev_batch, prev_entry, expected_seq = batch.batch_hash, link, last + 1
        report.batches += 1
        report.entries += len(batch.entries)
    report.last_seq = expected_seq - 1
    for name, first, last, batch_hash, _ in confirmed:
        if name not in seen:
            problem(
                f"{name}: missing from the archive (seqs {first}-{last}, confirmed by this "
                "workstation)"
            )
        elif name in batch_hashes and batch_hashes[name] != batch_hash:
            problem(f"{name}: is not the batch this workstation sent")
    if local is not None and archived:
        _check_local(local, archived, problem)
    return report


def _check_local(
    local: AuditRepository, archived: Mapping[int, str], problem: Callable[[str], None]
) -> None:
    """The local trail must hold the archived entries unchanged and continue from the last.

    Pruning only ever removes archived entries and leaves an anchor equal to the last one
    removed, so: the anchor is an archived entry, every seq from the anchor to the last
    archived one is still here, and the local head is never behind the archive.
    """
    last = max(archived)
    anchor_seq, anchor_hash = local.anchor()
    if anchor_seq > last:
        problem(
            f"local entries {_span(last + 1, anchor_seq)} are missing: the local trail starts "
            f"after seq {anchor_seq} but the archive ends at seq {last}"
        )
        return
    if anchor_seq > 0 and anchor_seq in archived and archived[anchor_seq] != anchor_hash:
        problem(
            f"the local anchor at seq {anchor_seq} differs from archived entry {anchor_seq} "
            "(the local trail was rewritten)"
        )
        return
    expected = anchor_seq + 1
    for seq, body, hash_ in local.rows(0, last + 1):
        if seq > expected:
            problem(
                f"local entries {_span(expected, seq - 1)} are missing "
                "(the archive holds them; the local trail was cut)"
            )
            return
        if seq in archived and archived[seq] != hash_:
            problem(
                f"local entry {seq} differs from the archived copy (the local trail was rewritten)"
            )
            return
        if seq == last + 1 and f'"prev_hash":"{archived[last]}"' not in body:
            problem(
                f"local entry {seq} does not continue from archived entry {last} "
                "(the local trail was rewritten)"
            )
            return
        expected = max(expected, seq + 1)
    if expected <= last:
        problem(
            f"local entries {_span(expected, last)} are missing: the local trail ends at seq "
            f"{expected - 1} but the archive holds up to seq {last} (the local trail was cut)"
        )


def _span(first: int, last: int) -> str:
    return f"{first}-{last}" if last > first else str(first)
