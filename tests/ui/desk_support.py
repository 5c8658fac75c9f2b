"""Starting the real app on the demo (simulator over HTTP), signing in through the windows,
waiting for its work and keeping screenshots.

The app runs on a manual clock pinned to a weekday afternoon, so the schedule has a day's
appointments whatever the date the tests run on, and codes are computed, never waited for.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from app.gui import Running, make_qapp, start
from services.auth import totp
from services.clock import ManualClock
from services.installation import initialise
from storage.keystore import DemoKeyStore
from storage.layout import DataLayout
from ui.schedule.booking_dialog import BookingDialog
from ui.workflows.rebooking import BookingPage

PASSWORD = "demo-password-2026"


def start_demo(root: Path, clock: ManualClock | None = None) -> Running:
    make_qapp()
    clock = clock or ManualClock()  # Monday 2026-11-23 14:00 UTC
    layout = DataLayout(root)
    installation = initialise(
        layout, DemoKeyStore(layout.root), "demo-practice", clock
    ).installation
    return start(argparse.Namespace(demo=True, quiet=True), installation, clock)


def sign_in(qtbot: Any, running: Running, login: str) -> Any:
    """Type the user name, password and the current code into the real sign-in window."""
    window = running.shell.sign_in
    window.password.user_edit.setText(login)
    window.password.password_edit.setText(PASSWORD)
    window.password.sign_in_button.click()
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1, timeout=15000)
    record = running.services.accounts.by_login(login)
    secret = running.services.accounts.totp_secret(record.user_id)
    step = running.services.accounts.by_id(record.user_id).last_totp_step
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    while step >= int(clock.now().timestamp()) // 30 - 1:  # an earlier sign-in used this code
        clock.advance(30)
    window.code.code_edit.setText(totp.code_at(secret, clock.now()))
    window.code.verify_button.click()
    qtbot.waitUntil(lambda: running.shell.window is not None, timeout=15000)
    return running.shell.window


def settle(qtbot: Any, running: Running) -> None:
    """Wait until the app's background work is done, and what it started after it too."""
    qtbot.waitUntil(lambda: not running.ops.busy(), timeout=30000)
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not running.ops.busy(), timeout=30000)


def opened_dialog(qtbot: Any, page: BookingPage) -> BookingDialog:
    """The booking dialog `page` opened, over the page's window, once it has checked the time."""
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=30000)
    dialog = page.dialog
    assert dialog is not None and dialog.parent() is page.window()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    return dialog


@functools.cache
def shots_folder() -> Path:
    """ENAMEL_SCREENSHOTS (docs/screenshots when the scripts refresh them), else one temporary
    folder for the run: a test run never rewrites the documentation."""
    folder = os.environ.get("ENAMEL_SCREENSHOTS")
    return Path(folder) if folder else Path(tempfile.mkdtemp(prefix="enamel-shots-"))


def screenshot(widget: QWidget, name: str) -> Path:
    """Save what `widget` shows as `name` in the screenshots folder."""
    path = shots_folder() / name
    assert widget.grab().save(str(path)), path
    return path
