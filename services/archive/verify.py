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

Incremental: given `start` (the last batch an earlier verification found sound), only the
names after it are listed and read, the chains continue from its hashes, and the local
trail is compared from its last entry on. Versions and objects before it are not looked at
again: `archive verify --full` and the weekly job do that. Memory stays flat: objects are
fetched a few at a time, and the local trail is read alongside the archive, seq by seq,
never held whole.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from services.archive.backends import ArchiveBackend
from services.archive.batch import (
    GENESIS,
    BatchInvalid,
    OpenedBatch,
    open_batch,
    peek_header,
    public_key_name,
)
from services.audit.entry import canonical
from storage.audit_repo import AuditRepository

# (name, first_seq, last_seq, batch_hash, last_entry_hash) as ArchiveRepository.batches() gives.
ConfirmedBatch = tuple[str, int, int, str, str]
FETCH_WORKERS = 8


@dataclass(frozen=True)
class SoundBatch:
    """A batch verification reached and found sound: where the next one may start."""

    name: str
    last_seq: int
    batch_hash: str
    last_entry_hash: str


@dataclass
class ArchiveReport:
    batches: int = 0
    entries: int = 0
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)
    last_batch: SoundBatch | None = None  # the last batch read, if everything was sound
    full: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_archive(
    backend: ArchiveBackend,
    practice: str,
    workstation: str,
    archive_keys: Mapping[str, bytes],
    local: AuditRepository | None = None,
    confirmed: Iterable[ConfirmedBatch] = (),
    *,
    start: SoundBatch | None = None,
    workers: int = FETCH_WORKERS,
) -> ArchiveReport:
    """Check the archive (all of it, or only what follows `start`). `confirmed` may be every
    batch this workstation confirmed; those ending at or before `start` are skipped."""
    report = ArchiveReport(full=start is None)
    problem = report.problems.append
    prefix = f"{practice}/{workstation}/"
    seen: dict[str, int] = {}
    for v in backend.versions(prefix, after=start.name if start else ""):
        if v.is_delete_marker:
            problem(f"{v.name}: a delete marker (someone tried to delete it)")
        else:
            seen[v.name] = seen.get(v.name, 0) + 1
    for name, count in sorted(seen.items()):
        if count > 1:
            problem(f"{name}: {count} versions (it was overwritten)")
    key_name = public_key_name(practice, workstation)
    names = sorted(n for n in seen if n != key_name)
    if start is None:
        prev_batch, prev_entry, expected_seq = GENESIS, GENESIS, 1
    else:
        prev_batch, prev_entry = start.batch_hash, start.last_entry_hash
        expected_seq = start.last_seq + 1
    compare = _LocalComparison(local, start, problem) if local is not None else None
    last: SoundBatch | None = start
    batch_hashes: dict[str, str] = {}  # one short hash per batch read, for the cursor check
    public_key = backend.get(key_name) if names or start is None else b""
    if public_key is None:
        problem(f"{key_name}: the workstation's public key is missing")
        return report
    owner = (practice, workstation)
    for name, fetched in _fetch_all(backend, names, owner, archive_keys, public_key, workers):
        if isinstance(fetched, str):
            problem(f"{name}: {fetched}")
            continue
        h = fetched.header
        batch_hashes[name] = fetched.batch_hash
        first, last_seq = int(h["first_seq"]), int(h["last_seq"])
        if not name.endswith(f"/{first:012d}-{last_seq:012d}"):
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
        for line in fetched.lines:
            facts = _facts(line)
            if not facts.hash_ok:
                problem(f"{name}: entry {facts.seq} does not match its hash")
            if facts.seq != seq:
                problem(f"{name}: entry {facts.seq} is out of order (expected {seq})")
            if facts.owner != (practice, workstation):
                problem(f"{name}: entry {facts.seq} belongs to another workstation")
            if facts.prev_hash != link:
                problem(f"{name}: entry {facts.seq} breaks the chain")
            link = facts.hash
            if compare is not None:
                compare.archived(seq, facts.hash)
            seq += 1
        if len(fetched.lines) != h["count"] or seq - 1 != last_seq or link != h["last_entry_hash"]:
            problem(f"{name}: the header does not describe its entries")
        prev_batch, prev_entry, expected_seq = fetched.batch_hash, link, last_seq + 1
        last = SoundBatch(name, last_seq, fetched.batch_hash, link)
        report.batches += 1
        report.entries += len(fetched.lines)
    report.last_seq = expected_seq - 1
    after_seq = start.last_seq if start else 0
    for name, first, last_confirmed, batch_hash, _ in confirmed:
        if last_confirmed <= after_seq:
            continue
        if name not in seen:
            problem(
                f"{name}: missing from the archive (seqs {first}-{last_confirmed}, confirmed by "
                "this workstation)"
            )
        elif name in batch_hashes and batch_hashes[name] != batch_hash:
            problem(f"{name}: is not the batch this workstation sent")
    if compare is not None:
        compare.finish()
    report.last_batch = last if report.ok else None
    return report


