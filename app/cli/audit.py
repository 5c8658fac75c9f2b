"""enamel-admin audit verify | export."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.admin_auth import protect
from app.cli.context import CliContext
from app.cli.foundation import page_damage
from services.access import Permission
from services.audit import verify_local
from services.audit.export import export_jsonl
from services.installation import UsageError


def register(sub: Any) -> None:
    audit = sub.add_parser("audit", help="check or export the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    p = audit_sub.add_parser("verify", help="recompute this workstation's hash chain")
    p.add_argument(
        "--archive",
        action="store_true",
        help="also check the archived copy and the local trail against it (the local chain "
        "alone can be rewritten by someone holding the database key; the archive cannot)",
    )
    p.add_argument(
        "--practice",
        action="store_true",
        help="at the practice hub: check every workstation's chain as the hub holds it",
    )
    p.set_defaults(handler=cmd_verify)

    p = audit_sub.add_parser("export", help="write entries as JSON lines (pseudonyms, no PHI)")
    p.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD (UTC)")
    p.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD (UTC)")
    p.add_argument("--out", required=True, help="file to write")
    protect(p, cmd_export, Permission.VIEW_AUDIT)


def cmd_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    if getattr(args, "practice", False):
        from app.cli.practice_verify import cmd_verify_practice

        return cmd_verify_practice(ctx)
    damage = page_damage(ctx.installation())
    if damage is not None:  # the chain alone reads only the audit table's pages
        print(f"Audit trail cannot be trusted: {damage}")
        return 1
    services = ctx.services()
    result = verify_local(services.trail.repository)
    if args.archive:
        from app.cli import archive as archive_cli

        code = archive_cli.cmd_verify(args, ctx)
        if result.broken is not None or code != 0:
            if result.broken is not None:
                print(f"Audit trail BROKEN at {result.broken.describe()}")
            return 1
    if result.broken is None:
        if result.entries == 0:
            print("Audit trail OK: no entries yet.")
        else:
            print(
                f"Audit trail OK: {result.entries} entries, seq {result.first_seq}–"
                f"{result.last_seq}, last hash {result.last_hash[:16]}…"
            )
        return 0
    print(f"Audit trail BROKEN at {result.broken.describe()}")
    print(f"({result.entries} entries before it verified.)")
    return 1


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"'{text}' is not a date; write it as YYYY-MM-DD.") from None


def cmd_export(args: argparse.Namespace, ctx: CliContext) -> int:
    start, end = _day(args.start), _day(args.end)
    if end < start:
        raise UsageError("--to is before --from.")
    out = Path(args.out)
    if not out.parent.exists():
        raise UsageError(f"The folder {out.parent} does not exist.")
    services = ctx.services()
    count = export_jsonl(services.trail, ctx.admin_actor(), start, end, out)
    print(f"Exported {count} entries from {start} to {end} into {out}.")
    return 0
