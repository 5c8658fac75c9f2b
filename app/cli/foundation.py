"""enamel-admin init, recover and status."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from app.cli.context import CliContext
from errors import EnamelError
from services import installation as inst
from storage.sqlcipher_ops import quick_check, versions


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create the database, keys and settings")
    p.add_argument("--practice-id", required=True, help="e.g. smile-dental-01")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("recover", help="put the database key back from the recovery passphrase")
    p.add_argument(
        "--passphrase-stdin", action="store_true", help="read the passphrase from standard input"
    )
    p.set_defaults(handler=cmd_recover)

    p = sub.add_parser("status", help="where things are and what is configured (no secrets)")
    p.set_defaults(handler=cmd_status)


def cmd_init(args: argparse.Namespace, ctx: CliContext) -> int:
    result = inst.initialise(ctx.layout, ctx.keystore(), args.practice_id, ctx.clock)
    ctx.start_logging()
    result.installation.close()
    print(f"Created the Enamel installation for practice '{args.practice_id}' in {ctx.layout.root}")
    print()
    print("RECOVERY PASSPHRASE (shown once; write it down and keep it locked away):")
    print()
    print(f"    {result.passphrase}")
    print()
    print("Without it, a lost credential-store entry or a new PC means the data cannot be read.")
    return 0


def read_passphrase(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return getpass.getpass("Recovery passphrase: ").strip()


def cmd_recover(args: argparse.Namespace, ctx: CliContext) -> int:
    passphrase = read_passphrase(args.passphrase_stdin)
    if not passphrase:
        raise inst.UsageError("No passphrase was given. Nothing was changed.")
    identity = inst.recover(ctx.layout, ctx.keystore(), passphrase)
    print(
        f"The database key for practice '{identity.practice_id}' is back in "
        f"{ctx.keystore().describe()}."
    )
    return 0


def page_damage(installation: inst.Installation) -> str | None:
    """What is wrong with the database's pages, in words, or None when every page reads.

    Opening reads one page; this reads them all (each page's HMAC is checked), so a damaged
    page in a table nobody has read yet is found before it fails a command halfway.
    """
    problems = quick_check(installation.db)
    if problems == ["ok"]:
        return None
    return (
        f"{installation.layout.database.name} is damaged: some of its pages cannot be read. "
        "Restore the latest backup ('enamel-admin backup restore')."
    )


def _pms_state(installation: inst.Installation) -> str | None:
    """Where the PMS is, or None while its keys were never entered."""
    from services.pms.records import PmsError
    from services.pms.settings import PmsSettings, read_keys

    if read_keys(installation.secrets) is None:
        return None
    try:
        return f"{PmsSettings.read(installation.settings).url()} (keys set)"
    except (PmsError, ValueError):
        return "the pms.mode setting is not valid ('enamel-admin pms set')"


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    layout = ctx.layout
    print(f"Data directory:   {layout.root}")
    print(
        f"Database:         {layout.database} ({'present' if layout.database.exists() else 'missing'})"
    )
    print(
        f"Recovery file:    {layout.recovery_file} ({'present' if layout.recovery_file.exists() else 'missing'})"
    )
    print(f"Log directory:    {layout.log_dir}")
    try:
        installation = ctx.installation()
    except EnamelError as exc:
        print(f"State:            not usable: {exc.message}")
        return exc.exit_code
    print(f"Practice:         {installation.practice_id}")
    print(f"Workstation:      {installation.workstation_id}")
    damage = page_damage(installation)
    if damage is not None:
        print(f"State:            DAMAGED: {damage}")
        return 1
    print(f"Key storage:      {ctx.keystore().describe()}")
    found = versions(installation.db)
    print(f"Schema version:   {found.schema}  (SQLCipher {found.sqlcipher})")
    settings = installation.settings.all()
    pms = _pms_state(installation)
    print(f"PMS:              {pms or 'not configured yet (enamel-admin pms set)'}")
    for name, value in settings.items():
        if pms is None and name.startswith("pms."):
            continue  # defaults, not a connection: "pms.mode: service" would mislead
        print(f"Setting {name + ':':<26}{value}")
    for info in installation.secrets.info():
        age = (ctx.clock.now() - info.created_at).days
        print(f"Secret {info.name + ':':<27}set {info.created_at:%Y-%m-%d} ({age} days old)")
    from app.jobs_setup import job_record

    jobs = job_record(ctx.services()).load()
    if not jobs:
        print("Background jobs:  none has run yet on this PC (they run while Enamel is open)")
    for job in jobs:
        print(f"Job {job.name + ':':<30}{job.describe()}")
    return 0
