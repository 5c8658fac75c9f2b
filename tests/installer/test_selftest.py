"""enamel --self-test: one line per check, [ok]/[warn]/[FAIL], exit 0 unless something failed."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app import selftest
from services.pms.simulator import SimulatorServer, SyntheticPractice
from tests.support import admin, admin_recovery, passphrase_from

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_qt_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process checks skip the QApplication (pytest-qt owns this process's); see the subprocess test."""
    monkeypatch.setattr(
        selftest, "check_qt", lambda: selftest.Check("qt", selftest.Status.OK, "skipped in tests")
    )


@pytest.fixture
def initialised(data_dir: Path) -> tuple[Path, str]:
    result = admin("--data-dir", str(data_dir), "init", "--practice-id", "self-test-01")
    assert result.code == 0
    return data_dir, passphrase_from(result.out)


@pytest.fixture
def installed(initialised: tuple[Path, str]) -> Path:
    return initialised[0]


@pytest.fixture
def passphrase(initialised: tuple[Path, str]) -> str:
    """The recovery passphrase: what sets the PMS and the archive in these tests."""
    return initialised[1]


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SyntheticPractice(today=date(2026, 11, 23)), page_size=100).start()
    yield server
    server.stop()


def report(data_dir: Path) -> tuple[int, str]:
    out = io.StringIO()
    code = selftest.run_self_test(str(data_dir), out=out)
    return code, out.getvalue()


