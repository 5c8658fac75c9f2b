"""Sync: the trail, batch by batch, to the archive, resuming from a durable cursor.

How it stays exactly-once across crashes, restarts and days offline:

- The cursor (last confirmed seq and batch hash) lives in the database and moves only after
  the backend accepted a batch (and, for S3, after reading it back).
- Sealing is deterministic (see `batch`), so a batch sent again is byte-for-byte the one
  that may already be there: "already exists with the same bytes" is done, different bytes
  are a tamper alarm.
- A batch may have landed although the answer never came (crash, timeout) and the trail
  may have grown since, so the next batch would be a longer range with another name. Each
  round therefore first looks for an object starting right after the cursor and adopts it
  (after checking its bytes are exactly what this workstation would seal) before sealing
  anything new: no overlap, no gap, no reorder.
- Before the first upload of a process the backend's `check()` must pass, so a bucket
  without Object Lock never receives a batch.

`ArchiveSync.sync_once()` is the unit of work (CLI, tests, benchmark); in the app it is the
"archive" job of the one job queue (`services.jobs`), which retries it on the shared back-off.

When to seal: the job's rounds (`hold_partial=True`) send only full batches (`batch_size`
entries) and a last, partial one only once its oldest entry is `seal_after` old (an hour by
default), so a workstation writes about one object an hour rather than one a minute (a
million objects in six years). `enamel-admin archive sync` sends everything at once.
`ArchiveSync.status()` is cheap and thread-safe.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from errors import EnamelError
from services.access import Actor
from services.archive.backends import ArchiveBackend, PutResult
from services.archive.batch import SealedBatch, Sealer, object_name, public_key_name
from services.archive.settings import BATCH_SIZE, DEFAULT_SEAL_AFTER_MINUTES, LOCAL_WINDOW_DAYS
from services.audit import AuditEvent, AuditTrail, Outcome
from services.audit.entry import AuditEntry, iso_millis
from services.clock import Clock
from storage.archive_repo import ArchiveRepository

log = logging.getLogger("services.archive.sync")
SYNC_ACTOR = Actor.system("archive_sync")
LOCAL_WINDOW_SETTING = LOCAL_WINDOW_DAYS
DEFAULT_LOCAL_WINDOW_DAYS = 400
BATCH_SIZE_SETTING = BATCH_SIZE
DEFAULT_BATCH_SIZE = 5000
MAX_BATCH_SIZE = 50_000


class TamperAlarm(EnamelError):
    """The archive holds different bytes under a name Enamel wrote: someone changed it."""

    exit_code = 1


@dataclass(frozen=True)
class SyncStatus:
    """What a status bar shows: how far the archive goes, what waits, how the last try went."""

    confirmed_seq: int
    backlog: int
    last_success: datetime | None
    last_failure: datetime | None
    last_error: str | None  # an error class name, never a message
    consecutive_failures: int = 0


@dataclass(frozen=True)
class SyncResult:
    batches: int
    entries: int


class ArchiveSync:
    def __init__(
        self,
        trail: AuditTrail,
        repo: ArchiveRepository,
        backend: ArchiveBackend,
        clock: Clock,
        *,
        archive_key: bytes,
        signing_key: bytes,
        batch_size: int = DEFAULT_BATCH_SIZE,
        local_window_days: int = DEFAULT_LOCAL_WINDOW_DAYS,
        seal_after: timedelta = timedelta(minutes=DEFAULT_SEAL_AFTER_MINUTES),
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError("batch size out of range")
        self._trail = trail
        self._repo = repo
        self.backend = backend
        self._clock = clock
        self._signing_key = signing_key
        self._sealer = Sealer(trail.practice_id, trail.workstation_id, archive_key, signing_key)
        self.batch_size = batch_size
        self.local_window_days = local_window_days
        self.seal_after = seal_after
        self._lock = threading.Lock()
        self._checked = False
        self._published = False
        self._failures = 0
        # Whether a batch may have reached the archive without its answer (before this process
        # started, in a round that failed, or sent by another process on this computer): only
        # then is the archive listed for one to adopt. After an acknowledged PUT, no listing.
        self._in_doubt = True
        self._known_cursor: int | None = None

    @property
    def prefix(self) -> str:
        return f"{self._trail.practice_id}/{self._trail.workstation_id}/"

    def public_key(self) -> bytes:
        return (
            Ed25519PrivateKey.from_private_bytes(self._signing_key)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    # -- one round -----------------------------------------------------------------------

    def sync_once(self, *, hold_partial: bool = False) -> SyncResult:
        """Send every unsent entry; returns what was sent. Safe to call from several threads.

        `hold_partial`: keep back a last batch of fewer than `batch_size` entries until its
        oldest entry is `seal_after` old (the job's rounds); without it everything goes now.
        Raises ArchiveUnavailable (try later), ArchiveMisconfigured (IT must act) or
        TamperAlarm; each failure is recorded (time and error class) before it propagates.
        """
        with self._lock:
            try:
                result = self._sync(hold_partial)
            except Exception as exc:
                self._in_doubt = True
                self._failures += 1
                self._repo.note_failure(type(exc).__name__, self._clock.now())
                raise
            self._failures = 0
            if not result.batches:  # confirming a batch noted the success already
                self._repo.note_success(self._clock.now())
            return result

    def _sync(self, hold_partial: bool) -> SyncResult:
        batches = entries = 0
        prepared = False
        while True:
            last_seq, last_batch_hash = self._repo.cursor()
            rows = list(self._trail.repository.rows(last_seq + 1, last_seq + self.batch_size))
            if not rows or (hold_partial and not self._due(rows)):
                return SyncResult(batches, entries)
            if not prepared:
                # Only a round that has something to send talks to the archive at all.
                prepared = True
                adopted = self._prepare()
                if adopted is not None:
                    batches, entries = 1, adopted.last_seq - adopted.first_seq + 1
                    continue
            if rows[0][0] != last_seq + 1:
                # Entries after the cursor are gone (pruned or deleted): never skip silently.
                raise TamperAlarm(
                    "Audit entries that were never archived are missing from this computer. "
                    "Call your compliance officer."
                )
            sealed = self._sealer.seal(rows, last_batch_hash)
            result = self.backend.put_new(sealed.name, sealed.data, self._clock.now())
            if result is PutResult.EXISTS_DIFFERENT:
                self._alarm(sealed.name)
            self._confirm(sealed)
            batches += 1
            entries += len(rows)

    def _due(self, rows: list[tuple[int, str, str]]) -> bool:
        """A full batch is due at once; a partial one when its oldest entry is old enough."""
        if len(rows) >= self.batch_size:
            return True
        oldest = AuditEntry.from_row(*rows[0]).timestamp
        return oldest <= iso_millis(self._clock.now() - self.seal_after)

    def _prepare(self) -> SealedBatch | None:
        """Before the first batch of a round: Object Lock checked, key published, a batch
        that landed unconfirmed adopted (returned)."""
        if not self._checked:
            self.backend.check()  # no Object Lock, no batch
            self._checked = True
        self._publish_key()
        if self._repo.cursor()[0] != self._known_cursor:
            self._in_doubt = True  # another process (enamel-admin archive sync) moved it
        if not self._in_doubt:
            return None
        adopted = self._adopt_landed_batch()
        self._in_doubt = False
        if adopted is None:
            self._known_cursor = self._repo.cursor()[0]
        return adopted

    def _confirm(self, sealed: SealedBatch) -> None:
        self._repo.confirm(
            sealed.name,
            sealed.first_seq,
            sealed.last_seq,
            sealed.batch_hash,
            sealed.last_entry_hash,
            self._clock.now(),
        )
        self._known_cursor = sealed.last_seq
        log.info(
            "archive.batch_confirmed",
            extra={"first_seq": sealed.first_seq, "last_seq": sealed.last_seq},
        )

    def _adopt_landed_batch(self) -> SealedBatch | None:
        """Confirm a batch that reached the archive although its answer never came back."""
        last_seq, last_batch_hash = self._repo.cursor()
        first = last_seq + 1
        landed = sorted(
            {
                v.name
                for v in self.backend.versions(f"{self.prefix}{first:012d}-")
                if not v.is_delete_marker
            }
        )
        for name in landed:
            try:
                last = int(name.rsplit("-", 1)[1])
            except ValueError:
                continue
            rows = list(self._trail.repository.rows(first, last))
            if not rows or rows[0][0] != first or rows[-1][0] != last:
                continue
            if (
                object_name(self._trail.practice_id, self._trail.workstation_id, first, last)
                != name
            ):
                continue
            stored = self.backend.get(name)
            again = self._sealer.seal_again(rows, last_batch_hash)
            sealed = next((s for s in again if s.data == stored), None)
            if sealed is not None:
                self._confirm(sealed)
                return sealed
        if landed:
            self._alarm(landed[0])
        return None

    def _publish_key(self) -> None:
        if self._published:
            return
        name = public_key_name(self._trail.practice_id, self._trail.workstation_id)
        if (
            self.backend.put_new(name, self.public_key(), self._clock.now())
            is PutResult.EXISTS_DIFFERENT
        ):
            self._alarm(name)
        self._published = True

    def _alarm(self, name: str) -> None:
        log.error("archive.tamper_detected", extra={"error_class": "TamperAlarm"})
        self._trail.append(
            AuditEvent(
                action="archive_tamper_detected",
                actor=SYNC_ACTOR,
                outcome=Outcome.FAILURE,
                resource_type="archive_batch",
                flags=("tamper",),
            )
        )
        raise TamperAlarm(
            f"The archive already holds a different object named {name}. The archive may have "
            "been tampered with: stop and call your compliance officer."
        )

    # -- status and local pruning ----------------------------------------------------------

    def status(self) -> SyncStatus:
        """Cheap (two small queries): safe to poll from a status bar every few seconds."""
        confirmed, _ = self._repo.cursor()
        backlog = max(0, self._repo.head_seq() - confirmed)
        success, failure, error = self._repo.state()
        return SyncStatus(confirmed, backlog, success, failure, error, self._failures)

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def prune(self, local_window_days: int) -> int:
        """Delete local entries that are confirmed in the archive and older than the window."""
        confirmed, _ = self._repo.cursor()
        cutoff = iso_millis(self._clock.now() - timedelta(days=local_window_days))
        up_to = self._repo.prunable_up_to(confirmed, cutoff)
        if up_to <= 0:
            return 0
        pruned = self._trail.repository.prune(up_to)
        if pruned:
            log.info("archive.local_pruned", extra={"count": pruned})
        return pruned

    def prune_local(self) -> int:
        """`prune` with the configured window (setting `archive.local_window_days`)."""
        return self.prune(self.local_window_days)
