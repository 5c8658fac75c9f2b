"""enamel: the desktop application's entry point."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from app.display import missing_display
from errors import EnamelError
from services.clock import Clock, clock_from_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QApplication

    from app.bootstrap import Services
    from app.desk import Desk
    from services.hub.directory import HubMode
    from services.installation import Installation
    from services.jobs import JobQueue, JobStatus
    from services.pms.protocol import PmsClient
    from services.pms.simulator import SimulatorServer
    from storage.keystore import KeyStore
    from ui.auth.signin.window import SignInWindow
    from ui.operations import Operations
    from ui.shell import Shell

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
    parser.add_argument("--clock-start", help=argparse.SUPPRESS)  # run as if started then (ISO)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check the database, keys, Qt, PMS and archive; print a report; exit 0 or 1",
    )
    return parser.parse_args(argv)


def open_or_create(args: argparse.Namespace, clock: Clock) -> tuple[Installation, KeyStore]:
    from app.logging_setup import configure_logging
    from app.paths import layout_for
    from services.installation import initialise, open_installation
    from storage.errors import DatabaseMissing
    from storage.keystore import DemoKeyStore, KeyringKeyStore

    layout = layout_for(args.data_dir, demo=args.demo)
    layout.ensure_writable()
    configure_logging(layout.log_dir)
    keystore: KeyStore = DemoKeyStore(layout.root) if args.demo else KeyringKeyStore()
    if layout.identity_file.exists():
        from services.keyrotation.database_key import complete_rotation

        complete_rotation(layout, keystore)  # finishes a key rotation a crash interrupted
    try:
        return open_installation(layout, keystore), keystore
    except DatabaseMissing:
        if not args.demo:
            raise
        result = initialise(layout, keystore, DEMO_PRACTICE, clock)
        return result.installation, keystore


@dataclass
class Running:
    """A started app: its shell (windows), services, background work and what to stop on exit."""

    shell: Shell
    services: Services
    ops: Operations
    jobs: JobQueue
    sim: SimulatorServer | None = None
    pms: PmsClient | None = None
    desk: Desk | None = None

    def close(self) -> None:
        self.jobs.stop()
        self.ops.wait(5000)
        if self.shell.idle is not None:
            self.shell.idle.stop()
        if self.sim is not None:
            self.sim.stop()
        if self.pms is not None:
            self.pms.close()
        self.ops.shutdown()
        self.services.close()


def start(
    args: argparse.Namespace,
    installation: Installation,
    clock: Clock | None = None,
    sign_in: SignInWindow | None = None,
) -> Running:
    """Wire the services and show sign-in; the desk (PMS client, screens) is built at first sign-in.

    Only what the sign-in window needs is loaded before it shows: the PMS client, the archive
    and the background jobs come after, so a cold start is not spent importing them.
    """
    from app.bootstrap import build_services
    from app.jobs_setup import WORKLIST_SCAN, build_jobs
    from services.auth.signin import Session
    from ui.main_window import MainWindow
    from ui.operations import Operations
    from ui.shell import Shell

    services = build_services(installation, clock)
    sim = None
    demo_hint: Callable[[], str] | None = None
    if args.demo:
        from app import demo as demo_mode

        demo_mode.say("Starting the Open Dental simulator (a synthetic practice)…")
        sim = demo_mode.start_simulator(services)
        demo_mode.prepare(services, sim)
        demo_hint = lambda: demo_mode.hint(services)  # noqa: E731
    ops = Operations()
    compliance = services.compliance  # alerts are evaluated as entries are written

    def desk() -> Desk:
        if running.desk is None:
            from app.desk import build_desk
            from app.pms_setup import pms_client
            from services.pms.records import PmsError
            from services.pms.unconfigured import UnconfiguredPms

            try:
                running.pms = pms_client(installation, services.clock)  # contacts from the cache
            except PmsError as exc:
                # Not set up yet: every screen says so (and how to fix it); no blocking dialog.
                running.pms = UnconfiguredPms(exc.message)
            from app.pms_watch import watch

            running.desk = build_desk(services, watch(running.pms, pms_changed))
        return running.desk

    def quit_app() -> None:
        """Ctrl+Q: the session ends as at switch user (recorded), then the application."""
        from PySide6.QtWidgets import QApplication

        running.shell.switch_user()
        # exit, not quit: quit waits on the window system (see leave_when_ready)
        app = QApplication.instance()
        if app is not None:
            app.exit(0)

    def pms_changed(state: str, ok: bool, detail: str) -> None:  # on the calling thread
        def show() -> None:
            window = running.shell.window
            if window is not None:
                window.status.set_pms(state, ok)
                window.status.pms.setToolTip(detail)

        ops.on_ui_thread(show)

    def sessions_ended(user_ids: list[str]) -> None:  # on the queue's thread
        """The hub ended a session here (the account was disabled elsewhere): sign out."""

        def sign_out() -> None:
            session = running.shell.session
            if session is not None and session.user_id in user_ids:
                running.shell.switch_user()

        ops.on_ui_thread(sign_out)

    def hub_mode_changed(mode: HubMode) -> None:  # on whichever thread asked the hub
        def show() -> None:
            window = running.shell.window
            if window is not None:
                window.status.set_hub(mode.label, not mode.away)

        ops.on_ui_thread(show)

    if services.hub is not None:
        services.hub.on_mode_change(hub_mode_changed)
    jobs = build_jobs(services, compliance, desk, sessions_ended)

    def window_for(session: Session) -> MainWindow:
        from app.compliance_setup import compliance_pages
        from app.desk import make_window, pms_state

        the_desk = desk()  # also makes the PMS client the compliance pages name patients with
        client = running.pms
        assert client is not None
        extra = compliance_pages(services, compliance, client, ops, session.actor)
        window = make_window(services, the_desk, session, ops, demo=args.demo, extra_pages=extra)
        window.quitRequested.connect(quit_app)
        from ui.compliance.wiring import show_alert_count

        show_alert_count(compliance.alerts, ops, window)
        window.countsStale.connect(lambda: jobs.run_now(WORKLIST_SCAN))
        for status in jobs.statuses():
            window.status.show_job(status)
        if services.hub is not None:
            window.status.set_hub(services.hub_mode(), not services.hub.mode.away)
        ops.run(
            lambda: pms_state(client, services.clock),
            lambda st: window.status.set_pms(*st),
            owner=window,
        )
        return window

    def job_changed(status: JobStatus) -> None:  # on the queue's thread
        def show() -> None:
            window = running.shell.window
            if window is not None:
                window.status.show_job(status)

        ops.on_ui_thread(show)

    shell = Shell(
        services.auth,
        ops,
        services.clock,
        practice_id=installation.practice_id,
        make_window=window_for,
        idle_minutes=lambda: services.idle_lock_minutes,
        demo_hint=demo_hint,
        sign_in=sign_in,
    )
    running = Running(shell, services, ops, jobs, sim)
    jobs.on_change(job_changed)
    shell.show()
    if not args.demo and services.hub is None and not services.accounts.all():
        # First run: explain how IT creates the first account, until one exists.
        shell.sign_in.show_first_run(lambda: bool(services.accounts.all()))
    jobs.start()
    if args.demo:
        demo_mode.say(demo_mode.welcome(installation.layout.root))
    log.info("app.started", extra={"workstation_id": installation.workstation_id})
    return running


def run_first_run(args: argparse.Namespace, clock: Clock) -> Installation | None:
    """No installation yet: the wizard creates it (IT may also use 'enamel-admin init')."""
    from app.firstrun import FirstRun
    from app.paths import layout_for
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from ui.firstrun import FirstRunWizard
    from ui.operations import Operations

    layout = layout_for(args.data_dir)
    first = FirstRun(layout, KeyringKeyStore(), clock)
    ops = Operations()
    wizard = FirstRunWizard(first.actions(), ops.run)
    accepted = wizard.exec()
    ops.shutdown()
    first.close()
    if not accepted or not layout.database.exists():
        return None
    return open_installation(layout, KeyringKeyStore())


def make_qapp() -> QApplication:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Enamel")
    app.setOrganizationName("Enamel")
    app.setStyleSheet(
        resources.files("resources").joinpath("style.qss").read_text(encoding="utf-8")
    )
    from ui.collector import collect_on_the_ui_thread

    collect_on_the_ui_thread()  # Qt objects in reference cycles are freed on this thread
    return app


def leave_when_ready(app: QApplication) -> None:
    """`--exit-when-ready`: say so and leave the event loop, with the windows still open.

    Not `app.quit()`: that first asks the window system to close every window and waits for
    the answer. Qt's windows platform with no desktop to answer (Wine without a display) spins
    a core in that wait for ever, a bare PySide6 window included; `exit` needs no answer.
    """
    print("ready", flush=True)
    app.exit(0)


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    """`clock`: the time the app runs on (default: `--clock-start` or the system's)."""
    args = parse_args(argv)
    if args.self_test:  # before any QApplication exists: the self-test makes its own
        from app.selftest import run_self_test

        return run_self_test(args.data_dir, demo=args.demo)
    no_display = missing_display(os.environ)
    if no_display is not None:  # Qt would abort (134) with advice about xcb libraries
        print(no_display, file=sys.stderr)
        return 3
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    try:
        clock = clock or clock_from_option(args.clock_start)
    except ValueError as exc:
        print(f"enamel: {exc}", file=sys.stderr)
        return 2
    app = make_qapp()
    # The first frame: Qt and the sign-in window's own modules only (a test holds the list);
    # the credential store, the database and the services load after it is painted.
    from ui.auth.signin.window import SignInWindow

    first = SignInWindow(None, None, practice_id="")
    first.show()
    app.processEvents()
    if args.exit_when_ready:
        print("shown", flush=True)
    from app.paths import layout_for
    from storage.errors import DatabaseMissing

    if args.demo and not layout_for(args.data_dir, demo=True).database.exists():
        print("Creating the demo practice and its users (first start only)…", flush=True)
    try:
        installation, _ = open_or_create(args, clock)
    except DatabaseMissing:
        first.hide()
        created = run_first_run(args, clock)
        if created is None:
            return 1
        installation = created
    except EnamelError as exc:
        first.hide()
        log.error("app.start_failed", extra={"error_class": type(exc).__name__})
        QMessageBox.critical(None, "Enamel cannot start", exc.message)
        return exc.exit_code
    running = start(args, installation, clock, sign_in=first)
    if args.exit_when_ready:
        QTimer.singleShot(0, lambda: leave_when_ready(app))
    code = app.exec()
    running.close()
    return int(code)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # python -m app.gui, as the exit test runs it
    run()
