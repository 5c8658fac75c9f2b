"""A clinician's own schedule (issue 18): the account linked to its Open Dental provider opens
'My schedule' on that provider with only the operatories they use; the users page shows the
link. Real windows on the demo's simulator."""

from __future__ import annotations

from typing import Any

import pytest

from app.gui import Running
from services.auth.demo import DEMO_PROVIDERS
from tests.ui.desk_support import screenshot, sign_in
from ui.schedule.page import SchedulePage

pytestmark = pytest.mark.ui


def my_day(qtbot: Any, running: Running, login: str) -> SchedulePage:
    window = sign_in(qtbot, running, login)
    window.resize(1366, 768)
    page = window.page("schedule")
    assert isinstance(page, SchedulePage)
    qtbot.waitUntil(lambda: not page.is_loading() and page.view.model() is not None, timeout=20000)
    return page


@pytest.mark.parametrize("login", ["dentist", "hygienist"])
def test_my_schedule_opens_on_my_provider_with_only_my_operatories(
    qtbot: Any, running: Running, login: str
) -> None:
    page = my_day(qtbot, running, login)
    mine = DEMO_PROVIDERS[login]
    assert page.provider_box.currentData() == mine
    model = page.view.model()
    assert model is not None and model.blocks
    day = model.day.isoformat()
    assert running.sim is not None
    theirs = [
        a
        for a in running.sim.practice.appointments.values()
        if a["AptDateTime"].startswith(day)
        and mine in (a["ProvNum"], a.get("ProvHyg"))
        and a["AptStatus"] not in ("UnschedList", "Planned")
    ]
    assert {b.key for b in model.blocks} == {a["AptNum"] for a in theirs}
    used = {a["Op"] for a in theirs}
    assert {c.key for c in model.columns} == used
    everyone = {o["OperatoryNum"] for o in running.sim.practice.operatories}
    assert used < everyone, "only the chairs they work in, not the whole office"
    screenshot(page.window(), f"my-schedule-{login}-1366x768.png")
    page.window().resize(1920, 1080)
    qtbot.wait(50)
    screenshot(page.window(), f"my-schedule-{login}-1920x1080.png")


def test_the_users_page_shows_each_accounts_provider(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "itadmin")
    window.resize(1366, 768)
    page = window.open_page("users")
    qtbot.waitUntil(lambda: not page.loading and bool(page.model.rows), timeout=20000)
    column = next(i for i, c in enumerate(page.model.columns) if c.title == "Open Dental provider")
    shown = {
        u.login: page.model.data(page.model.index(r, column)) for r, u in enumerate(page.model.rows)
    }
    assert shown["dentist"] == "ProvNum 1" and shown["hygienist"] == "ProvNum 3"
    assert shown["frontdesk"] == "—"
    screenshot(window, "users-providers-1366x768.png")
