"""When a batch is sealed: at `batch_size` entries or when its oldest entry is an hour old."""

from __future__ import annotations

from pathlib import Path

from app.archive_setup import archive_sync
from app.bootstrap import Services
from app.jobs_setup import archive_job
from services.archive.backends import FolderBackend
from services.archive.settings import SEAL_AFTER_MINUTES
from services.clock import ManualClock
from services.jobs import JobQueue, JobState
from tests.archive.conftest import add_entries, batch_names, verify
from tests.support import admin


def manual(services: Services) -> ManualClock:
    clock = services.clock
    assert isinstance(clock, ManualClock)
    return clock


def test_a_partial_batch_waits_until_its_oldest_entry_is_an_hour_old(
    services: Services, tmp_path: Path
) -> None:
    clock = manual(services)
    backend = FolderBackend(tmp_path / "nas")
    sync = archive_sync(services, backend, batch_size=100)
    add_entries(services, 30)
    assert sync.sync_once(hold_partial=True).entries == 0
    assert backend.versions("") == []  # a round with nothing due does not even talk to it
    clock.advance(30 * 60)
    add_entries(services, 20)  # younger entries do not make the batch due
    clock.advance(30 * 60 - 1)
    assert sync.sync_once(hold_partial=True).entries == 0
    clock.advance(1)  # the first 30 are an hour old now: the whole partial batch goes
    result = sync.sync_once(hold_partial=True)
    assert (result.batches, result.entries) == (1, 50)
    assert sync.status().backlog == 0
    assert verify(services, backend).ok


def test_full_batches_go_at_once_and_the_rest_waits(services: Services, tmp_path: Path) -> None:
    clock = manual(services)
    backend = FolderBackend(tmp_path / "nas")
    sync = archive_sync(services, backend, batch_size=100)
    add_entries(services, 250)
    result = sync.sync_once(hold_partial=True)
    assert (result.batches, result.entries) == (2, 200)
    assert sync.status().backlog == 50
    assert sync.sync_once(hold_partial=True).entries == 0
    add_entries(services, 50)  # 100 waiting now: a full batch, due at once
    assert sync.sync_once(hold_partial=True).entries == 100
    add_entries(services, 7)
    assert sync.sync_once().entries == 7  # without hold_partial (the command): everything now
    clock.advance(3600)
    assert sync.sync_once(hold_partial=True).entries == 0
    assert [n.rsplit("/", 1)[1] for n in batch_names(backend, services)] == [
        "000000000001-000000000100",
        "000000000101-000000000200",
        "000000000201-000000000300",
        "000000000301-000000000307",
    ]


def test_the_app_s_archive_job_seals_hourly_and_honours_the_setting(
    services: Services,
) -> None:
    clock = manual(services)
    queue = JobQueue(clock)
    queue.add(archive_job(services))
    add_entries(services, 40)
    queue.run_now("archive")
    assert queue.run_due() == 1
    status = queue.status("archive")
    assert status.state is JobState.WAITING and status.message == "40 waiting"
    archive_dir = services.installation.layout.archive_dir
    assert not any(archive_dir.rglob("*-0000*"))
    clock.advance(3600)  # the job's next round, an hour later
    assert queue.run_due() == 1
    assert queue.status("archive").message == "up to date"
    assert len(list(archive_dir.rglob("000000000001-000000000040"))) == 1

    services.installation.settings.set(SEAL_AFTER_MINUTES, "5", clock.now())
    queue = JobQueue(clock)
    queue.add(archive_job(services))  # the job reads the settings when it first runs
    add_entries(services, 3)
    queue.run_now("archive")
    queue.run_due()
    assert queue.status("archive").message == "3 waiting"
    clock.advance(5 * 60)
    queue.run_now("archive")
    queue.run_due()
    assert queue.status("archive").message == "up to date"


def test_archive_sync_command_sends_everything_now(services: Services) -> None:
    add_entries(services, 12)
    root = str(services.installation.layout.root)
    services.close()
    result = admin("--data-dir", root, "archive", "sync")  # the default folder archive
    assert result.code == 0, result.err
    assert "Sent 12 entries in 1 batches" in result.out and "0 waiting" in result.out
