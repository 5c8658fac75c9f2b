"""The schedule never shows the wrong day's patients: a slow day and a failing day, sampled
while they load, against the real app on the demo simulator."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from app.gui import Running
from services.pms.simulator.server import Fault
from tests.ui.desk_support import sign_in
from ui.schedule.page import SchedulePage

pytestmark = pytest.mark.ui


class GridWatch:
    """What the grid showed, sampled every few milliseconds: (day, blocks) or None (empty)."""

    def __init__(self, page: SchedulePage) -> None:
        self.page = page
        self.seen: list[tuple[date, int] | None] = []
        self.timer = QTimer()
        self.timer.timeout.connect(self.sample)
        self.timer.start(5)

    def sample(self) -> None:
        model = self.page.view.model()
        self.seen.append(None if model is None else (model.day, len(model.blocks)))

    def stop(self) -> None:
        self.timer.stop()
        self.sample()

    def days_shown(self) -> set[date]:
        return {s[0] for s in self.seen if s is not None and s[1]}


def first_day(qtbot: Any, running: Running) -> SchedulePage:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.page("schedule")
    assert isinstance(page, SchedulePage)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    model = page.view.model()
    assert model is not None and model.blocks and model.day == page.current_day()
    return page


def test_a_slow_day_shows_an_empty_loading_grid_never_the_day_before(
    qtbot: Any, running: Running
) -> None:
    page = first_day(qtbot, running)
    monday = page.current_day()
    assert running.sim is not None
    running.sim.inject(Fault(r"^/api/v1/appointments\?", "latency", times=3, seconds=1.5))
    watch = GridWatch(page)
    page.next_button.click()
    watch.sample()  # the very moment after the click
    assert watch.seen[-1] is None, "the grid emptied at once"
    assert page.view.is_loading() and "Loading the schedule for Tuesday" in page.view.message()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=30000)
    watch.stop()
    tuesday = page.current_day()
    assert tuesday != monday
    assert watch.seen.count(None) > 20, "the slow load was watched while it lasted"
    assert watch.days_shown() == {tuesday}
    assert monday not in {s[0] for s in watch.seen if s is not None}
    model = page.view.model()
    assert model is not None and model.blocks and not page.view.is_loading()


def test_a_failing_day_shows_no_block_of_the_day_before_at_any_moment(
    qtbot: Any, running: Running
) -> None:
    page = first_day(qtbot, running)
    monday = page.current_day()
    assert running.sim is not None
    running.sim.stop()
    running.sim = None
    watch = GridWatch(page)
    page.next_button.click()  # Tuesday was never read: nothing cached to fall back on
    watch.sample()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=60000)
    watch.stop()
    assert watch.days_shown() == set()
    assert all(s is None for s in watch.seen)
    assert "could not be loaded" in page.view.message()
    assert page.banner.isVisibleTo(page) and page.banner.text()
    # Back to Monday: the copy read earlier, said to be a copy, and it is Monday's.
    watch = GridWatch(page)
    page.prev_button.click()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=60000)
    watch.stop()
    assert watch.days_shown() == {monday}
    assert "cannot be reached" in page.banner.text()
