"""enamel: the desktop application's entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from app.logging_setup import configure_logging
from app.paths import layout_for
from services.clock import Clock, SystemClock
from services.installation import Installation, initialise, open_installation
from storage.errors import DatabaseMissing, EnamelError
from storage.keystore import DemoKeyStore, KeyringKeyStore, KeyStore

DEMO_PRACTICE = "demo-practice"
log = logging.getLogger("app.gui")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="enamel", description="Enamel for dental practices")
    parser.add_argument(
        "--data-dir", help="installation folder (default: ENAMEL_DATA_DIR or the platform's)"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run on a demo installation with the built-in Open Dental simulator (synthetic data)",
    )
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check the database, keys, Qt, PMS and archive; print a report; exit 0 or 1",
    )
    return parser.parse_args(argv)


def open_or_create(args: argparse.Namespace) -> tuple[Installation, KeyStore]:
    layout = layout_for(args.data_dir, demo=args.demo)
    layout.ensure_writable()
    configure_logging(layout.log_dir)
    keystore: KeyStore = DemoKeyStore(layout.root) if args.demo else KeyringKeyStore()
    if layout.identity_file.exists():
        from services.compliance.rotation import complete_rotation

        complete_rotation(layout, keystore)  # finishes a key rotation a crash interrupted
    try:
        return open_installation(layout, keystore), keystore
    except DatabaseMissing:
        if not args.demo:
            raise
        result = initialise(layout, keystore, DEMO_PRACTICE, SystemClock())
        return result.installation, keystore


@dataclass
class Running:
    """A started app: its shell (windows), services and the things to stop on exit."""

    shell: Any
    services: Any
    runner: Any
    sim: Any
    pms: Any
    archive: Any = None
    desk: Any = None
    timers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for timer in self.timers:
            timer.stop()
        if self.archive is not None:
            self.archive.stop()
        self.runner.wait(5000)
        if self.shell.idle is not None:
            self.shell.idle.stop()
        if self.sim is not None:
            self.sim.stop()
        if self.pms is not None:
            self.pms.close()
        self.services.close()


def start(
    args: argparse.Namespace, installation: Installation, clock: Clock | None = None
) -> Running:
    """Wire the services and show sign-in; the desk (PMS client, screens) is built at first sign-in.

    Only what the sign-in window needs is loaded before it shows: the PMS client, the archive
    and the background jobs come after, so a cold start is not spent importing them.
    """
    from PySide6.QtCore import QTimer

    from app.bootstrap import build_services
    from services.auth.signin import Session
    from ui.main_window import MainWindow
    from ui.shell import Shell
    from ui.tasks import TaskRunner

    services = build_services(installation, clock)
    sim = None
    demo_hint: Any = None
    if args.demo:
        from app import demo as demo_mode

        sim = demo_mode.start_simulator()
        demo_mode.prepare(services, sim)
        demo_hint = lambda: demo_mode.hint(services)  # noqa: E731
    runner = TaskRunner()
    running = Running(None, services, runner, sim, None)
    from app.compliance_setup import build_compliance

    compliance = build_compliance(services)  # alerts are evaluated as entries are written

    def desk() -> Any:
        if running.desk is None:
            from app.desk import build_desk
            from app.pms_setup import pms_client
            from services.pms.records import PmsError
            from services.pms.unconfigured import UnconfiguredPms

            try:
                running.pms = pms_client(installation)
            except PmsError as exc:
                # Not set up yet: every screen says so (and how to fix it); no blocking dialog.
                running.pms = UnconfiguredPms(exc.message)
            running.desk = build_desk(services, running.pms)
        return running.desk

    def window_for(session: Session) -> MainWindow:
        from app.compliance_setup import compliance_pages
        from app.desk import make_window, pms_state

        extra = compliance_pages(services, compliance, running.pms, runner, session.actor)
        window = make_window(services, desk(), session, runner, demo=args.demo, extra_pages=extra)
        client = running.pms
        runner.run(
            lambda: pms_state(client),
            lambda st: window.status.set_pms(*st),
            lambda _: None,
            owner=window,
        )
        return window

    shell = Shell(
        services.auth,
        runner,
        services.clock,
        practice_id=installation.practice_id,
        make_window=window_for,
        idle_minutes=lambda: services.idle_lock_minutes,
        demo_hint=demo_hint,
    )
    running.shell = shell
    shell.show()
    if not args.demo and not services.accounts.all():
        # First run: explain how IT creates the first account, until one exists.
        shell.sign_in.show_first_run(lambda: bool(services.accounts.all()))
    QTimer.singleShot(0, lambda: _start_archive(running))
    _every(running, 15 * 60_000, lambda: compliance.scan(services))

    def backup() -> object:
        from services.compliance.backup import run_scheduled_backup

        return run_scheduled_backup(installation, services.clock, services.trail)

    _every(running, 60 * 60_000, backup)
    _start_scans(running, desk)
    log.info("app.started", extra={"workstation_id": installation.workstation_id})
    return running


def _every(running: Running, msecs: int, job: Callable[[], object]) -> None:
    """Run `job` off the UI thread every `msecs`; failures are logged by class only."""
    from PySide6.QtCore import QTimer

    def fire() -> None:
        running.runner.run(
            job,
            lambda _: None,
            lambda e: log.warning("app.job_failed", extra={"error_class": type(e).__name__}),
        )

    timer = QTimer()
    timer.timeout.connect(fire)
    timer.start(msecs)
    running.timers.append(timer)


def _start_scans(running: Running, desk: Callable[[], Any]) -> None:
    """Recall and waitlist scans as agent actors, every 30 minutes, shown in the status bar."""
    from PySide6.QtCore import QTimer

    from services.workflows.agents import scan

    def run_scan() -> None:
        window = running.shell.window
        if window is None:
            return
        today = running.services.clock.now().astimezone().date()
        running.runner.run(
            lambda: scan(desk().recall, desk().waitlist, today),
            lambda r: window.status.jobs.setText(
                f"{r.overdue_recalls} overdue recalls · {r.waitlist_offers} waitlist offers"
            ),
            lambda _: None,
            owner=window,
        )

    timer = QTimer()
    timer.timeout.connect(run_scan)
    timer.start(30 * 60 * 1000)
    running.timers.append(timer)
    running.shell.sessionStarted.connect(lambda _: run_scan())


def describe_archive(status: Any, now: Any) -> tuple[str, bool]:
    if status.last_success is None:
        return (f"not synced yet, {status.backlog} waiting", status.backlog < 5000)
    minutes = int((now - status.last_success).total_seconds() // 60)
    age = (
        "just now"
        if minutes < 1
        else f"{minutes} min ago"
        if minutes < 120
        else f"{minutes // 60} h ago"
    )
    healthy = minutes < 24 * 60 and not status.last_error
    waiting = f", {status.backlog} waiting" if status.backlog else ""
    return (f"synced {age}{waiting}" + (" — failing" if status.last_error else ""), healthy)


def _start_archive(running: Running) -> None:
    """Sync in the background and keep the status bar's archive state current."""
    from PySide6.QtCore import QTimer

    from app.archive_setup import archive_sync
    from services.archive.sync import BackgroundSync

    try:
        sync = archive_sync(running.services)
    except EnamelError:
        return
    background = BackgroundSync(sync, interval=60.0)
    background.start()
    running.archive = background

    def refresh() -> None:
        window = running.shell.window
        if window is None:
            return
        running.runner.run(
            sync.status,
            lambda st: window.status.set_archive(
                *describe_archive(st, running.services.clock.now())
            ),
            lambda _: window.status.set_archive("unavailable", False),
            owner=window,
        )

    timer = QTimer()
    timer.timeout.connect(refresh)
    timer.start(15_000)
    running.timers.append(timer)
    running.shell.sessionStarted.connect(lambda _: refresh())


