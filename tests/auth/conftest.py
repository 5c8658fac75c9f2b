"""The sign-in window tests' fixtures: the background runner and the real sign-in window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.bootstrap import Services
from ui.auth.signin.window import SignInWindow
from ui.operations import Operations


@pytest.fixture
def runner() -> Iterator[Operations]:
    tasks = Operations()
    yield tasks
    tasks.shutdown()


@pytest.fixture
def window(qtbot: Any, cheap_services: Services, runner: Operations) -> SignInWindow:
    win = SignInWindow(cheap_services.auth, runner, practice_id="test-practice")
    qtbot.addWidget(win)
    win.show()
    return win
