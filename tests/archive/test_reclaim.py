"""Six years of pruning give the disk back: VACUUM after pruning, old PMS cache rows evicted."""

from __future__ import annotations

from datetime import timedelta

from app.archive_setup import archive_backend
from app.bootstrap import Services
from app.jobs_setup import archive_job, housekeeping_job
from services.archive.settings import BATCH_SIZE
from services.audit import verify_local
from services.clock import ManualClock
from services.jobs import JobQueue
from storage.desk_repo import DeskRepository
from tests.archive.conftest import add_entries, verify


def file_size(services: Services) -> int:
    """The database file with its write-ahead log, as the disk holds it."""
    path = services.installation.layout.database
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def checkpointed_size(services: Services) -> int:
    services.installation.db.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return file_size(services)


def test_the_archive_job_prunes_then_compacts_the_file(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    services.installation.settings.set(BATCH_SIZE, "1000", clock.now())
    for _ in range(8):
        add_entries(services, 1000)
    queue = JobQueue(clock)
    queue.add(archive_job(services))
    queue.run_now("archive")
    queue.run_due()  # 8,000 entries: full batches, sent at once
    assert queue.status("archive").message == "up to date"
    before = checkpointed_size(services)
    clock.advance(401 * 86400)  # past the 400-day local window
    add_entries(services, 10)
    queue.run_now("archive")
    queue.run_due()
    assert services.trail.repository.count() == 10  # the archived 8,000 pruned here
    after = file_size(services)
    assert after < before / 3, (before, after)
    assert verify_local(services.trail.repository).ok
    clock.advance(3600)
    queue.run_now("archive")
    queue.run_due()
    report = verify(services, archive_backend(services))
    assert report.ok, report.problems
    assert report.entries == 8010


def test_housekeeping_evicts_old_cached_answers_and_compacts(services: Services) -> None:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    repo = DeskRepository(services.installation.db)
    payload = "x" * 20_000
    for day in range(120):
        repo.cache_put("schedule", f"day-{day:03d}", payload, clock.now())
    clock.advance(40 * 86400)
    repo.cache_put("schedule", "today", payload, clock.now())
    before = checkpointed_size(services)
    queue = JobQueue(clock)
    queue.add(housekeeping_job(services))
    queue.run_now("housekeeping")
    queue.run_due()
    assert queue.status("housekeeping").message == "120 old cached answers dropped, file compacted"
    assert repo.cache_get("schedule", "day-000") is None
    assert repo.cache_get("schedule", "today") is not None
    assert file_size(services) < before / 3
    clock.advance(timedelta(hours=6).total_seconds())
    queue.run_due()
    assert queue.status("housekeeping").message == "0 old cached answers dropped"
