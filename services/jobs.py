"""The one job queue: recurring background work (archive sync, backups, scans) on one thread.

Each job has a visible state — waiting for its next run, running, failing since a time
(with the error's safe message), or paused — kept in memory for the status bar and
written to the database so that `enamel-admin status` shows it from another process.
A failing job is retried on the shared back-off policy, never faster than its interval
would allow and never slower than the back-off's cap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from services.calendar import PracticeCalendar
from services.clock import Clock
from services.retry import Backoff
from storage.jobs_repo import JobRow, JobsRepository

log = logging.getLogger("services.jobs")


class JobState(Enum):
    WAITING = "waiting"
    RUNNING = "running"
    FAILING = "failing"
    PAUSED = "paused"


@dataclass(frozen=True)
class JobStatus:
    name: str
    label: str
    state: JobState
    last_success: datetime | None = None
    failing_since: datetime | None = None
    failures: int = 0
    message: str = ""  # the failure's safe message (never PHI), or the last result's summary
    next_run: datetime | None = None

    def describe(self) -> str:
        """The long form, for `enamel-admin status`: "Archive: failing since 2026-11-30 09:12 —
        <why>". A status bar label is short (`short_time`) and keeps the why for its tooltip."""
        if self.state is JobState.FAILING and self.failing_since is not None:
            since = self.failing_since.astimezone().strftime("%Y-%m-%d %H:%M")
            return f"{self.label}: failing since {since} — {self.message}"
        if self.state is JobState.PAUSED:
            return f"{self.label}: paused"
        if self.state is JobState.RUNNING:
            return f"{self.label}: running"
        if self.last_success is None:
            return f"{self.label}: not run yet"
        return f"{self.label}: ok" + (f" — {self.message}" if self.message else "")


def short_time(moment: datetime, calendar: PracticeCalendar) -> str:
    """A moment in the practice's time as a status bar says it: "14:02" today, "30 Nov 14:02"
    on another day of this year, "30 Nov 2025 14:02" before."""
    local = calendar.local(moment)
    today = calendar.today()
    if local.date() == today:
        return local.strftime("%H:%M")
    year = "" if local.year == today.year else f" {local.year}"
    return f"{local.day} {local.strftime('%b')}{year} {local.strftime('%H:%M')}"


class JobRecord(Protocol):
    """Where job states are kept for other processes (the database)."""

    def save(self, status: JobStatus) -> None: ...


@dataclass
class Job:
    """`run()` does one round and returns a short summary (no PHI) or raises."""

    name: str
    label: str
    run: Callable[[], str | None]
    every: float  # seconds between successful rounds
    backoff: Backoff = field(default_factory=lambda: Backoff(30.0, 3600.0))
    first_after: float = 0.0  # seconds after start before the first round


@dataclass
class _Slot:
    job: Job
    status: JobStatus
    due: float  # on the clock's monotonic scale


