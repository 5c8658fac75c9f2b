"""A signed-in app left running for hours keeps its threads, descriptors and widgets flat.

The session is the front desk's: every screen opened again and again (each reload reads the
simulator over HTTP), the background jobs run round after round as the clock moves on,
the screen locked and unlocked, and people switching user. Resources are counted after a
warm-up and two more stretches of the same work (thread pools and connection pools fill up
once); whatever still grows from one stretch to the next is a leak.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running
from services.clock import ManualClock
from tests.session_resources import counts, run_every_job, settle
from tests.ui.desk_support import PASSWORD, sign_in

pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd"),
]


def _a_round(qtbot: Any, running: Running, window: Any, clock: ManualClock) -> None:
    for key in window.page_keys():
        window.open_page(key)
        settle(qtbot, running)
    clock.advance(600)  # ten minutes of the day: the jobs' next runs come due
    run_every_job(running)
    settle(qtbot, running)
    running.shell.lock_now()
    qtbot.waitUntil(window.is_locked, timeout=10000)


def _unlock(qtbot: Any, window: Any) -> None:
    window.lock_screen.password_edit.setText(PASSWORD)
    window.lock_screen.unlock_button.click()
    qtbot.waitUntil(lambda: not window.is_locked(), timeout=10000)


def test_a_long_session_keeps_threads_descriptors_and_widgets_flat(
    qtbot: Any, running: Running
) -> None:
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    before = {t.ident for t in threading.enumerate()}
    window = sign_in(qtbot, running, "frontdesk")
    rounds = 0

    def session(times: int) -> Any:
        nonlocal window, rounds
        for _ in range(times):
            _a_round(qtbot, running, window, clock)
            rounds += 1
            if rounds % 3 == 0:
                running.shell.switch_user()  # the next person signs in at the same PC
                settle(qtbot, running)
                window = sign_in(qtbot, running, "frontdesk")
            else:
                _unlock(qtbot, window)
            settle(qtbot, running)
        return counts(before)

    # Pools start their workers as work first needs them: after a warm-up the counts may
    # still rise once to a pool's size, then stay. A leak goes on rising.
    session(3)
    warm = session(6)
    later = session(6)
    assert later["threads"] <= warm["threads"], (warm, later)
    assert later["connections"] <= 6, (warm, later)
    # Two descriptors a connection (both ends are in this process).
    extra = 2 * max(0, later["connections"] - warm["connections"])
    assert later["fds"] <= warm["fds"] + extra + 2, (warm, later)
    assert later["widgets"] <= warm["widgets"] + 20, (warm, later)
    assert later["windows"] <= warm["windows"], (warm, later)
