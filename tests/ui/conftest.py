"""The UI tests' shared fixture: the real app started on the demo, closed after the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running
from tests.ui.desk_support import start_demo


@pytest.fixture
def running(tmp_path: Path, qtbot: Any) -> Iterator[Running]:
    """The app on the demo in `tmp_path`; whoever is signed in is signed out at the end."""
    app = start_demo(tmp_path / "demo")
    yield app
    app.shell.switch_user()
    app.close()
