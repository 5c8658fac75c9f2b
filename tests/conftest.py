"""Test environment: an isolated keyring, offscreen Qt, seeded fake PHI and shared fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Both must be set before keyring or Qt is imported anywhere.
_KEYRING_HOME = tempfile.mkdtemp(prefix="enamel-test-keyring-")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["XDG_DATA_HOME"] = _KEYRING_HOME
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("ENAMEL_DATA_DIR", None)

import pytest  # noqa: E402

from tests.support import FAKE_PHI  # noqa: E402


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "enamel-data"


@pytest.fixture
def fake_phi() -> dict[str, str]:
    return dict(FAKE_PHI)
