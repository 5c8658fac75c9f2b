"""What a long session holds, counted the same way by every long-session test: the threads the
session started, descriptors, widgets and windows, after the app's work has settled.

A thread pool or connection pool fills up once; whatever still grows from one stretch of the
same work to the next is a leak."""

from __future__ import annotations

import gc
import os
import threading
from typing import Any

from PySide6.QtWidgets import QApplication

from app.gui import Running
from services.jobs import JobState

# A threading server (the test's Open Dental simulator) serves each open connection of the
# app on a thread of its own, named so: those are the app's connections, counted apart.
SERVED = "process_request_thread"


def settle(qtbot: Any, running: Running) -> None:
    """Wait until no operation and no job runs and no job is due, then let closed windows go."""

    def idle() -> bool:
        waiting = running.jobs.seconds_until_next()
        return (
            not running.ops.busy()
            and all(s.state is not JobState.RUNNING for s in running.jobs.statuses())
            and (waiting is None or waiting > 0)
        )

    qtbot.waitUntil(idle, timeout=60000)
    QApplication.processEvents()
    QApplication.sendPostedEvents(None, 0)  # deleteLater of closed windows
    QApplication.processEvents()
    gc.collect()


def run_every_job(running: Running) -> None:
    for status in running.jobs.statuses():
        running.jobs.run_now(status.name)


def counts(before: set[int | None]) -> dict[str, Any]:
    """Only the threads started since `before` (idents): earlier tests' leftovers in the same
    process come and go on their own."""
    started = sorted(t.name for t in threading.enumerate() if t.ident not in before)
    served = [n for n in started if SERVED in n]
    return {
        "threads": len(started) - len(served),
        "connections": len(served),
        "names": started,
        "fds": len(os.listdir("/proc/self/fd")),
        "widgets": len(QApplication.allWidgets()),
        "windows": len(QApplication.topLevelWidgets()),
    }
