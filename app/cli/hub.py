"""enamel-admin hub: make the practice hub, invite and revoke workstations, practice settings."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.admin_auth import protect
from app.cli.context import CliContext
from app.hub.keystores import add_key_store_option
from services import installation as inst
from services.access import Permission
from services.hub.service import HubServices
from services.hub.state import DEFAULT_PORT, init_hub

# Office managers and IT administrators both hold it: the people who administer the practice.
ADMINISTER = Permission.MANAGE_USERS


def _data_dir(parser: Any) -> None:
    # Also accepted after the subcommand; SUPPRESS keeps a --data-dir given before it.
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help="the hub's folder")


def register(sub: Any) -> None:
    hub = sub.add_parser("hub", help="the practice hub: one set of accounts for every PC")
    actions = hub.add_subparsers(dest="hub_command", metavar="ACTION", required=True)

    p = actions.add_parser("init", help="make this folder the practice hub (CA, keys, database)")
    _data_dir(p)
    p.add_argument("--practice-id", required=True, help="e.g. smile-dental-01")
    p.add_argument(
        "--address",
        default="",
        help="the hub's names or IP addresses on the office network, comma-separated "
        "(127.0.0.1 and localhost are always included)",
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    add_key_store_option(p)
    p.set_defaults(handler=cmd_init)

    p = actions.add_parser("invite", help="print a one-time join code for a workstation (1 hour)")
    _data_dir(p)
    p.add_argument("--name", required=True, help="the workstation's name, e.g. PC-FRONT-1")
    protect(p, cmd_invite, ADMINISTER)

    p = actions.add_parser(
        "address",
        help="the hub's new names or IP addresses (a hub restored on another machine): a new "
        "server certificate from the practice CA; restart the hub, then re-point each PC with "
        "a fresh invite and 'enamel-admin join CODE --again'",
    )
    _data_dir(p)
    p.add_argument("--address", required=True, help="comma-separated names or IP addresses")
    p.add_argument("--port", type=int, help="the port workstations reach it on, if it changes")
    protect(p, cmd_address, ADMINISTER)

    p = actions.add_parser("workstations", help="the workstations that joined, and when last seen")
    _data_dir(p)
    p.set_defaults(handler=cmd_workstations)

    p = actions.add_parser("revoke", help="remove a workstation: it gets nothing more")
    _data_dir(p)
    p.add_argument("workstation_id")
    protect(p, cmd_revoke, ADMINISTER)

    settings = actions.add_parser("settings", help="practice-wide settings")
    setting_actions = settings.add_subparsers(
        dest="settings_command", metavar="ACTION", required=True
    )
    p = setting_actions.add_parser("set", help="set one practice setting for every workstation")
    _data_dir(p)
    p.add_argument("name", help="idle_lock_minutes, timezone, offline_days, office_hours, pms.…")
    p.add_argument("value")
    protect(p, cmd_settings_set, ADMINISTER)


def _hub(ctx: CliContext) -> HubServices:
    from app.hub.setup import build_hub

    return build_hub(ctx.installation(), ctx.clock)


def cmd_init(args: argparse.Namespace, ctx: CliContext) -> int:
    if not 0 < args.port < 65536:
        raise inst.UsageError("--port is a port number from 1 to 65535.")
    addresses = [a.strip() for a in args.address.split(",") if a.strip()]
    ctx.key_store = args.key_store
    result = inst.initialise(ctx.layout, ctx.keystore(), args.practice_id, ctx.clock)
    try:
        ctx.start_logging()
        config = init_hub(result.installation, addresses, args.port, ctx.clock)
    finally:
        result.installation.close()
    print(f"Created the practice hub for '{args.practice_id}' in {ctx.layout.root}")
    print(f"Address:          {config.url()}")
    print(f"CA fingerprint:   {config.ca_fingerprint}")
    print(f"Key storage:      {ctx.keystore().describe()}")
    print()
    print("RECOVERY PASSPHRASE (shown once; write it down and keep it locked away):")
    print()
    print(f"    {result.passphrase}")
    print()
    print(
        "Start it with 'enamel-hub serve --data-dir DIR'; invite each PC with 'enamel-admin hub invite'."
    )
    return 0


def cmd_invite(args: argparse.Namespace, ctx: CliContext) -> int:
    actor = ctx.admin_actor()
    code = _hub(ctx).registry.invite(actor, args.name)
    print(f"Join code for {args.name} (one use, valid for one hour):")
    print()
    print(f"    {code}")
    print()
    print("At that PC: enamel-admin join CODE (or 'Join this practice' in the first-run set-up).")
    return 0


def cmd_address(args: argparse.Namespace, ctx: CliContext) -> int:
    from services.audit import AuditEvent
    from services.hub.state import change_addresses

    actor = ctx.admin_actor()
    addresses = [a.strip() for a in args.address.split(",") if a.strip()]
    if not addresses:
        raise inst.UsageError("Give at least one address (--address NAME[,IP...]).")
    if args.port is not None and not 0 < args.port < 65536:
        raise inst.UsageError("--port is a port number from 1 to 65535.")
    hub = _hub(ctx)
    config = change_addresses(ctx.installation(), addresses, args.port, ctx.clock)
    hub.trail.append(
        AuditEvent(action="hub_address_changed", actor=actor, resource_type="hub_config")
    )
    print(
        f"The hub's certificate now names {', '.join(addresses)}; invitations carry {config.url()}."
    )
    print(
        "Restart the hub, then at each PC: 'enamel-admin join CODE --again' with a fresh invite "
        "made under the name 'hub workstations' lists it by."
    )
    return 0


def cmd_workstations(args: argparse.Namespace, ctx: CliContext) -> int:
    rows = _hub(ctx).registry.workstations()
    if not rows:
        print("No workstation has joined yet ('enamel-admin hub invite --name PC-FRONT-1').")
        return 0
    print(f"{'WORKSTATION':<40} {'NAME':<20} {'JOINED':<17} {'LAST SEEN':<17} STATE")
    for row in rows:
        seen = f"{row.last_seen_at:%Y-%m-%d %H:%M}" if row.last_seen_at else "never"
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        print(
            f"{row.workstation_id:<40} {row.name:<20} {row.joined_at:%Y-%m-%d %H:%M} "
            f"{seen:<17} {state}"
        )
    from app.cli.practice_verify import print_chains

    print_chains(ctx)
    return 0


def cmd_revoke(args: argparse.Namespace, ctx: CliContext) -> int:
    actor = ctx.admin_actor()
    hub = _hub(ctx)
    row = hub.repo.workstation(args.workstation_id)
    if row is None:
        raise inst.UsageError(f"No workstation '{args.workstation_id}' joined this hub.")
    if not hub.registry.revoke(actor, args.workstation_id):
        print(f"{args.workstation_id} was revoked already.")
        return 0
    print(f"Revoked {args.workstation_id} ({row.name}): the hub refuses it from now on.")
    return 0


def cmd_settings_set(args: argparse.Namespace, ctx: CliContext) -> int:
    actor = ctx.admin_actor()
    from services.hub.errors import HubError

    try:
        version = _hub(ctx).settings.set(actor, args.name, args.value)
    except HubError as exc:
        raise inst.UsageError(exc.message) from exc
    print(f"Practice setting {args.name} set (settings version {version}).")
    return 0
