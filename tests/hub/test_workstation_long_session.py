"""A joined workstation's app left signed in for hours keeps its threads, descriptors and widgets
flat, with the hub there and away.

The desk opens every screen again and again while the background jobs run round after round
(the hub's session check every 30 seconds, the archive round that sends sealed batches to the
hub, the alert count read from the hub), and the hub process is stopped and started again on
the same port every other stretch of rounds: each reconnection must reuse or close what the
last one opened. Counted after a warm-up and two more stretches of the same work; what still
grows from one stretch to the next is a leak.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running
from tests.hub.desk_office import Office, office, running, sign_in
from tests.hub.kit import HubProcess
from tests.session_resources import counts, run_every_job, settle

__all__ = ["office", "running"]  # the fixtures
pytestmark = [
    pytest.mark.ui,
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd"),
]


def test_a_joined_pc_left_signed_in_stays_flat_with_the_hub_there_and_away(
    qtbot: Any, running: Running, office: Office
) -> None:
    pc, _, dora, first_hub = office
    hubs: list[HubProcess] = [first_hub]
    hub_root = pc.parent / "hub"
    before = {t.ident for t in threading.enumerate()}
    window = sign_in(qtbot, running, dora)
    qtbot.waitUntil(lambda: window.status.hub.text() == "Practice hub: connected", timeout=10000)
    seen: set[str] = set()

    def stretch(rounds: int) -> dict[str, Any]:
        for _ in range(rounds):
            for key in window.page_keys():
                window.open_page(key)
                settle(qtbot, running)
            dora.clock.advance(60)  # a minute of the day: the jobs come due
            run_every_job(running)
            settle(qtbot, running)
            seen.add(window.status.hub.text())
        return counts(before)

    def hub_away() -> None:
        hubs[-1].stop()

    def hub_back() -> None:
        hubs.append(HubProcess(hub_root, dora.clock.now(), port=first_hub.port))

    try:
        stretch(3)
        hub_away()
        stretch(2)
        hub_back()
        warm = stretch(3)
        for _ in range(2):
            hub_away()
            stretch(2)
            hub_back()
            stretch(1)
        later = stretch(2)
    finally:
        for hub in hubs:
            hub.stop()
    assert running.shell.session is not None  # the same person, signed in throughout
    assert "Practice hub: connected" in seen
    assert any("offline" in text or "cannot" in text for text in seen), seen
    assert later["threads"] <= warm["threads"], (warm, later)
    assert later["fds"] <= warm["fds"] + 1, (warm, later)  # a descriptor a reconnection: +2
    assert later["widgets"] <= warm["widgets"] + 20, (warm, later)
    assert later["windows"] <= warm["windows"], (warm, later)
