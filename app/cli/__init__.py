"""enamel-admin: the IT command line. Exit codes: 0 success, 1 a check failed, 2 usage/environment."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app.cli import (
    archive,
    audit,
    backup,
    compliance,
    foundation,
    hub,
    hub_member,
    pms,
    provision,
    users,
)
from app.cli.context import CliContext, CommandModule
from app.logging_setup import keep_off_the_console
from errors import EnamelError
from services.clock import Clock

COMMAND_MODULES: list[CommandModule] = [
    foundation,
    audit,
    users,
    pms,
    archive,
    provision,
    backup,
    compliance,
    hub,
    hub_member,  # after hub: it adds `hub adopt` and `hub check`
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="enamel-admin",
        description="Set up and look after an Enamel installation (for IT; shows no PHI).",
    )
    parser.add_argument(
        "--data-dir", help="installation folder (default: ENAMEL_DATA_DIR or the platform's)"
    )
    parser.add_argument(
        "--demo", action="store_true", help="act on the demo installation that 'enamel --demo' uses"
    )
    parser.add_argument("--clock-start", help=argparse.SUPPRESS)  # run as if started then (ISO)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    """Run one command; `clock` is the time it runs on (default: `--clock-start` or the system's)."""
    keep_off_the_console()  # the terminal gets the command's own words only
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        ctx = CliContext.from_args(args, clock)
    except ValueError as exc:
        print(f"enamel-admin: {exc}", file=sys.stderr)
        return 2
    try:
        result: int = args.handler(args, ctx)
        return result
    except EnamelError as exc:
        logging.getLogger("app.cli").warning(
            "cli.command_failed", extra={"error_class": type(exc).__name__}
        )
        print(f"enamel-admin: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("enamel-admin: interrupted", file=sys.stderr)
        return 2
    finally:
        ctx.close()


def run() -> None:
    sys.exit(main())
