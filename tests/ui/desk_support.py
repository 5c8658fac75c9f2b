"""Starting the real app on the demo (simulator over HTTP) and signing in through the windows."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.gui import Running, make_qapp, start
from services.auth import totp
from services.clock import SystemClock
from services.installation import initialise
from storage.keystore import DemoKeyStore
from storage.layout import DataLayout

PASSWORD = "demo-password-2026"


def start_demo(root: Path) -> Running:
    make_qapp()
    layout = DataLayout(root)
    installation = initialise(
        layout, DemoKeyStore(layout.root), "demo-practice", SystemClock()
    ).installation
    return start(argparse.Namespace(demo=True, quiet=True), installation)


def sign_in(qtbot: Any, running: Running, login: str) -> Any:
    """Type the user name, password and the current code into the real sign-in window."""
    window = running.shell.sign_in
    window.user_edit.setText(login)
    window.password_edit.setText(PASSWORD)
    window.sign_in_button.click()
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1, timeout=15000)
    record = running.services.accounts.by_login(login)
    secret = running.services.accounts.totp_secret(record.user_id)
    step = running.services.accounts.by_id(record.user_id).last_totp_step
    now = running.services.clock.now()
    if step >= int(now.timestamp()) // 30 - 1:  # the code was used by an earlier sign-in
        qtbot.wait(1000 * (30 - int(now.timestamp()) % 30) + 500)
        now = running.services.clock.now()
    window.code_edit.setText(totp.code_at(secret, now))
    window.verify_button.click()
    qtbot.waitUntil(lambda: running.shell.window is not None, timeout=15000)
    return running.shell.window
