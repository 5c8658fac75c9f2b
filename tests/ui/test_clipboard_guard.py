"""PHI copied from the real desk does not stay on the clipboard: cleared at the lock, at quit
and 30 seconds after copying (on the app's manual clock), and only when it is still ours."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.gui import Running
from services.clock import ManualClock
from tests.ui.desk_support import sign_in

pytestmark = pytest.mark.ui


def copy_a_patient_name(qtbot: Any, running: Running) -> str:
    """Ctrl+C on the Patient cell of the insurance worklist, as a person would."""
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("insurance")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert page.model.rows
    name = page.model.rows[0].appointment.patient_name
    assert name
    QGuiApplication.clipboard().clear()
    page.table.setCurrentIndex(page.model.index(0, 1))  # the Patient column
    qtbot.keyClick(page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == name
    return str(name)


def advance(running: Running, seconds: float) -> None:
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(seconds)


def test_a_copied_name_is_gone_thirty_seconds_later(qtbot: Any, running: Running) -> None:
    name = copy_a_patient_name(qtbot, running)
    advance(running, 29)
    qtbot.wait(1300)  # more than one tick of the idle timer
    assert QGuiApplication.clipboard().text() == name
    advance(running, 1)
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=3000)


def test_locking_clears_a_copied_name(qtbot: Any, running: Running) -> None:
    copy_a_patient_name(qtbot, running)
    window = running.shell.window
    assert window is not None
    window.lock_button.click()
    assert window.is_locked()
    assert QGuiApplication.clipboard().text() == ""


def test_quitting_clears_a_copied_name(qtbot: Any, running: Running) -> None:
    copy_a_patient_name(qtbot, running)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    # What quitting does to Enamel (closing the last window emits it): emitted here, because a
    # real quit of the shared QApplication leaves it quitting for every later test.
    app.aboutToQuit.emit()
    assert QGuiApplication.clipboard().text() == ""