def failure_message(error: BaseException) -> str:
    """The project's errors carry a message safe to show; anything else is named by class."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    return f"unexpected error ({type(error).__name__})"


class JobQueue:
    """Runs due jobs one at a time on one persistent thread (so one database connection)."""

    def __init__(self, clock: Clock, record: JobRecord | None = None) -> None:
        self._clock = clock
        self._record = record
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[JobStatus], None]] = []

    def add(self, job: Job) -> None:
        with self._lock:
            if job.name in self._slots:
                raise ValueError(f"a job named {job.name} exists")
            status = JobStatus(job.name, job.label, JobState.WAITING)
            self._slots[job.name] = _Slot(job, status, self._clock.monotonic() + job.first_after)

    def on_change(self, listener: Callable[[JobStatus], None]) -> None:
        """`listener(status)` is called on the queue's thread after every change of a job."""
        self._listeners.append(listener)

    def statuses(self) -> list[JobStatus]:
        with self._lock:
            return [slot.status for slot in self._slots.values()]

    def status(self, name: str) -> JobStatus:
        with self._lock:
            return self._slots[name].status

    # -- control -------------------------------------------------------------

    def run_now(self, name: str) -> None:
        """Make the job due now (also a failing one: a person asked)."""
        with self._lock:
            self._slots[name].due = self._clock.monotonic()
        self._wake.set()

    def pause(self, name: str) -> None:
        self._set(name, state=JobState.PAUSED)

    def resume(self, name: str) -> None:
        self._set(name, state=JobState.FAILING if self.status(name).failures else JobState.WAITING)
        self.run_now(name)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="enamel-jobs", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # -- running ---------------------------------------------------------------

    def run_due(self) -> int:
        """Run every job that is due now, in order; returns how many ran. The thread's body."""
        ran = 0
        while not self._stop.is_set():
            slot = self._next_due()
            if slot is None:
                break
            self._run(slot)
            ran += 1
        return ran

    def seconds_until_next(self) -> float | None:
        with self._lock:
            dues = [s.due for s in self._slots.values() if s.status.state is not JobState.PAUSED]
        return None if not dues else max(0.0, min(dues) - self._clock.monotonic())

    def _next_due(self) -> _Slot | None:
        now = self._clock.monotonic()
        with self._lock:
            due = [
                s
                for s in self._slots.values()
                if s.status.state is not JobState.PAUSED and s.due <= now
            ]
            return min(due, key=lambda s: s.due) if due else None

    def _run(self, slot: _Slot) -> None:
        job = slot.job
        self._set(job.name, state=JobState.RUNNING)
        try:
            summary = job.run()
        except Exception as exc:  # every failure becomes the job's visible state
            log.warning("jobs.failed", extra={"job": job.name, "error_class": type(exc).__name__})
            with self._lock:
                old = slot.status
                failures = old.failures + 1
                delay = job.backoff.delay(failures)
                slot.due = self._clock.monotonic() + delay
                slot.status = replace(
                    old,
                    state=JobState.PAUSED if old.state is JobState.PAUSED else JobState.FAILING,
                    failures=failures,
                    failing_since=old.failing_since or self._clock.now(),
                    message=failure_message(exc),
                    next_run=self._clock.now() + _seconds(delay),
                )
                status = slot.status
        else:
            with self._lock:
                slot.due = self._clock.monotonic() + job.every
                slot.status = replace(
                    slot.status,
                    state=JobState.PAUSED
                    if slot.status.state is JobState.PAUSED
                    else JobState.WAITING,
                    failures=0,
                    failing_since=None,
                    last_success=self._clock.now(),
                    message=summary or "",
                    next_run=self._clock.now() + _seconds(job.every),
                )
                status = slot.status
        self._publish(status)

    def _set(self, name: str, **changes: object) -> None:
        with self._lock:
            slot = self._slots[name]
            if slot.status.state is JobState.PAUSED and changes.get("state") is JobState.RUNNING:
                return
            slot.status = replace(slot.status, **changes)  # type: ignore[arg-type]
            status = slot.status
        self._publish(status)

    def _publish(self, status: JobStatus) -> None:
        if self._record is not None:
            try:
                self._record.save(status)
            except Exception as exc:  # the state still shows in this process
                log.warning("jobs.record_failed", extra={"error_class": type(exc).__name__})
        for listener in list(self._listeners):
            listener(status)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            wait = self.seconds_until_next()
            # Wake at least every few seconds: the clock may have jumped (sleep, a test).
            self._wake.wait(min(wait if wait is not None else 5.0, 5.0))
            self._wake.clear()


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


class DatabaseJobRecord:
    """Keeps each job's state in the installation's database."""

    def __init__(self, repo: JobsRepository, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock

    def save(self, status: JobStatus) -> None:
        self._repo.save(
            JobRow(
                status.name,
                status.label,
                status.state.value,
                status.last_success,
                status.failing_since,
                status.failures,
                status.message,
                status.next_run,
                self._clock.now(),
            )
        )

    def load(self) -> list[JobStatus]:
        return [
            JobStatus(
                r.name,
                r.label,
                JobState(r.state),
                r.last_success,
                r.failing_since,
                r.failures,
                r.message,
                r.next_run,
            )
            for r in self._repo.all()
        ]
