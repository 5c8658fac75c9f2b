"""enamel-admin compliance checklist | scan | rotate ... (shows no PHI)."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from app.cli.admin_auth import protect_with_passphrase
from app.cli.context import CliContext
from app.compliance_setup import Compliance
from services.audit import verify_local
from services.compliance.checklist import checklist
from services.keyrotation.archive_key import rotate_archive_key
from services.keyrotation.database_key import complete_rotation, rotate_database_key
from services.keyrotation.reminders import credential_reminders


def register(sub: Any) -> None:
    comp = sub.add_parser("compliance", help="the compliance checklist and the breach-rule scan")
    comp_sub = comp.add_subparsers(dest="compliance_command", metavar="ACTION", required=True)
    p = comp_sub.add_parser("checklist", help="each checklist item, met or not, from live state")
    p.set_defaults(handler=cmd_checklist)
    p = comp_sub.add_parser("scan", help="run the breach rules over recent audit entries")
    p.add_argument("--days", type=int, default=1, help="how far back (default 1 day)")
    p.set_defaults(handler=cmd_scan)

    rot = sub.add_parser("rotate", help="rotate keys; show credential ages")
    rot_sub = rot.add_subparsers(dest="rotate_command", metavar="WHAT", required=True)
    p = rot_sub.add_parser("status", help="every credential's age (rotate at 90 days)")
    p.set_defaults(handler=cmd_status)
    for name, handler, text in (
        ("db-key", cmd_db_key, "re-encrypt the database under a new key (close Enamel first)"),
        ("archive-key", cmd_archive_key, "a new archive key; old batches stay readable"),
    ):
        p = rot_sub.add_parser(name, help=text)
        if name == "db-key":
            p.add_argument("--resume", action="store_true", help="finish an interrupted rotation")
        protect_with_passphrase(p, handler)


def compliance_for(ctx: CliContext) -> Compliance:
    """The GUI's compliance tools (Services.compliance): the same rules, the same checklist."""
    return ctx.services().compliance


def cmd_checklist(args: argparse.Namespace, ctx: CliContext) -> int:
    items = checklist(compliance_for(ctx).sources, ctx.clock.now())
    phase = ""
    for item in items:
        if item.phase != phase:
            phase = item.phase
            print(phase)
        print(f"  [{item.status.label:^12}] {item.text} (checklist: {item.reference})")
        print(f"                 {item.detail}")
    missing = sum(1 for i in items if i.status.value == "not met")
    return 1 if missing else 0


def cmd_scan(args: argparse.Namespace, ctx: CliContext) -> int:
    compliance = compliance_for(ctx)
    raised = compliance.scan(ctx.services(), ctx.clock.now() - timedelta(days=max(1, args.days)))
    open_count = compliance.repo.unacknowledged_count()
    print(f"{len(raised)} new alerts; {open_count} unacknowledged in all.")
    for alert in raised:
        print(
            f"  {alert.event_at:%Y-%m-%d %H:%M} {alert.severity:6} {alert.rule} ({alert.subject})"
        )
    return 0


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    inst = ctx.installation()
    since = None
    try:
        since = datetime.fromisoformat(inst.identity.created_at)
    except ValueError:
        pass
    reminders = credential_reminders(
        inst.secrets, inst.settings, ctx.clock.now(), database_key_since=since
    )
    for r in reminders:
        state = "ROTATE NOW" if r.due else f"due in {90 - r.age_days} days"
        print(f"  {r.label:32} set {r.created_at:%Y-%m-%d}  {r.age_days:4} days  {state}")
    return 1 if any(r.due for r in reminders) else 0


def cmd_db_key(args: argparse.Namespace, ctx: CliContext) -> int:
    ctx.start_logging()
    if complete_rotation(ctx.layout, ctx.keystore()):
        print("An interrupted database-key rotation was finished.")
        if args.resume:
            return 0
    elif args.resume:
        print("No rotation was under way.")
        return 0
    passphrase = ctx.verified_passphrase()
    services = ctx.services()
    rotate_database_key(
        services.installation,
        ctx.keystore(),
        passphrase,
        ctx.clock,
        ctx.admin_actor(),
        services.trail,
    )
    result = verify_local(services.trail.repository)
    print(
        "The database is now encrypted under a new key, stored in "
        f"{ctx.keystore().describe()}; the recovery file is rewrapped with the same passphrase."
    )
    print(f"Audit trail {'OK' if result.ok else 'BROKEN'}: {result.entries} entries.")
    return 0 if result.ok else 1


def cmd_archive_key(args: argparse.Namespace, ctx: CliContext) -> int:
    passphrase = ctx.verified_passphrase()
    services = ctx.services()
    new_id = rotate_archive_key(
        services.installation, passphrase, ctx.clock, ctx.admin_actor(), services.trail
    )
    print(f"New archive key {new_id}; older keys are kept so earlier batches stay readable.")
    print("Restart Enamel on this workstation so the archive sync uses the new key.")
    return 0
