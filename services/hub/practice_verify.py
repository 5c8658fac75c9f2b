"""`enamel-admin audit verify --practice`: every workstation's chain as the hub holds it.

Each workstation's stored batches are read as an archive (the same checks as
`audit verify --archive`, `services.archive.verify.verify_archive`): the signature under the
key pinned with its first batch, decryption, every entry's hash and link, seq continuity
from seq 1, and batch-to-batch links. On top, the hub's own
record of the last batch it received must still be there (a withheld last batch shows).

`verify_in_archive` then reads each chain from the write-once archive the hub syncs to, the
same way: every batch the hub archived must be there unchanged (an altered or withheld one is
named with its seq range), and the hub's head is said to be level with, behind or ahead of the
archive's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from services.archive.backends import ArchiveBackend, ArchiveMisconfigured, ObjectVersion, PutResult
from services.archive.batch import public_key_name
from services.archive.verify import ConfirmedBatch, verify_archive
from storage.audit_repo import AuditRepository
from storage.hub_batches_repo import ChainRow, HubBatchRepository


class StoredChain:
    """One workstation's stored batches, read like an archive backend (read-only)."""

    def __init__(self, repo: HubBatchRepository, practice: str, chain: ChainRow) -> None:
        self._repo = repo
        self._practice = practice
        self._chain = chain

    def describe(self) -> str:
        return "the practice hub's database"

    def check(self) -> str:
        return self.describe()

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        raise ArchiveMisconfigured("The hub's stored chains are only read here.")

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        ws = self._chain.workstation_id
        names = self._repo.names(ws, prefix, after)
        key = public_key_name(self._practice, ws)
        if key.startswith(prefix) and key > after:
            names.append(key)
        return [ObjectVersion(n, "hub", False) for n in sorted(names)]

    def get(self, name: str) -> bytes | None:
        if name == public_key_name(self._practice, self._chain.workstation_id):
            return self._chain.public_key
        stored = self._repo.by_name(name)
        if stored is None or stored.workstation_id != self._chain.workstation_id:
            return None
        return stored.data


@dataclass
class WorkstationVerdict:
    workstation_id: str
    name: str
    entries: int = 0
    batches: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    last_batch: str | None = None
    last_batch_at: datetime | None = None
    gaps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # In the write-once archive (`verify_in_archive`): the last batch there, and how the
    # hub's head (a workstation's chain as received; the hub's own trail) stands to it.
    archive_checked: bool = False
    archive_entries: int = 0
    archive_last_seq: int = 0
    archive_last_batch: str | None = None
    head_seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def head_against_archive(self) -> str:
        """How the head stands to the archive's last seq: level, behind it (the archive holds
        more than the head: the hub lost what the archive has) or ahead (not archived yet)."""
        if self.head_seq == self.archive_last_seq:
            return "level with it"
        if self.head_seq < self.archive_last_seq:
            return f"behind it by {self.archive_last_seq - self.head_seq} entries"
        return f"ahead of it by {self.head_seq - self.archive_last_seq} entries (not archived yet)"


def verify_practice(
    repo: HubBatchRepository,
    practice: str,
    workstations: list[tuple[str, str]],
    archive_keys: Mapping[str, bytes],
) -> list[WorkstationVerdict]:
    """A verdict for every joined workstation (id, name), and any chain of an unknown one."""
    names = dict(workstations)
    chains = {c.workstation_id: c for c in repo.chains()}
    verdicts = []
    for ws in [*names, *sorted(set(chains) - set(names))]:
        verdict = WorkstationVerdict(ws, names.get(ws, "(not joined)"))
        verdicts.append(verdict)
        chain = chains.get(ws)
        if chain is None:
            if repo.counts(ws)[0]:
                verdict.problems.append(f"{ws}: batches stored without the chain's pinned key")
            continue
        # The hub takes a chain only from seq 1, so every stored chain is read from its start.
        report = verify_archive(StoredChain(repo, practice, chain), practice, ws, archive_keys)
        verdict.entries, verdict.batches = report.entries, report.batches
        verdict.problems.extend(report.problems)
        verdict.gaps = [p for p in report.problems if ": gap:" in p]
        if report.batches:
            verdict.first_seq, verdict.last_seq = chain.start_seq, report.last_seq
        if report.last_seq < chain.last_seq:
            missing = f"seqs {report.last_seq + 1}-{chain.last_seq}"
            verdict.problems.append(
                f"{practice}/{ws}: the hub received up to seq {chain.last_seq} but holds only up "
                f"to seq {report.last_seq} ({missing} withheld)"
            )
            verdict.gaps.append(missing)
        last = repo.last_stored(ws)
        if last is not None:
            verdict.last_batch = last.name
            verdict.last_batch_at = datetime.fromisoformat(last.received_at)
    return verdicts


def verify_in_archive(
    verdict: WorkstationVerdict,
    backend: ArchiveBackend,
    practice: str,
    archive_keys: Mapping[str, bytes],
    *,
    head_seq: int,
    archived: Sequence[ConfirmedBatch],
    pinned_key: bytes | None = None,
    local: AuditRepository | None = None,
) -> None:
    """The chain in the archive, end to end (`verify_archive`): every batch the hub archived
    (`archived`, as the hub holds them) must be there with the same bytes, signed, chained.
    `local` is the hub's own trail, compared entry by entry."""
    ws = verdict.workstation_id
    verdict.archive_checked = True
    verdict.head_seq = head_seq
    key_name = public_key_name(practice, ws)
    listed = sorted({v.name for v in backend.versions(f"{practice}/{ws}/")} - {key_name})
    if not listed and not archived and backend.get(key_name) is None:
        return  # nothing archived yet (a new chain, or the job's first round is still to come)
    report = verify_archive(backend, practice, ws, archive_keys, local, archived)
    verdict.problems.extend(f"archive: {p}" for p in report.problems)
    published = backend.get(key_name)
    if pinned_key is not None and published is not None and published != pinned_key:
        verdict.problems.append(
            f"archive: {key_name}: not the key the hub pinned with this workstation's first batch"
        )
    verdict.archive_entries = report.entries
    verdict.archive_last_seq = report.last_seq
    verdict.archive_last_batch = listed[-1] if listed else None
