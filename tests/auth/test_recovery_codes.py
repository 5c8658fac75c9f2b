"""The recovery codes page: copied through the clipboard guard, printed, and a Continue that
says why it waits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QApplication, QLineEdit

from app.bootstrap import Services
from services.auth import totp
from services.clock import ManualClock
from tests.auth.test_signin import PASSWORD, add_user
from tests.auth.test_windows import type_password
from ui.auth.clipboard import ClipboardGuard
from ui.auth.lock import dismiss_windows_except
from ui.auth.signin.enrollment import CONTINUE_NEEDS_TICK
from ui.auth.signin.window import SignInWindow
from ui.operations import Operations

pytestmark = pytest.mark.ui

CODE = re.compile(r"\b[2-9a-z]{5}-[2-9a-z]{5}\b")


@pytest.fixture
def window(qtbot: Any, cheap_services: Services) -> Iterator[SignInWindow]:
    """The sign-in window with the guard the shell gives it, on the test's clock, on the
    page of recovery codes of a first sign-in."""
    s = cheap_services
    assert isinstance(s.clock, ManualClock)
    runner = Operations()
    win = SignInWindow(
        s.auth, runner, practice_id="test-practice", clipboard=ClipboardGuard(s.clock)
    )
    qtbot.addWidget(win)
    win.show()
    add_user(s)
    type_password(qtbot, win, "pat", PASSWORD)
    qtbot.waitUntil(lambda: win.pages.currentIndex() == win.ENROLL_PAGE, timeout=10_000)
    secret = win.enrollment.secret_label.text().replace(" ", "")
    win.enrollment.enroll_code_edit.setText(totp.code_at(secret, s.clock.now()))
    win.enrollment.confirm_button.click()
    qtbot.waitUntil(lambda: win.pages.currentIndex() == win.RECOVERY_PAGE, timeout=10_000)
    yield win
    win.close()
    runner.shutdown()
    QGuiApplication.clipboard().clear()


def shown_codes(win: SignInWindow) -> list[str]:
    return sorted(CODE.findall(win.recovery.codes_view.toPlainText()))


def test_continue_without_the_tick_says_why_it_waits(window: SignInWindow) -> None:
    page = window.recovery
    assert not page.continue_button.isEnabled()
    assert page.why_disabled.isVisible() and page.why_disabled.text() == CONTINUE_NEEDS_TICK
    assert "I have written these codes down" in page.continue_button.toolTip()
    page.saved_box.setChecked(True)
    assert page.continue_button.isEnabled() and page.continue_button.toolTip() == ""
    assert not page.why_disabled.isVisible()
    page.saved_box.setChecked(False)
    assert page.why_disabled.isVisible() and not page.continue_button.isEnabled()


def test_copied_codes_are_on_the_clipboard_for_30_seconds_only(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    clock = cheap_services.clock
    assert isinstance(clock, ManualClock)
    board = QGuiApplication.clipboard()
    window.recovery.copy_button.click()
    copied = board.text().splitlines()
    assert len(copied) == 10 and sorted(copied) == shown_codes(window)
    assert "30 seconds" in window.recovery.copied.text() and window.recovery.copied.isVisible()
    clock.advance(29)
    qtbot.wait(1500)  # a tick of the page's guard, before the lifetime is over
    assert board.text().splitlines() == copied
    clock.advance(2)  # on the app's clock, so time asleep counts too
    qtbot.waitUntil(lambda: board.text() == "", timeout=5_000)
    assert not window.recovery.copied.isVisible()


def test_print_sends_the_codes_to_the_printer_chosen(
    qtbot: Any, window: SignInWindow, tmp_path: Path
) -> None:
    target = tmp_path / "codes.pdf"

    def choose_file() -> None:  # Qt's own dialog: "Print to File (PDF)" where no printer is
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QPrintDialog) and dialog.parent() is window  # owned
        name = dialog.findChild(QLineEdit, "filename")
        assert name is not None
        name.setText(str(target))
        dialog.accept()

    QTimer.singleShot(0, choose_file)
    window.recovery.print_button.click()
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size > 1000
    assert window.recovery.copied.text() == "Sent to the printer."


@pytest.mark.parametrize("cancel", ["idle lock", "restart"])
def test_an_open_print_dialog_is_cancelled_and_prints_nothing(
    qtbot: Any, window: SignInWindow, tmp_path: Path, cancel: str
) -> None:
    target = tmp_path / "codes.pdf"
    seen: list[QPrintDialog] = []

    def cancel_it() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QPrintDialog)
        seen.append(dialog)
        name = dialog.findChild(QLineEdit, "filename")
        assert name is not None
        name.setText(str(target))
        if cancel == "idle lock":
            dismiss_windows_except(window)  # what the lock does to every other window
        else:
            window.restart()

    QTimer.singleShot(0, cancel_it)
    window.recovery.print_button.click()
    assert seen and not target.exists()
    assert window.recovery.copied.isHidden()