# -- fetching -----------------------------------------------------------------------------


def _fetch_all(
    backend: ArchiveBackend,
    names: Sequence[str],
    owner: tuple[str, str],
    archive_keys: Mapping[str, bytes],
    public_key: bytes,
    workers: int = FETCH_WORKERS,
) -> Iterator[tuple[str, OpenedBatch | str]]:
    """Each name's opened batch (or what is wrong with it), in order.

    The objects are fetched by a small pool: a bounded fan-out inside the one verification
    (the job queue's, or the command's), not background work of its own; it ends with the
    generator. The pool only waits on the archive (I/O); checking stays on the caller's
    thread, so the threads do not fight over the interpreter. At most `4 * workers` objects
    are in memory at once.
    """

    def opened(data: bytes | None) -> OpenedBatch | str:
        if data is None:
            return "listed but cannot be read"
        try:
            claimed = peek_header(data)
            theirs = (claimed.get("practice_id"), claimed.get("workstation_id"))
            if theirs != owner:
                return f"belongs to {theirs[0]}/{theirs[1]} (swapped in)"
            return open_batch(data, archive_keys, public_key)
        except BatchInvalid as exc:
            return exc.message

    if not names:
        return
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="verify") as pool:
        window: deque[tuple[str, Future[bytes | None]]] = deque()
        pending = iter(names)
        try:
            for name in pending:
                window.append((name, pool.submit(backend.get, name)))
                if len(window) >= 4 * workers:
                    first, future = window.popleft()
                    yield first, opened(future.result())
            while window:
                first, future = window.popleft()
                yield first, opened(future.result())
        finally:
            for _, future in window:
                future.cancel()


# -- one entry line -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    seq: object
    hash: str
    hash_ok: bool
    prev_hash: object
    owner: tuple[object, object]


_HASH_KEY = ',"hash":"'


def _facts(line: str) -> _Facts:
    """What the verifier needs from one stored line, hashing the line with its hash spliced
    out (the stored body, byte for byte) rather than parsing and re-serialising it.

    A line is canonical JSON of flat values; a key followed by `":` can occur only as a key
    (a quote inside a string is escaped), so a key found exactly once is the entry's own.
    Any other shape takes the parsing path, which gives the same answers.
    """
    at = line.find(_HASH_KEY)
    end = at + len(_HASH_KEY) + 64
    if at > 0 and line[end : end + 1] == '"' and line.count('"hash":') == 1:
        stated = line[at + len(_HASH_KEY) : end]
        body = line[:at] + line[end + 1 :]
        seq = _once(body, '"seq":', _SEQ)
        prev = _once(body, '"prev_hash":', _PREV)
        practice = _once(body, '"practice_id":', _PRACTICE)
        workstation = _once(body, '"workstation_id":', _WORKSTATION)
        if seq is not None and prev is not None and practice is not None and workstation:
            ok = hashlib.sha256(body.encode()).hexdigest() == stated
            return _Facts(int(seq), stated, ok, prev, (practice, workstation))
    return _parsed_facts(line)


def _parsed_facts(line: str) -> _Facts:
    try:
        entry = json.loads(line)
    except ValueError:
        entry = {}
    if not isinstance(entry, dict):
        entry = {}
    stated = str(entry.pop("hash", ""))
    ok = hashlib.sha256(canonical(entry).encode()).hexdigest() == stated
    owner = (entry.get("practice_id"), entry.get("workstation_id"))
    return _Facts(entry.get("seq"), stated, ok, entry.get("prev_hash"), owner)