def run_first_run(args: argparse.Namespace) -> Installation | None:
    """No installation yet: the wizard creates it (IT may also use 'enamel-admin init')."""
    from app.firstrun import FirstRun
    from ui.firstrun import FirstRunWizard

    layout = layout_for(args.data_dir)
    first = FirstRun(layout, KeyringKeyStore())
    wizard = FirstRunWizard(first.actions())
    accepted = wizard.exec()
    first.close()
    if not accepted or not layout.database.exists():
        return None
    return open_installation(layout, KeyringKeyStore())


def make_qapp() -> Any:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Enamel")
    app.setOrganizationName("Enamel")
    app.setStyleSheet(
        resources.files("resources").joinpath("style.qss").read_text(encoding="utf-8")
    )
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_test:  # before any QApplication exists: the self-test makes its own
        from app.selftest import run_self_test

        return run_self_test(args.data_dir, demo=args.demo)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    app = make_qapp()
    try:
        installation, _ = open_or_create(args)
    except DatabaseMissing:
        created = run_first_run(args)
        if created is None:
            return 1
        installation = created
    except EnamelError as exc:
        log.error("app.start_failed", extra={"error_class": type(exc).__name__})
        QMessageBox.critical(None, "Enamel cannot start", exc.message)
        return exc.exit_code
    running = start(args, installation)
    if args.exit_when_ready:
        QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
    code = app.exec()
    running.close()
    return int(code)


def run() -> None:
    sys.exit(main())
