"""`enamel --self-test`: start, open the database, check keys, Qt, PMS and archive; exit 0 or 1."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from app.bootstrap import VERSION
from app.paths import layout_for
from errors import EnamelError
from services.archive.placement import same_disk
from services.installation import (
    ARCHIVE_KEY,
    PSEUDONYM_KEY,
    SIGNING_KEY,
    Installation,
    open_installation,
)
from storage.errors import DatabaseMissing
from storage.keystore import DemoKeyStore, KeyringKeyStore, KeyStore
from storage.layout import DataLayout


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str

    def line(self) -> str:
        return f"{'[' + self.status.value + ']':<7} {self.name + ':':<18} {self.detail}"


def check_start() -> Check:
    where = "bundle" if getattr(sys, "frozen", False) else "Python " + sys.version.split()[0]
    return Check("start", Status.OK, f"Enamel {VERSION} ({where}, {sys.platform})")


def check_qt() -> Check:
    """Qt loads and an offscreen QApplication can be created (then discarded)."""
    try:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import QLibraryInfo
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        return Check("qt", Status.FAIL, f"PySide6 cannot be loaded ({exc})")
    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    wanted = "qwindows" if sys.platform == "win32" else "qxcb"
    have_display = any(p.name.startswith((wanted, "lib" + wanted)) for p in plugins.glob("*"))
    existing = QApplication.instance()
    if existing is None:
        app = QApplication(["enamel", "-platform", "offscreen"])
        platform = app.platformName()
        app.shutdown()
        del app
    else:
        platform = QApplication.platformName()
    if not have_display:
        return Check(
            "qt", Status.FAIL, f"PySide6 {pyside_version} runs, but the {wanted} plugin is missing"
        )
    return Check("qt", Status.OK, f"PySide6 {pyside_version}, {platform} application created")


def check_keys(installation: Installation) -> Check:
    missing = [
        label
        for name, label in (
            (PSEUDONYM_KEY, "pseudonym"),
            (ARCHIVE_KEY, "archive"),
            (SIGNING_KEY, "signing"),
        )
        if len(installation.secrets.get(name) or b"") != 32
    ]
    if missing:
        return Check(
            "keys",
            Status.FAIL,
            f"missing or damaged: {', '.join(missing)} key (restore from a backup, or "
            "'enamel-admin recover')",
        )
    return Check("keys", Status.OK, "pseudonym, archive and signing keys present")


def check_pms(installation: Installation, timeout: float) -> Check:
    import httpx

    from services.pms.records import PmsRejected
    from services.pms.settings import PmsSettings, read_keys

    if read_keys(installation.secrets) is None:
        return Check("pms", Status.WARN, "not configured ('enamel-admin pms set')")
    try:
        base = PmsSettings.read(installation.settings).url()
    except (PmsRejected, ValueError):
        return Check("pms", Status.FAIL, "the PMS mode setting is not valid")
    try:
        # Reachability only: any HTTP answer will do; keys are checked by 'enamel-admin pms check'.
        answer = httpx.get(base, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        return Check("pms", Status.FAIL, f"{base} is not reachable ({type(exc).__name__})")
    return Check("pms", Status.OK, f"{base} answers (HTTP {answer.status_code})")


def check_demo_pms(installation: Installation, timeout: float) -> Check:
    """The demo's PMS is its own simulator, which runs only while the demo does: start the one
    the demo would (its saved practice), check it over HTTP with its keys, stop it."""
    from app.demo import SNAPSHOT
    from services.calendar import TIMEZONE_SETTING, PracticeCalendar, zone_named
    from services.clock import SystemClock
    from services.pms.opendental import OpenDentalClient
    from services.pms.records import PmsError
    from services.pms.simulator import SimulatorServer, SyntheticPractice, snapshot

    clock = SystemClock()
    zone = zone_named(installation.settings.get(TIMEZONE_SETTING))
    today = PracticeCalendar(clock, zone).today()
    practice = SyntheticPractice(today=today, clock=clock)
    snapshot.load(practice, installation.layout.root / SNAPSHOT)  # read only: never saved here
    sim = SimulatorServer(practice, page_size=1000).start()
    client = OpenDentalClient(sim.url, sim.developer_key, sim.customer_key, timeout=timeout)
    try:
        providers = client.providers()
    except PmsError as exc:
        return Check("pms", Status.FAIL, f"the demo simulator did not answer: {exc.message}")
    finally:
        client.close()
        sim.stop()
    return Check(
        "pms",
        Status.OK,
        f"demo simulator started for this check; {len(providers)} providers, "
        f"{len(practice.patients)} synthetic patients",
    )


def check_archive(installation: Installation) -> Check:
    from services.archive.settings import FOLDER, S3, ArchiveSettings

    config = ArchiveSettings.read(installation.settings)
    backend = config.backend
    if backend == S3:
        endpoint = config.endpoint or "(no endpoint)"
        bucket = config.bucket or "(no bucket)"
        return Check(
            "archive",
            Status.WARN,
            f"s3 {endpoint} bucket {bucket}: not checked here; run 'enamel-admin archive check'",
        )
    if backend != FOLDER:
        return Check("archive", Status.FAIL, f"unknown archive backend '{backend}'")
    configured = config.folder_path
    folder = Path(configured) if configured else installation.layout.archive_dir
    if not folder.exists():
        if configured:
            return Check("archive", Status.FAIL, f"folder {folder} does not exist")
        found = f"folder {folder} (created at the first sync)"
    else:
        try:
            probe = folder / f".self-test-{secrets.token_hex(4)}"
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            probe.unlink()
        except OSError as exc:
            return Check(
                "archive",
                Status.FAIL,
                f"folder {folder} cannot be written ({exc.strerror or type(exc).__name__})",
            )
        found = f"folder {folder} exists and is writable"
    if same_disk(folder, installation.layout.root):
        return Check(
            "archive",
            Status.WARN,
            f"{found}, but it is on the same disk as the data: one failed or stolen disk "
            "loses both; choose a network share, a removable drive or S3 "
            "('enamel-admin archive set')",
        )
    return Check("archive", Status.OK, found)


def _keystore(layout: DataLayout, demo: bool) -> KeyStore:
    return DemoKeyStore(layout.root) if demo else KeyringKeyStore()


def run_checks(
    data_dir: str | None,
    *,
    demo: bool = False,
    timeout: float = 3.0,
    keystore_factory: Callable[[DataLayout, bool], KeyStore] = _keystore,
) -> list[Check]:
    checks = [check_start()]
    layout = layout_for(data_dir, demo=demo)
    try:
        keystore = keystore_factory(layout, demo)
    except EnamelError as exc:
        checks.append(Check("credential store", Status.FAIL, exc.message))
        checks.append(check_qt())
        return checks
    checks.append(Check("credential store", Status.OK, keystore.describe()))
    try:
        installation = open_installation(layout, keystore)
    except EnamelError as exc:
        message = exc.message
        if demo and isinstance(exc, DatabaseMissing):
            message = f"no demo in {layout.root} yet: start it once with 'enamel --demo'"
        checks.append(Check("database", Status.FAIL, message))
        checks.append(check_qt())
        return checks
    try:
        database = check_pages(installation)
        checks.append(database)
        if database.status is Status.FAIL:
            checks.append(check_qt())
            return checks
        checks.append(check_keys(installation))
        checks.append(check_qt())
        checks.append((check_demo_pms if demo else check_pms)(installation, timeout))
        checks.append(check_archive(installation))
    finally:
        installation.close()
    return checks


def check_pages(installation: Installation) -> Check:
    """Opening reads one page; a quick check reads them all (each page's HMAC is verified)."""
    from storage.sqlcipher_ops import quick_check, versions

    problems = quick_check(installation.db)
    if problems != ["ok"]:
        return Check(
            "database",
            Status.FAIL,
            f"{installation.layout.database.name} is damaged ({len(problems)} problems). Restore "
            "the latest backup ('enamel-admin backup restore').",
        )
    return Check(
        "database",
        Status.OK,
        f"{installation.layout.database} opened and readable "
        f"(practice {installation.practice_id}, schema {versions(installation.db).schema})",
    )


def _console_for_windowed_exe() -> None:
    """The Windows GUI executable has no console: write to the one it was started from."""
    if sys.platform != "win32" or sys.stdout is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115 - for the process
        sys.stderr = sys.stdout


def run_self_test(data_dir: str | None, *, demo: bool = False, out: TextIO | None = None) -> int:
    """Print one line per check; 0 when nothing failed (warnings allowed), else 1."""
    _console_for_windowed_exe()
    stream = out or sys.stdout
    checks = run_checks(data_dir, demo=demo)
    for check in checks:
        print(check.line(), file=stream)
    failed = [c for c in checks if c.status is Status.FAIL]
    print(
        f"self-test {'FAILED' if failed else 'passed'}: {len(failed)} failed, "
        f"{sum(c.status is Status.WARN for c in checks)} warnings",
        file=stream,
    )
    if stream is not None:
        stream.flush()
    return 1 if failed else 0
