"""enamel: the desktop application's entry point."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app.logging_setup import configure_logging
from app.paths import layout_for
from services.clock import SystemClock
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
    return parser.parse_args(argv)


def open_or_create(args: argparse.Namespace) -> tuple[Installation, KeyStore]:
    layout = layout_for(args.data_dir, demo=args.demo)
    layout.ensure_writable()
    configure_logging(layout.log_dir)
    keystore: KeyStore = DemoKeyStore(layout.root) if args.demo else KeyringKeyStore()
    try:
        return open_installation(layout, keystore), keystore
    except DatabaseMissing:
        if not args.demo:
            raise
        result = initialise(layout, keystore, DEMO_PRACTICE, SystemClock())
        return result.installation, keystore


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Enamel")
    app.setOrganizationName("Enamel")
    try:
        installation, _ = open_or_create(args)
    except EnamelError as exc:
        log.error("app.start_failed", extra={"error_class": type(exc).__name__})
        QMessageBox.critical(None, "Enamel cannot start", exc.message)
        return exc.exit_code
    from ui.main_window import MainWindow

    window = MainWindow(
        practice_id=installation.practice_id,
        user_label="(not signed in)",
        role_label="",
        pages=[],
        demo=args.demo,
    )
    window.show()
    log.info("app.started", extra={"workstation_id": installation.workstation_id})
    code = app.exec()
    installation.close()
    return int(code)


def run() -> None:
    sys.exit(main())
