"""The application's recurring jobs, built once and run by the one job queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from app.bootstrap import Services
from services.jobs import DatabaseJobRecord, Job, JobQueue
from services.retry import Backoff
from storage.jobs_repo import JobsRepository
from storage.sqlcipher_ops import reclaim_space

if TYPE_CHECKING:
    from app.compliance_setup import Compliance
    from app.desk import Desk
    from services.archive.backends import ArchiveBackend
    from services.archive.sync import ArchiveSync

ARCHIVE = "archive"
ARCHIVE_VERIFY = "archive_verify"
HOUSEKEEPING = "housekeeping"
# Cached PMS answers older than this are dropped: nobody shows a day read a month ago.
PMS_CACHE_WINDOW = timedelta(days=31)
BACKUP = "backup"
COMPLIANCE_SCAN = "compliance_scan"
WORKLIST_SCAN = "worklist_scan"
PMS_WRITES = "pms_writes"
HUB = "hub"
HUB_EVERY_SECONDS = 30.0  # a session the hub ended (account disabled) ends here within a minute


def job_record(services: Services) -> DatabaseJobRecord:
    return DatabaseJobRecord(JobsRepository(services.installation.db), services.clock)


def archive_job(services: Services) -> Job:
    """Send the trail to the write-once archive; a misconfigured archive fails visibly."""
    built: list[ArchiveSync] = []

    def run() -> str:
        from app.archive_setup import archive_sync
        from services.hub.batch_backend import HubBatchBackend

        if not built:
            built.append(archive_sync(services))  # raises ArchiveMisconfigured until IT fixes it
        sync = built[0]
        sync.sync_once(hold_partial=True)  # a partial batch waits until it is an hour old
        status = sync.status()
        backend = sync.backend
        to_hub = isinstance(backend, HubBatchBackend)
        if isinstance(backend, HubBatchBackend):  # a joined PC's: the hub shows its backlog
            # The hub says where this PC's chain ends there: behind what it took (a hub
            # restored from an older backup), the lost batches go again, new entries or not.
            backend.report_head(
                status.confirmed_seq + status.backlog, status.confirmed_seq, services.clock.now()
            )
        if sync.prune_local():
            reclaim_space(services.installation.db)  # the file shrinks, not only its tables
        waiting = status.backlog
        where = " at the hub" if to_hub else ""
        return f"{waiting} waiting" if waiting else f"up to date{where}"

    return Job(ARCHIVE, "Archive", run, every=60.0, backoff=Backoff(60.0, 3600.0), first_after=2.0)


def archive_verify_job(services: Services) -> Job:
    """Check the objects the archive received since the last check; the whole archive weekly."""
    built: list[ArchiveBackend] = []

    def run() -> str:
        from app.archive_setup import archive_backend, archive_keys
        from services.archive.checkpoint import scheduled_verification
        from services.archive.setup import full_verify_every
        from storage.archive_repo import ArchiveRepository

        if not built:
            built.append(archive_backend(services))
        return scheduled_verification(
            built[0],
            services.trail,
            ArchiveRepository(services.installation.db),
            archive_keys(services),
            services.clock.now(),
            full_verify_every(services.installation),
        )

    return Job(
        ARCHIVE_VERIFY,
        "Archive check",
        run,
        every=3600.0,
        backoff=Backoff(3600.0, 86400.0),
        first_after=600.0,
    )


def housekeeping_job(services: Services) -> Job:
    """Drop old cached PMS answers and give the freed pages back to the disk."""

    def run() -> str:
        from storage.desk_repo import DeskRepository

        db = services.installation.db
        evicted = DeskRepository(db).cache_evict(services.clock.now() - PMS_CACHE_WINDOW)
        compacted = reclaim_space(db)
        return f"{evicted} old cached answers dropped" + (", file compacted" if compacted else "")

    return Job(HOUSEKEEPING, "Housekeeping", run, every=6 * 3600.0, first_after=300.0)


def backup_job(services: Services) -> Job:
    def run() -> str:
        from services.backup.schedule import run_scheduled_backup

        report = run_scheduled_backup(services.installation, services.clock, services.trail)
        return "not due" if report is None else "backed up and verified"

    return Job(
        BACKUP, "Backup", run, every=3600.0, backoff=Backoff(300.0, 3600.0), first_after=60.0
    )


def compliance_job(services: Services, compliance: Compliance) -> Job:
    def run() -> str:
        raised = compliance.scan(services)
        return f"{len(raised)} new alerts" if raised else "no new alerts"

    return Job(COMPLIANCE_SCAN, "Compliance scan", run, every=900.0, first_after=30.0)


def worklist_job(services: Services, desk: Callable[[], Desk]) -> Job:
    """Recall and waitlist scans as agent actors (same rules and audit as people)."""

    def run() -> str:
        from services.workflows.agents import scan

        d = desk()
        result = scan(d.recall, d.waitlist, services.calendar.today())
        return (
            f"{result.overdue_recalls} overdue recalls · {result.waitlist_offers} waitlist offers"
        )

    return Job(WORKLIST_SCAN, "Worklist scan", run, every=1800.0, first_after=5.0)


def pms_writes_job(services: Services, desk: Callable[[], Desk]) -> Job:
    """Send the PMS writes kept while Open Dental could not be reached, oldest first; the
    job fails (and backs off) while it still cannot be reached."""

    def run() -> str:
        return desk().pending.send_pending()

    return Job(
        PMS_WRITES, "PMS writes", run, every=60.0, backoff=Backoff(30.0, 900.0), first_after=10.0
    )


def hub_job(services: Services, sessions_ended: Callable[[list[str]], None]) -> Job:
    """A joined PC's round with the practice hub: open sessions checked (an ended one signs
    out here), the practice's settings pulled, offline sign-ins reported."""
    from services.hub.offline import reconcile
    from services.hub.practice_settings import pull_settings
    from storage.compliance_repo import ComplianceRepository
    from storage.hub_cache_repo import HubCacheRepository

    hub = services.hub
    assert hub is not None
    inst = services.installation

    def run() -> str:
        ended = hub.check_sessions()
        if ended:
            sessions_ended(ended)
        changed = pull_settings(hub.client, inst.settings, services.clock.now())
        cache = HubCacheRepository(inst.db, inst.database_key)
        done = reconcile(
            hub.client, cache, services.trail, ComplianceRepository(inst.db), services.clock
        )
        parts = ["connected"]
        if ended:
            parts.append(f"{len(ended)} sessions ended")
        if changed:
            parts.append(f"{changed} settings changed")
        if done.reported:
            parts.append(f"{done.reported} offline sign-ins reported")
        return " · ".join(parts)

    return Job(
        HUB,
        "Practice hub",
        run,
        every=HUB_EVERY_SECONDS,
        backoff=Backoff(HUB_EVERY_SECONDS, HUB_EVERY_SECONDS),
        first_after=1.0,
    )


def build_jobs(
    services: Services,
    compliance: Compliance,
    desk: Callable[[], Desk],
    sessions_ended: Callable[[list[str]], None] | None = None,
) -> JobQueue:
    queue = JobQueue(services.clock, job_record(services))
    if services.hub is not None:
        queue.add(hub_job(services, sessions_ended or (lambda _ended: None)))
    for job in (
        archive_job(services),
        archive_verify_job(services),
        backup_job(services),
        housekeeping_job(services),
        compliance_job(services, compliance),
        worklist_job(services, desk),
        pms_writes_job(services, desk),
    ):
        queue.add(job)
    return queue
