"""Verifying the archive: every version listed, signatures, decryption, both chains, and the local trail."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from services.archive.backends import ArchiveBackend
from services.archive.batch import GENESIS, BatchInvalid, open_batch, peek_header, public_key_name
from services.audit.entry import canonical
from storage.audit_repo import AuditRepository


@dataclass
class ArchiveReport:
    batches: int = 0
    entries: int = 0
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
) -> ArchiveReport:
    report = ArchiveReport()
    prefix = f"{practice}/{workstation}/"
    versions = backend.versions(prefix)
    seen: dict[str, int] = {}
    for v in versions:
        if v.is_delete_marker:
            report.problems.append(f"{v.name}: a delete marker (someone tried to delete it)")
        seen[v.name] = seen.get(v.name, 0) + 1
    for name, count in sorted(seen.items()):
        if count > 1:
            report.problems.append(f"{name}: {count} versions (it was overwritten)")
    key_name = public_key_name(practice, workstation)
    public_key = backend.get(key_name)
    if public_key is None:
        report.problems.append(f"{key_name}: the workstation's public key is missing")
        return report
    names = sorted(n for n in seen if n != key_name and not n.endswith(".pub"))
    prev_batch, prev_entry, expected_seq = GENESIS, GENESIS, 1
    archived: dict[int, str] = {}
    for name in names:
        data = backend.get(name)
        if data is None:
            report.problems.append(f"{name}: listed but cannot be read")
            continue
        try:
            claimed = peek_header(data)
            if (claimed.get("practice_id"), claimed.get("workstation_id")) != (
                practice,
                workstation,
            ):
                report.problems.append(
                    f"{name}: belongs to {claimed.get('practice_id')}/{claimed.get('workstation_id')} (swapped in)"
                )
                continue
            batch = open_batch(data, archive_keys, public_key)
        except BatchInvalid as exc:
            report.problems.append(f"{name}: {exc.message}")
            continue
        h = batch.header
        if (h["practice_id"], h["workstation_id"]) != (practice, workstation):
            report.problems.append(
                f"{name}: belongs to {h['practice_id']}/{h['workstation_id']} (swapped in)"
            )
            continue
        if not name.endswith(f"{h['first_seq']:012d}-{h['last_seq']:012d}"):
            report.problems.append(f"{name}: its name and its header disagree")
        if h["first_seq"] != expected_seq:
            kind = "gap" if h["first_seq"] > expected_seq else "overlap"
            report.problems.append(
                f"{name}: {kind}: expected seq {expected_seq}, batch starts at {h['first_seq']}"
            )
        if h["prev_batch_hash"] != prev_batch:
            report.problems.append(f"{name}: does not link to the previous batch")
        link = prev_entry
        for entry in batch.entries:
            stated = entry.pop("hash", "")
            if hashlib.sha256(canonical(entry).encode()).hexdigest() != stated:
                report.problems.append(f"{name}: entry {entry.get('seq')} does not match its hash")
            if entry.get("prev_hash") != link:
                report.problems.append(f"{name}: entry {entry.get('seq')} breaks the chain")
            link = stated
            archived[int(entry["seq"])] = stated
        if len(batch.entries) != h["count"] or link != h["last_entry_hash"]:
            report.problems.append(f"{name}: the header does not describe its entries")
        prev_batch, prev_entry, expected_seq = batch.batch_hash, link, h["last_seq"] + 1
        report.batches += 1
        report.entries += len(batch.entries)
    if local is not None and archived:
        last = max(archived)
        for seq, _, hash_ in local.rows(0, last):
            if seq in archived and archived[seq] != hash_:
                report.problems.append(
                    f"local entry {seq} differs from the archived copy (the local trail was rewritten)"
                )
                break
    return report
