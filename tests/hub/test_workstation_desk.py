"""The real app on a joined workstation: the status bar says the hub's mode, and a session the
hub ended (the account disabled at another PC) signs the person out at the next session check."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running
from tests.hub.desk_office import Office, office, running, sign_in
from tests.support import admin_as

__all__ = ["office", "running"]  # the fixtures
pytestmark = [pytest.mark.ui, pytest.mark.slow]


def test_a_session_the_hub_ended_signs_out_here(
    qtbot: Any, running: Running, office: Office, tmp_path: Path
) -> None:
    pc, alice, dora, _ = office
    window = sign_in(qtbot, running, dora)
    qtbot.waitUntil(lambda: window.status.hub.text() == "Practice hub: connected", timeout=10000)
    assert window.status.hub.isVisible()
    window.resize(1366, 768)
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window.grab().save(str(shots / "hub-status-connected-1366x768.png"))
    running.jobs.run_now("hub")  # a round of the session check while Dora's session is valid
    qtbot.wait(500)
    assert running.shell.session is not None
    alice.clock.advance(30)
    disabled = admin_as(alice, "--data-dir", str(pc), "user", "disable", "dora")  # another PC's
    assert disabled.code == 0, disabled.err
    running.jobs.run_now("hub")  # the round the queue runs every 30 seconds
    qtbot.waitUntil(lambda: running.shell.session is None, timeout=10000)
    assert running.shell.window is None
    assert running.shell.sign_in.isVisible()


def test_with_the_hub_away_a_person_who_signed_in_here_signs_in_offline(
    qtbot: Any, running: Running, office: Office, tmp_path: Path
) -> None:
    _, _, dora, hub = office
    hub.stop()  # Dora signed in at this PC (her enrollment) while the hub was there
    window = sign_in(qtbot, running, dora)
    offline = "Practice hub: offline (cached sign-in)"
    qtbot.waitUntil(lambda: window.status.hub.text() == offline, timeout=10000)
    window.resize(1366, 768)
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window.grab().save(str(shots / "hub-status-offline-1366x768.png"))
    running.jobs.run_now("hub")  # the hub is still away: the session stays
    qtbot.wait(500)
    assert running.shell.session is not None
    assert window.status.hub.text() == offline
