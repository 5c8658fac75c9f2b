"""`enamel-admin audit verify --practice`: every workstation's chain as the hub holds it.

Each workstation's stored batches are read as an archive (the same checks as
`audit verify --archive`, `services.archive.verify.verify_archive`): the signature under the
key pinned with its first batch, decryption, every entry's hash and link, seq continuity
from seq 1, and batch-to-batch links. On top, the hub's own
record of the last batch it received must still be there (a withheld last batch shows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.archive.backends import ArchiveMisconfigured, ObjectVersion, PutResult
from services.archive.batch import public_key_name
from services.archive.verify import verify_archive
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

    @property
    def ok(self) -> bool:
        return not self.problems


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