def statuses(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        if line.startswith("["):
            status, rest = line.split("]", 1)
            found[rest.split(":", 1)[0].strip()] = status.strip("[")
    return found


def test_fresh_installation_passes_with_pms_warning(installed: Path) -> None:
    code, text = report(installed)
    assert code == 0, text
    assert statuses(text) == {
        "start": "ok",
        "credential store": "ok",
        "database": "ok",
        "keys": "ok",
        "qt": "ok",
        "pms": "warn",
        "archive": "warn",  # the default folder is inside the data folder
    }
    assert "not configured" in text
    assert "same disk as the data" in text and "enamel-admin archive set" in text
    assert text.strip().splitlines()[-1].startswith("self-test passed")


def test_no_installation_fails(data_dir: Path) -> None:
    code, text = report(data_dir)
    assert code == 1
    assert statuses(text)["database"] == "FAIL"
    assert "enamel-admin init" in text


def test_wrong_and_missing_key_are_reported(installed: Path) -> None:
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout, WorkstationIdentity

    identity = WorkstationIdentity.load(DataLayout(installed).identity_file)
    keystore = KeyringKeyStore()
    good = keystore.get(identity.keystore_name)
    keystore.put(identity.keystore_name, os.urandom(32))
    code, text = report(installed)
    assert code == 1 and statuses(text)["database"] == "FAIL"
    assert "key" in text.lower()
    keystore.delete(identity.keystore_name)
    code, text = report(installed)
    assert code == 1 and "enamel-admin recover" in text
    keystore.put(identity.keystore_name, good)
    assert report(installed)[0] == 0


def test_corrupt_database_fails(installed: Path) -> None:
    db = installed / "enamel.db"
    data = bytearray(db.read_bytes())
    data[4096 : 4096 * 3] = os.urandom(4096 * 2)
    db.write_bytes(bytes(data))
    for extra in ("enamel.db-wal", "enamel.db-shm"):
        (installed / extra).unlink(missing_ok=True)
    code, text = report(installed)
    assert code == 1 and statuses(text)["database"] == "FAIL"


def test_pms_reachable_and_unreachable(
    installed: Path, passphrase: str, sim: SimulatorServer
) -> None:
    set_pms = admin_recovery(
        "--data-dir",
        str(installed),
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        sim.url,
        "--keys-stdin",
        stdin=f"{sim.developer_key}\n{sim.customer_key}\n",
        passphrase=passphrase,
    )
    assert set_pms.code == 0, set_pms.err
    code, text = report(installed)
    assert code == 0, text
    assert statuses(text)["pms"] == "ok" and "answers (HTTP" in text
    assert sim.developer_key not in text
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/api/v1"
    admin_recovery(
        "--data-dir",
        str(installed),
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        dead,
        "--keys-stdin",
        stdin="a\nb\n",
        passphrase=passphrase,
    )
    code, text = report(installed)
    assert code == 1 and statuses(text)["pms"] == "FAIL" and "not reachable" in text


def test_archive_folder_and_s3(installed: Path, passphrase: str, tmp_path: Path) -> None:
    missing = tmp_path / "nas" / "archive"
    root = str(installed)
    set_ = admin_recovery(
        "--data-dir", root, "archive", "set", "folder", str(missing), passphrase=passphrase
    )
    assert set_.code == 0, set_.err
    code, text = report(installed)
    assert code == 1 and statuses(text)["archive"] == "FAIL" and "does not exist" in text
    missing.mkdir(parents=True)
    code, text = report(installed)
    assert code == 0 and "exists and is writable" in text
    assert statuses(text)["archive"] == "warn" and "same disk as the data" in text
    provision = tmp_path / "p.json"
    provision.write_text(
        '{"practice_id": "self-test-01", "archive": {"backend": "s3", '
        '"endpoint": "https://s3.example.org", "bucket": "audit"}}'
    )
    applied = admin_recovery("--data-dir", root, "provision", str(provision), passphrase=passphrase)
    assert applied.code == 0, applied.err
    code, text = report(installed)
    assert code == 0 and statuses(text)["archive"] == "warn"
    assert "enamel-admin archive check" in text


def test_enamel_self_test_in_a_process(installed: Path) -> None:
    """The real entry point: argument parsing, an offscreen QApplication, exit code."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the self-test must not need it
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.gui import run; run()",
            "--self-test",
            "--data-dir",
            str(installed),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[ok]    qt:" in proc.stdout and "offscreen application created" in proc.stdout
    assert "[FAIL]" not in proc.stdout


def test_no_credential_store_is_its_own_failure(data_dir: Path) -> None:
    from storage.errors import KeyringUnavailable

    def broken(layout: object, demo: bool) -> selftest.KeyStore:
        raise KeyringUnavailable("No usable credential store was found.")

    checks = selftest.run_checks(str(data_dir), keystore_factory=broken)
    assert [(c.name, c.status) for c in checks] == [
        ("start", selftest.Status.OK),
        ("credential store", selftest.Status.FAIL),
        ("qt", selftest.Status.OK),
    ]


def other_disk_than(path: Path) -> Path | None:
    """A writable folder on another device than `path` (tmpfs /dev/shm on Linux), if any."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != path.stat().st_dev:
        return shm
    return None


def test_an_archive_folder_on_another_disk_is_ok(installed: Path, passphrase: str) -> None:
    other = other_disk_than(installed)
    if other is None:
        pytest.skip("no second writable disk here")
    folder = other / f"enamel-archive-{os.getpid()}"
    folder.mkdir()
    try:
        set_ = admin_recovery(
            "--data-dir", str(installed), "archive", "set", "folder", str(folder),
            passphrase=passphrase,
        )  # fmt: skip
        assert set_.code == 0, set_.err
        code, text = report(installed)
        assert code == 0 and statuses(text)["archive"] == "ok", text
        assert "exists and is writable" in text and "same disk" not in text
    finally:
        folder.rmdir()


def test_demo_self_test_starts_the_simulator_it_checks(tmp_path: Path) -> None:
    """No demo is running (its simulator's port is long gone): the check starts its own."""
    demo = tmp_path / "demo"
    out = io.StringIO()
    code = selftest.run_self_test(str(demo), demo=True, out=out)
    text = out.getvalue()
    assert code == 1 and "no demo in" in text and "enamel --demo" in text  # never started
    from app.bootstrap import build_services
    from services.clock import ManualClock
    from services.installation import initialise
    from storage.keystore import DemoKeyStore
    from storage.layout import DataLayout

    clock = ManualClock()
    made = initialise(DataLayout(demo), DemoKeyStore(demo), "demo-practice", clock)
    services = build_services(made.installation, clock)
    try:
        from app import demo as demo_mode

        sim = demo_mode.start_simulator(services)
        demo_mode.prepare(services, sim)
        sim.stop()  # the demo was closed: its address now answers nothing
    finally:
        services.close()
    out = io.StringIO()
    code = selftest.run_self_test(str(demo), demo=True, out=out)
    text = out.getvalue()
    assert code == 0, text
    assert statuses(text)["pms"] == "ok" and "demo simulator started for this check" in text
    assert "4 providers" in text
