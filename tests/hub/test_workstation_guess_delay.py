"""The real app on a joined workstation, when the hub refuses a sign-in as too soon after a
failure: the sign-in window says how long to wait, and nothing is counted."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running
from services.auth import throttle
from tests.hub.desk_office import Office, office, running

__all__ = ["office", "running"]  # the fixtures
pytestmark = [pytest.mark.ui, pytest.mark.slow]


def test_the_sign_in_window_says_how_long_the_hub_asks_to_wait(
    qtbot: Any, running: Running, office: Office, tmp_path: Path
) -> None:
    _, _, dora, _ = office
    accounts = running.services.accounts
    record = accounts.by_login(dora.login)
    assert record is not None
    # This PC's clock runs half an hour ahead of the hub's, so its own throttle lets the
    # attempt through; the hub, on its own clock, holds the delay its failures earned.
    dora.clock.advance(1800)
    failures = 8  # earlier wrong passwords, counted as the sign-in flow writes them back
    accounts.update(record.user_id, failures=failures, last_failure_at=dora.clock.now())
    window = running.shell.sign_in
    window.password.user_edit.setText(dora.login)
    window.password.password_edit.setText(dora.password)  # the right one, and still refused
    window.password.sign_in_button.click()
    qtbot.waitUntil(lambda: window.error.isVisible(), timeout=15000)
    text = window.error.text()
    assert text.startswith("Too many failed attempts. Wait "), text
    assert text.endswith(" seconds, then try again.")
    wait = int(text.split("Wait ")[1].split()[0])
    assert 1 <= wait <= throttle.delay_for(failures)
    assert window.pages.currentIndex() == window.PASSWORD_PAGE
    after = accounts.by_id(record.user_id)
    assert after is not None and after.failures == failures  # neither the hub nor this PC counted
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window.grab().save(str(shots / "signin-hub-too-soon.png"))
