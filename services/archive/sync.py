"""Sync: the trail, batch by batch, to the archive, resuming from a durable cursor."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from services.access import Actor
from services.archive.backends import ArchiveBackend, ArchiveUnavailable, PutResult
from services.archive.batch import public_key_name, seal
from services.audit import AuditEvent, AuditTrail, Outcome
from services.clock import Clock
from storage.archive_repo import ArchiveRepository
from storage.errors import EnamelError

log = logging.getLogger("services.archive.sync")
SYNC_ACTOR = Actor.system("archive_sync")


class TamperAlarm(EnamelError):
    """The archive holds different bytes under a name Enamel wrote: someone changed it."""

    exit_code = 1


@dataclass(frozen=True)
class SyncStatus:
    confirmed_seq: int
    backlog: int
    last_success: datetime | None
    last_failure: datetime | None
    last_error: str | None


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
        batch_size: int = 5000,
    ) -> None:
        self._trail = trail
        self._repo = repo
        self.backend = backend
        self._clock = clock
        self._archive_key = archive_key
        self._signing_key = signing_key
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._published = False

    @property
    def prefix(self) -> str:
        return f"{self._trail.practice_id}/{self._trail.workstation_id}/"

    def public_key(self) -> bytes:
        return (
            Ed25519PrivateKey.from_private_bytes(self._signing_key)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

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

    def sync_once(self) -> SyncResult:
        """Send every unsent entry; returns what was sent. Safe to call from several threads."""
        with self._lock:
            try:
                return self._sync()
            except ArchiveUnavailable as exc:
                self._repo.note_failure(type(exc).__name__, self._clock.now())
                raise
            except TamperAlarm:
                self._repo.note_failure("TamperAlarm", self._clock.now())
                raise

    def _sync(self) -> SyncResult:
        self._publish_key()
        batches = entries = 0
        while True:
            last_seq, last_batch_hash = self._repo.cursor()
            rows = list(self._trail.repository.rows(last_seq + 1, last_seq + self.batch_size))
            if not rows:
                return SyncResult(batches, entries)
            sealed = seal(
                rows,
                practice=self._trail.practice_id,
                workstation=self._trail.workstation_id,
                prev_batch_hash=last_batch_hash,
                archive_key=self._archive_key,
                signing_key=self._signing_key,
            )
            result = self.backend.put_new(sealed.name, sealed.data, self._clock.now())
            if result is PutResult.EXISTS_DIFFERENT:
                self._alarm(sealed.name)
            self._repo.confirm(
                sealed.name,
                sealed.first_seq,
                sealed.last_seq,
                sealed.batch_hash,
                sealed.last_entry_hash,
                self._clock.now(),
            )
            log.info(
                "archive.batch_confirmed",
                extra={"first_seq": sealed.first_seq, "last_seq": sealed.last_seq},
            )
            batches += 1
            entries += len(rows)

    def status(self) -> SyncStatus:
        confirmed, _ = self._repo.cursor()
        head = self._trail.repository.rows(confirmed + 1)
        backlog = sum(1 for _ in head)
        success, failure, error = self._repo.state()
        return SyncStatus(confirmed, backlog, success, failure, error)

    def prune(self, local_window_days: int) -> int:
        """Delete local entries that are confirmed in the archive and older than the window."""
        confirmed, _ = self._repo.cursor()
        cutoff = (self._clock.now() - timedelta(days=local_window_days)).strftime(
            "%Y-%m-%dT%H:%M:%S"
        )
        last = 0
        for seq, body, _ in self._trail.repository.rows(0, confirmed):
            if body[body.index('"timestamp":"') + 13 :][:19] >= cutoff:
                break
            last = seq
        return self._trail.repository.prune(last) if last else 0


class BackgroundSync:
    """Runs sync every `interval` seconds on a thread, backing off while the archive is away."""

    def __init__(
        self, sync: ArchiveSync, interval: float = 60.0, max_backoff: float = 3600.0
    ) -> None:
        self._sync = sync
        self._interval = interval
        self._max = max_backoff
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="archive-sync", daemon=True)
        self.failures = 0

    def start(self) -> None:
        self._thread.start()

    def nudge(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._sync.sync_once()
                self.failures = 0
            except EnamelError as exc:
                self.failures += 1
                log.warning(
                    "archive.sync_failed",
                    extra={"error_class": type(exc).__name__, "attempt": self.failures},
                )
            except Exception as exc:  # never let the thread die silently
                self.failures += 1
                log.error("archive.sync_crashed", extra={"error_class": type(exc).__name__})
            delay = (
                min(self._interval * (2 ** min(self.failures, 10)), self._max)
                if self.failures
                else self._interval
            )
            self._wake.wait(delay)
            self._wake.clear()
