"""A truthful PMS state in the status bar, a schedule readable at 1366x768 (tooltips on cut
text, the "now" line), the F1 shortcut list and Ctrl+Q, through the real app on the demo."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.gui import Running
from tests.ui.desk_support import sign_in
from ui.help_overlay import HelpOverlay
from ui.schedule.page import SchedulePage

pytestmark = pytest.mark.ui


def schedule(qtbot: Any, running: Running) -> tuple[Any, SchedulePage]:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.page("schedule")
    assert isinstance(page, SchedulePage)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    return window, page


def test_the_pms_state_turns_the_moment_a_call_fails_and_back(qtbot: Any, running: Running) -> None:
    window, page = schedule(qtbot, running)
    qtbot.waitUntil(lambda: "connected" in window.status.pms.text(), timeout=20000)
    assert running.sim is not None
    port = running.sim.url
    running.sim.stop()
    page.next_button.click()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=60000)
    # By the time the page says it failed, the status bar says so too, in words.
    qtbot.waitUntil(lambda: "connection refused" in window.status.pms.text(), timeout=2000)
    assert "connected" not in window.status.pms.text()
    assert "refused" in window.status.pms.toolTip() and "port" in window.status.pms.toolTip()
    # The simulator comes back on the same port: the next call that works restores it.
    from services.pms.simulator import SimulatorServer

    host_port = port.split("//")[1].split("/")[0]
    again = SimulatorServer(
        running.sim.practice, host="127.0.0.1", port=int(host_port.split(":")[1]), page_size=1000
    ).start()
    running.sim = again
    page.show_day(page.current_day())
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=60000)
    qtbot.waitUntil(lambda: window.status.pms.text() == "PMS: connected", timeout=2000)


def test_blocks_have_their_whole_text_as_a_tooltip_and_today_has_a_now_line(
    qtbot: Any, running: Running
) -> None:
    window, page = schedule(qtbot, running)
    assert window.width() == 1366
    model = page.view.model()
    assert model is not None
    cut = next(b for b in model.blocks if len(b.title) > 14)  # longer than a column shows
    rect = page.view.block_rect(cut.key)
    assert rect is not None and rect.width() < 200
    tip = page.view.tooltip_at(rect.center())
    assert cut.title in tip and cut.detail in tip and f"{cut.start:%H:%M}" in tip
    now = running.services.calendar.local(running.services.clock.now())
    assert model.day == now.date()
    assert page.view.now_minute() == now.hour * 60 + now.minute
    page.next_button.click()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    assert page.view.now_minute() is None  # not today: no line


def test_f1_lists_the_shortcuts_and_ctrl_q_quits(
    qtbot: Any, running: Running, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QApplication

    # The shared test QApplication must not really leave: later tests' event loops would
    # return at once. The exit Ctrl+Q asks for is recorded instead.
    exits: list[int] = []
    monkeypatch.setattr(QApplication, "exit", staticmethod(lambda code=0: exits.append(code)))
    window, _ = schedule(qtbot, running)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    overlay = window.help
    assert isinstance(overlay, HelpOverlay) and overlay.isVisible()
    assert overlay.parent() is window  # the idle lock closes it with the rest
    texts = overlay.texts()
    assert any(t.startswith("Ctrl+Q") for t in texts)
    assert any(t.startswith("Ctrl+X, then Ctrl+V") for t in texts)
    overlay.accept()
    with qtbot.waitSignal(window.quitRequested, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert exits == [0]