_SEQ = re.compile(r'"seq":(0|[1-9][0-9]*)[,}]')
_PREV = re.compile(r'"prev_hash":"([^"\\]*)"')
_PRACTICE = re.compile(r'"practice_id":"([^"\\]*)"')
_WORKSTATION = re.compile(r'"workstation_id":"([^"\\]*)"')


def _once(body: str, key: str, pattern: re.Pattern[str]) -> str | None:
    """The value of `key` if the key occurs exactly once and its value is plain."""
    if body.count(key) != 1:
        return None
    found = pattern.search(body)
    return None if found is None else found.group(1)


# -- the local trail, alongside ----------------------------------------------------------


class _LocalComparison:
    """The local trail must hold the archived entries unchanged and continue from the last.

    Pruning only ever removes archived entries and leaves an anchor equal to the last one
    removed, so: the anchor is an archived entry, every seq from the anchor to the last
    archived one is still here, and the local head is never behind the archive. Archived
    entries arrive in seq order and are checked against the local rows as they come; only
    the first local problem is reported.
    """

    def __init__(
        self, local: AuditRepository, start: SoundBatch | None, problem: Callable[[str], None]
    ) -> None:
        self._problem = problem
        self._anchor_seq, self._anchor_hash = local.anchor()
        self._last: tuple[int, str] | None = None  # the newest archived (seq, hash) seen
        self._done = False
        begin = start.last_seq if start else 0
        # From where the last verification ended; if the local trail no longer reaches it, from
        # the newest local entry before it, so a cut is reported as the span really missing.
        self._expected = max(self._anchor_seq + 1, min(begin, local.last_seq(begin) + 1))
        self._rows = local.rows(self._expected)
        self._row = next(self._rows, None)
        if start is not None:  # the last entry verified before must still be here unchanged
            self.archived(start.last_seq, start.last_entry_hash)

    def _report(self, message: str) -> None:
        self._problem(message)
        self._done = True

    def _step(self, upto: int) -> None:
        """Walk the local rows before `upto` (not archived there): only continuity to check."""
        while not self._done and self._row is not None and self._row[0] < upto:
            self._continuous(self._row[0])
            self._row = next(self._rows, None)

    def _continuous(self, seq: int) -> None:
        if seq > self._expected:
            self._report(
                f"local entries {_span(self._expected, seq - 1)} are missing "
                "(the archive holds them; the local trail was cut)"
            )
        self._expected = max(self._expected, seq + 1)

    def archived(self, seq: int, hash_: str) -> None:
        if self._last is None or seq > self._last[0]:
            self._last = (seq, hash_)
        if self._done:
            return
        if seq <= self._anchor_seq:
            if seq == self._anchor_seq and seq > 0 and hash_ != self._anchor_hash:
                self._report(
                    f"the local anchor at seq {seq} differs from archived entry {seq} "
                    "(the local trail was rewritten)"
                )
            return
        self._step(seq)
        if self._done or self._row is None or self._row[0] != seq:
            return  # a missing local entry shows at the next row, or at the end
        self._continuous(seq)
        if not self._done and self._row[2] != hash_:
            self._report(
                f"local entry {seq} differs from the archived copy (the local trail was rewritten)"
            )
        self._row = next(self._rows, None)

    def finish(self) -> None:
        if self._done or self._last is None:
            return
        last, last_hash = self._last
        if self._anchor_seq > last:
            self._report(
                f"local entries {_span(last + 1, self._anchor_seq)} are missing: the local trail "
                f"starts after seq {self._anchor_seq} but the archive ends at seq {last}"
            )
            return
        self._step(last + 1)
        row = self._row
        if not self._done and row is not None and row[0] == last + 1:
            self._continuous(row[0])
            if not self._done and f'"prev_hash":"{last_hash}"' not in row[1]:
                self._report(
                    f"local entry {row[0]} does not continue from archived entry {last} "
                    "(the local trail was rewritten)"
                )
        if not self._done and self._expected <= last:
            self._report(
                f"local entries {_span(self._expected, last)} are missing: the local trail ends "
                f"at seq {self._expected - 1} but the archive holds up to seq {last} (the local "
                "trail was cut)"
            )


def _span(first: int, last: int) -> str:
    return f"{first}-{last}" if last > first else str(first)
