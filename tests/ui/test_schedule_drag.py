"""Move by drag in the day view (issue 18): the block's shadow follows the mouse, letting go
opens the same booking dialog (the time checked, asked before anything moves), and the move
is read back from the demo's simulator; Escape calls a drag off."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.gui import Running
from tests.ui.desk_support import screenshot
from tests.ui.test_schedule_booking import (
    FMT,
    booking_dialog,
    conflicts_now,
    entries,
    say_yes,
    take_offer,
    tomorrow,
)
from ui.schedule.day_view import DayView

pytestmark = pytest.mark.ui


def mouse(view: DayView, kind: QEvent.Type, at: QPointF, held: bool) -> None:
    """A real mouse event to the view, the left button held or not (QTest's move loses it)."""
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left
    buttons = left if held else Qt.MouseButton.NoButton
    event = QMouseEvent(
        kind, at, view.mapToGlobal(at), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(view, event)


def drag(view: DayView, start: QPointF, end: QPointF, steps: int = 6) -> None:
    mouse(view, QEvent.Type.MouseButtonPress, start, True)
    for i in range(1, steps + 1):
        mouse(view, QEvent.Type.MouseMove, start + (end - start) * (i / steps), True)


def test_drag_a_block_to_another_chair_and_time_checks_asks_and_moves(
    qtbot: Any, running: Running
) -> None:
    page = tomorrow(qtbot, running)
    page.window().resize(1366, 768)
    day = page.current_day()
    before = conflicts_now(running, day)
    model = page.view.model()
    assert model is not None
    block = next(b for b in model.blocks if b.status == "Scheduled" and b.column <= 3)
    rect = page.view.block_rect(block.key)
    assert rect is not None
    grab = QPointF(rect.center().x(), rect.top() + 3)  # near its top: the shadow starts there
    target = page.view.slot_point(4, 15 * 60)
    page.scroll_area.ensureVisible(int(target.x()), int(target.y()), 50, 200)
    assert running.sim is not None
    writes = len([m for m, _ in running.sim.requests if m in ("PUT", "POST")])

    drag(page.view, grab, target)
    shadow = page.view.drag_target()
    assert shadow is not None and shadow[:2] == (block.key, 4)
    assert abs(shadow[2] - 15 * 60) <= 5 and shadow[2] % 5 == 0
    screenshot(page.window(), "schedule-drag-1366x768.png")
    page.window().resize(1920, 1080)  # the grid lays its blocks out again; the drag goes on
    qtbot.wait(50)
    mouse(page.view, QEvent.Type.MouseMove, page.view.slot_point(4, shadow[2]), True)
    screenshot(page.window(), "schedule-drag-1920x1080.png")
    assert page.view.drag_target() == shadow
    mouse(page.view, QEvent.Type.MouseButtonRelease, target, False)
    assert page.view.drag_target() is None

    dialog = booking_dialog(qtbot, page)
    asked = dialog.request()
    assert (asked.moving, asked.op_num) == (block.key, 4)
    assert asked.start.hour * 60 + asked.start.minute == shadow[2]
    assert len([m for m, _ in running.sim.requests if m in ("PUT", "POST")]) == writes
    take_offer(qtbot, dialog)
    moved_to = dialog.last_check.request if dialog.last_check else None
    assert moved_to is not None
    say_yes(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    stored = running.sim.practice.appointments[block.key]
    assert stored["Op"] == 4 and stored["AptDateTime"] == moved_to.start.strftime(FMT)
    assert conflicts_now(running, day) == before, "a drag adds no conflict"
    assert [e["outcome"] for e in entries(running) if e["action"] == "appointment_move"] == [
        "success"
    ]
    assert "Moved" in page.notice.text()


def test_escape_calls_a_drag_off_and_a_click_is_not_a_drag(qtbot: Any, running: Running) -> None:
    page = tomorrow(qtbot, running)
    model = page.view.model()
    assert model is not None
    block = next(b for b in model.blocks if b.status == "Scheduled")
    rect = page.view.block_rect(block.key)
    assert rect is not None and page.flows is not None
    drag(page.view, rect.center(), rect.center() + QPointF(0, 120))
    assert page.view.drag_target() is not None
    qtbot.keyClick(page.view, Qt.Key.Key_Escape)
    assert page.view.drag_target() is None
    mouse(page.view, QEvent.Type.MouseButtonRelease, rect.center() + QPointF(0, 120), False)
    # A click with a tremor is a selection, not a move.
    drag(page.view, rect.center(), rect.center() + QPointF(1, 1), steps=1)
    assert page.view.drag_target() is None
    mouse(page.view, QEvent.Type.MouseButtonRelease, rect.center(), False)
    qtbot.wait(200)
    assert page.flows.dialog is None and page.view.selected() == block.key
