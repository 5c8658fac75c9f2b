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

if "FAKETIME" in os.environ:
    # The faked-date run (scripts/test): libfaketime with the monotonic clock left real makes
    # time.sleep fail with EINVAL, while timed waits work; sleep on one here too.
    import threading
    import time

    def _timed_wait(seconds: float) -> None:
        if seconds > 0:
            threading.Event().wait(seconds)

    time.sleep = _timed_wait

import pytest  # noqa: E402

from tests.support import FAKE_PHI  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_ui_thread(qapp):  # type: ignore[no-untyped-def]
    """As in the app: Python's cycle collector runs on the UI thread only (see ui/collector.py)."""
    from ui.collector import collect_on_the_ui_thread

    collect_on_the_ui_thread()
    yield


def pytest_runtest_teardown(item: pytest.Item) -> None:
    import gc

    gc.collect()  # on the main thread, between tests: nothing of one test is freed in another's


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "enamel-data"


@pytest.fixture
def fake_phi() -> dict[str, str]:
    return dict(FAKE_PHI)


@pytest.fixture
def clock():  # type: ignore[no-untyped-def]
    from services.clock import ManualClock

    return ManualClock()


@pytest.fixture
def services(data_dir: Path, clock):  # type: ignore[no-untyped-def]
    """A freshly initialised installation with its services, on a manual clock."""
    from app.bootstrap import build_services
    from services.installation import initialise
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    result = initialise(DataLayout(data_dir), KeyringKeyStore(), "test-practice", clock)
    built = build_services(result.installation, clock)
    yield built
    built.close()


@pytest.fixture
def cheap_services(data_dir: Path, clock):  # type: ignore[no-untyped-def]
    """Like `services`, with a cheap password hash where hashing cost is not under test."""
    from app.bootstrap import build_services
    from services.auth.passwords import HashParams
    from services.installation import initialise
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    result = initialise(DataLayout(data_dir), KeyringKeyStore(), "test-practice", clock)
    built = build_services(result.installation, clock, HashParams(1, 8 * 1024, 1))
    yield built
    built.close()
