"""The hub's "archive" job: every stored chain, and the hub's own trail, to the write-once archive.

It runs on the hub's one job queue (`services/jobs.py`: one persistent thread, so one database
connection of its own), never on the database thread that answers requests, so a slow or
unreachable archive never holds up a sign-in. A failed round is retried on the shared back-off
(`services/retry.py`); the per-chain cursors and the hub's own sync cursor are in the database,
so nothing is lost and the next round resumes without a gap. The first round of a process takes
back from the archive the batches a hub restored from an older backup lacks (its start-up
take-back, `services/hub/take_back.py`), retried with the round until the archive answers. The archive backend is built once
and again only when IT changes the hub's archive settings (`enamel-admin --data-dir HUB
archive set ...`): one client, one connection pool, whatever the number of rounds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from services.archive.backends import ArchiveBackend
from services.archive.settings import S3_ACCESS_KEY, S3_SECRET_KEY, ArchiveSettings
from services.archive.sync import ArchiveSync
from services.audit import AuditTrail
from services.clock import Clock
from services.hub.forward import DEFAULT_FORWARD_EVERY, FORWARD_EVERY, ArchiveForwarder
from services.hub.take_back import ChainTakeBack
from services.installation import Installation
from services.jobs import DatabaseJobRecord, Job, JobQueue
from services.retry import Backoff
from storage.hub_batches_repo import HubBatchRepository
from storage.hub_forward_repo import HubForwardRepository
from storage.hub_repo import HubRepository
from storage.jobs_repo import JobsRepository

HUB_ARCHIVE = "hub_archive"


class HubArchive:
    """The hub's archive backend and its own `ArchiveSync`, rebuilt only when the settings change."""

    def __init__(self, installation: Installation, trail: AuditTrail, clock: Clock) -> None:
        self._inst = installation
        self._trail = trail
        self._clock = clock
        self._made: tuple[str, ArchiveBackend, ArchiveSync] | None = None

    def _fingerprint(self) -> str:
        secrets = self._inst.secrets
        parts = [repr(ArchiveSettings.read(self._inst.settings))]
        for name in (S3_ACCESS_KEY, S3_SECRET_KEY):
            parts.append(hashlib.sha256(secrets.get(name) or b"").hexdigest())
        return "\n".join(parts)

    def current(self) -> tuple[ArchiveBackend, ArchiveSync]:
        from services.archive.setup import build_archive_backend, build_sync

        fingerprint = self._fingerprint()
        if self._made is None or self._made[0] != fingerprint:
            self._made = None  # the old client goes with it
            backend = build_archive_backend(self._inst)  # ArchiveMisconfigured until IT fixes it
            sync = build_sync(self._inst, self._trail, self._clock, backend)
            self._made = (fingerprint, backend, sync)
        return self._made[1], self._made[2]


def forward_every(installation: Installation) -> float:
    raw = installation.settings.get(FORWARD_EVERY, "") or ""
    try:
        seconds = int(raw) if raw else DEFAULT_FORWARD_EVERY
    except ValueError:
        seconds = DEFAULT_FORWARD_EVERY
    return float(min(max(seconds, 1), 3600))


def _chain_take_back(installation: Installation, trail: AuditTrail, clock: Clock) -> ChainTakeBack:
    from services.archive.setup import archive_keys
    from services.hub.batches import BatchInbox

    def keep(kid: str, key: bytes) -> None:  # a take-back adds no key: only a hand-over does
        raise AssertionError("no archive key is added by a take-back")

    inbox = BatchInbox(
        HubBatchRepository(installation.db),
        installation.practice_id,
        archive_keys(installation),
        clock,
        keep,
    )
    return ChainTakeBack(
        inbox,
        HubBatchRepository(installation.db),
        HubForwardRepository(installation.db),
        trail,
        clock,
        installation.practice_id,
    )


def hub_archive_job(
    installation: Installation,
    trail: AuditTrail,
    clock: Clock,
    taken_back: Callable[[], object] | None = None,
) -> Job:
    """`taken_back` is called after the start-up take-back stored batches (the entry index
    catches up on the request thread's side)."""
    archive = HubArchive(installation, trail, clock)
    take_back = _chain_take_back(installation, trail, clock)
    pending = [True]  # once per process, before its first forwarding: at start-up
    forwarder = ArchiveForwarder(
        HubBatchRepository(installation.db),
        HubForwardRepository(installation.db),
        trail,
        clock,
        installation.practice_id,
    )
    state = HubForwardRepository(installation.db)

    def run() -> str:
        try:
            backend, own = archive.current()
            if pending:
                # A hub restored from an older backup takes back from its archive, per chain,
                # what it had forwarded there after its restored head (services/hub/take_back.py).
                ids = [w.workstation_id for w in HubRepository(installation.db).workstations()]
                got = take_back.take_back(backend, ids)
                pending.clear()
                if got.batches and taken_back is not None:
                    taken_back()
            forwarded = forwarder.forward_once(backend)
            own.sync_once(hold_partial=True)  # the hub's own trail, as any installation's
        except Exception as exc:
            state.note_failure(type(exc).__name__, clock.now())
            raise
        state.note_success(clock.now())
        held = f"; {forwarded.alarms} held by a tamper alarm" if forwarded.alarms else ""
        return f"{forwarded.batches} batches archived{held}"

    every = forward_every(installation)
    return Job(
        HUB_ARCHIVE,
        "Practice archive",
        run,
        every=every,
        backoff=Backoff(every, max(every, 3600.0)),
        first_after=1.0,
    )


def start_hub_jobs(
    installation: Installation,
    trail: AuditTrail,
    clock: Clock,
    taken_back: Callable[[], object] | None = None,
) -> JobQueue:
    """The hub process's job queue (started here; `stop()` it before the installation closes)."""
    queue = JobQueue(clock, DatabaseJobRecord(JobsRepository(installation.db), clock))
    queue.add(hub_archive_job(installation, trail, clock, taken_back))
    queue.start()
    return queue
