"""Time the monotonic clock does not see, on the real desk: a computer that slept past the idle
limit wakes locked, and a break-glass grant that ran out takes its screens and banner with it."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.gui import Running
from services.audit import AuditEntry
from services.clock import ManualClock
from tests.ui.desk_support import PASSWORD, sign_in
from ui.auth.dialogs import BreakGlassDialog
from ui.main_window import MainWindow

pytestmark = pytest.mark.ui


def clock_of(running: Running) -> ManualClock:
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    return clock


# -- sleep counts as idle time -------------------------------------------------------------


def test_a_laptop_that_slept_for_hours_wakes_locked(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    clock = clock_of(running)
    mono = clock.monotonic()
    clock.suspend(3 * 3600)  # the lid was closed: wall time passes, the monotonic clock stops
    assert clock.monotonic() == mono
    qtbot.waitUntil(window.is_locked, timeout=3000)  # at the first tick after waking
    assert not window.desk.isVisible() and window.lock_screen.isVisible()


def test_the_first_touch_after_sleep_locks_instead_of_counting_as_input(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("insurance")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    clock_of(running).suspend(16 * 60)
    qtbot.mouseMove(page.table)  # the mouse wakes the screen before the idle timer ticks
    assert window.is_locked()
    qtbot.wait(1300)
    assert window.is_locked()


def test_a_short_sleep_within_the_limit_does_not_lock(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    clock_of(running).suspend(10 * 60)
    qtbot.wait(1300)
    assert not window.is_locked()


# -- break-glass ends with its grant -------------------------------------------------------


def entries(running: Running) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]


def break_glass(qtbot: Any, running: Running, window: MainWindow, minutes: int) -> MainWindow:
    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, BreakGlassDialog):
            dialog.reason_edit.setPlainText("Patient in severe pain after hours, need contacts")
            dialog.minutes_spin.setValue(minutes)
            dialog.grant_button.click()
        else:
            QTimer.singleShot(50, fill)

    QTimer.singleShot(50, fill)
    window.emergency_button.click()
    qtbot.waitUntil(lambda: running.shell.window not in (None, window), timeout=20000)
    elevated = running.shell.window
    assert elevated is not None and "patients" in elevated.page_keys()
    assert elevated.banner.isVisibleTo(elevated)
    return elevated


def test_when_the_grant_runs_out_its_screens_and_banner_go(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "dentist")
    ordinary = window.page_keys()
    elevated = break_glass(qtbot, running, window, 5)
    elevated.open_page("patients")
    clock_of(running).advance(4 * 60 + 59)
    qtbot.wait(1300)
    assert running.shell.window is elevated  # still inside the five minutes

    clock_of(running).advance(1)
    qtbot.waitUntil(lambda: running.shell.window is not elevated, timeout=3000)
    desk = running.shell.window
    assert desk is not None and desk.page_keys() == ordinary
    assert not desk.banner.isVisibleTo(desk)
    assert desk.notice.isVisibleTo(desk) and "Emergency access has ended" in desk.notice.text()
    session = running.shell.session
    assert session is not None and session.actor.break_glass_until is None
    assert not desk.is_locked()


def test_a_grant_that_ran_out_while_locked_is_gone_at_unlock(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "dentist")
    ordinary = window.page_keys()
    elevated = break_glass(qtbot, running, window, 5)
    elevated.lock_button.click()
    clock_of(running).advance(6 * 60)
    qtbot.wait(1300)
    assert running.shell.window is elevated and elevated.is_locked()  # nothing shows while locked

    elevated.lock_screen.password_edit.setText(PASSWORD)
    elevated.lock_screen.unlock_button.click()
    qtbot.waitUntil(lambda: running.shell.window is not elevated, timeout=10000)
    desk = running.shell.window
    assert desk is not None and desk.page_keys() == ordinary and not desk.is_locked()
    assert "Emergency access has ended" in desk.notice.text()
    assert ("session_unlocked", "success") in [
        (e["action"], e["outcome"]) for e in entries(running)
    ]
