"""The real desk's status bar at 1366x768 with the practice hub, the PMS and the archive all
failing: every label is read whole, says since when in the practice's time (the time today,
the day and time before), keeps the why in its tooltip, and the hub is named once."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel

from app.gui import Running
from errors import EnamelError
from services.clock import ManualClock
from services.hub.directory import HubMode
from services.jobs import Job, JobQueue, JobStatus
from tests.ui.desk_support import settle, sign_in

pytestmark = pytest.mark.ui

ARCHIVE_WHY = "The archive folder is not set up. Run 'enamel-admin archive set'."
HUB_WHY = "The practice hub could not prove it is this practice's."
WRITES_WHY = "Open Dental cannot be reached; the writes wait."


def failing(clock: ManualClock, name: str, label: str, why: str) -> JobStatus:
    """A job's status after one real round that failed, at the clock's time."""
    queue = JobQueue(clock)

    def run() -> str:
        raise EnamelError(why)

    queue.add(Job(name, label, run, every=60.0))
    queue.run_due()
    return queue.status(name)


def labels(window: Any) -> list[QLabel]:
    status = window.status
    return [status.user, status.practice, status.jobs, status.hub, status.pms, status.archive]


def cut(label: QLabel) -> bool:
    """The label's text is wider than the room the bar gave it."""
    return label.fontMetrics().horizontalAdvance(label.text()) > label.contentsRect().width()


def failing_desk(qtbot: Any, running: Running, failed_at_offset: timedelta) -> Any:
    window = sign_in(qtbot, running, "frontdesk")
    settle(qtbot, running)
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    # The failures happened `failed_at_offset` before now, on the same clock as the app's.
    then = ManualClock(clock.now() - failed_at_offset)
    window.resize(1366, 768)
    window.show()
    status = window.status
    status.set_hub(HubMode.NOT_PROVEN.label, ok=False)
    status.set_pms("not set up", False)
    status.show_job(failing(then, "hub", "Practice hub", HUB_WHY))
    status.show_job(failing(then, "archive", "Archive", ARCHIVE_WHY))
    status.show_job(failing(then, "pms_writes", "PMS writes", WRITES_WHY))
    qtbot.wait(50)  # the bar lays its labels out again
    return window


def test_with_the_hub_pms_and_archive_failing_every_label_is_read_whole(
    qtbot: Any, running: Running, tmp_path: Path
) -> None:
    window = failing_desk(qtbot, running, timedelta(minutes=0))
    status = window.status
    at = running.services.calendar.local(running.services.clock.now()).strftime("%H:%M")
    assert status.hub.text() == "Practice hub: wrong certificate"  # once, the state wins
    assert status.archive.text() == f"Archive: failing since {at}"
    assert status.jobs.text() == f"PMS writes: failing since {at}"
    assert status.pms.text() == "PMS: not set up"
    texts = [label.text() for label in labels(window)]
    assert sum("Practice hub" in t for t in texts) == 1
    assert all(label.isVisible() for label in labels(window))
    assert [label.objectName() for label in labels(window) if cut(label)] == []
    # The why: in the tooltip and the accessible description, never in the label.
    assert ARCHIVE_WHY in status.archive.toolTip()
    assert status.archive.accessibleDescription() == status.archive.toolTip()
    assert HUB_WHY in status.hub.toolTip() and "wrong certificate" in status.hub.toolTip()
    assert f"failing since {at}" not in status.hub.text()
    assert "failing since" in status.hub.toolTip()
    assert WRITES_WHY in status.jobs.toolTip()
    assert all(why not in " ".join(texts) for why in (ARCHIVE_WHY, HUB_WHY, WRITES_WHY))
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window.grab().save(str(shots / "status-bar-failing-1366x768.png"))


def test_a_failure_from_yesterday_names_the_day(qtbot: Any, running: Running) -> None:
    window = failing_desk(qtbot, running, timedelta(days=1))
    calendar = running.services.calendar
    then = calendar.local(running.services.clock.now() - timedelta(days=1))
    day = f"{then.day} {then.strftime('%b %H:%M')}"
    assert window.status.archive.text() == f"Archive: failing since {day}"
    assert window.status.jobs.text() == f"PMS writes: failing since {day}"
    assert [label.objectName() for label in labels(window) if cut(label)] == []


def test_a_failing_hub_round_with_the_hub_connected_shows_in_the_hub_label(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    settle(qtbot, running)
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    status = window.status
    status.show_job(failing(clock, "hub", "Practice hub", HUB_WHY))  # before the mode, as at start
    status.set_hub(HubMode.CONNECTED.label, ok=True)
    at = running.services.calendar.local(clock.now()).strftime("%H:%M")
    assert status.hub.text() == f"Practice hub: failing since {at}"
    assert HUB_WHY in status.hub.toolTip() and "Practice hub: connected" in status.hub.toolTip()
    assert "Practice hub" not in status.jobs.text()


def test_two_other_failing_jobs_share_one_short_label(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    settle(qtbot, running)
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    status = window.status
    status.show_job(failing(clock, "pms_writes", "PMS writes", WRITES_WHY))
    status.show_job(failing(clock, "backup", "Backup", "The backup folder is full."))
    assert status.jobs.text() == "2 jobs failing"
    tip = status.jobs.toolTip()
    assert WRITES_WHY in tip and "Backup: failing since" in tip and "folder is full" in tip
    assert status.jobs.accessibleDescription() == tip
