"""The insurance page says when the coverage it shows was read from Open Dental whenever it
comes from the kept plan lists, a dropped plan leaves the page once they are read again, and
Refresh reads them again at once; through the real desk against the simulator over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt

from app.gui import Running
from services.clock import ManualClock
from services.pms.plan_cache import COVERAGE_FOR
from tests.ui.desk_support import screenshot, sign_in

pytestmark = pytest.mark.ui


def reloaded(qtbot: Any, page: Any) -> None:
    page.reload()
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)


def test_the_page_says_when_coverage_was_read_and_drops_a_removed_plan(
    qtbot: Any, running: Running
) -> None:
    clock = running.services.clock
    assert isinstance(clock, ManualClock) and running.sim is not None
    window = sign_in(qtbot, running, "billing")
    page = window.open_page("insurance")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    read_at = clock.now()
    assert "coverage as read" not in page.status.text()  # read by this load
    item = next(r for r in page.model.rows if r.insurance is not None)

    sim = running.sim
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    number = item.insurance.pat_plan_num
    dropped = httpx.delete(f"{sim.url}/patplans/{number}", headers=headers, timeout=10)
    assert dropped.status_code == 200

    clock.advance(61)
    reloaded(qtbot, page)
    said = f"coverage as read from Open Dental at {read_at.astimezone().strftime('%H:%M')}"
    assert said in page.status.text()
    assert any(
        r.insurance is not None and r.insurance.pat_plan_num == number for r in page.model.rows
    )
    screenshot(window, "insurance-coverage-as-read.png")

    clock.advance(int(COVERAGE_FOR.total_seconds()))
    reloaded(qtbot, page)
    assert "coverage as read" not in page.status.text()
    mine = [r for r in page.model.rows if r.appointment.pat_num == item.appointment.pat_num]
    assert mine and all(r.insurance is None for r in mine)


def plan_lists_asked(sim: Any, start: int) -> list[str]:
    """The coverage lists (no change filter) the simulator served since request `start`."""
    paths = [path.removeprefix("/api/v1").split("?")[0] for _m, path in sim.requests[start:]]
    return [p for p in paths if p in ("/patplans", "/insplans", "/carriers")]


def test_refresh_reads_the_coverage_again_within_the_fifteen_minutes(
    qtbot: Any, running: Running
) -> None:
    clock = running.services.clock
    assert isinstance(clock, ManualClock) and running.sim is not None
    sim = running.sim
    window = sign_in(qtbot, running, "billing")
    page = window.open_page("insurance")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    first_read = clock.now()
    item = next(r for r in page.model.rows if r.insurance is not None)
    pat_num, number = item.appointment.pat_num, item.insurance.pat_plan_num

    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    dropped = httpx.delete(f"{sim.url}/patplans/{number}", headers=headers, timeout=10)
    assert dropped.status_code == 200

    clock.advance(5 * 60)  # well within COVERAGE_FOR: an automatic reload keeps the copy
    start = len(sim.requests)
    reloaded(qtbot, page)
    assert plan_lists_asked(sim, start) == []
    old = f"coverage as read from Open Dental at {first_read.astimezone().strftime('%H:%M')}"
    assert old in page.status.text()
    assert any(
        r.insurance is not None and r.insurance.pat_plan_num == number for r in page.model.rows
    )

    # Refresh: what Open Dental holds now, with the page's own progress indication.
    start = len(sim.requests)
    qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    assert page.loading and page.status.text() == "Loading…"
    assert not page.refresh_button.isEnabled()
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    refreshed_at = clock.now()
    assert sorted(set(plan_lists_asked(sim, start))) == ["/carriers", "/insplans", "/patplans"]
    assert "coverage as read" not in page.status.text()  # read by this load: current
    mine = [r for r in page.model.rows if r.appointment.pat_num == pat_num]
    assert mine and all(r.insurance is None for r in mine)
    screenshot(window, "insurance-after-refresh.png")

    # The page's own reloads still use the 15-minute rule, now counted from the Refresh.
    clock.advance(12 * 60)  # 17 minutes after the first read, 12 after the Refresh
    start = len(sim.requests)
    reloaded(qtbot, page)
    assert plan_lists_asked(sim, start) == []
    said = f"coverage as read from Open Dental at {refreshed_at.astimezone().strftime('%H:%M')}"
    assert said in page.status.text() and old not in page.status.text()
    mine = [r for r in page.model.rows if r.appointment.pat_num == pat_num]
    assert mine and all(r.insurance is None for r in mine)
