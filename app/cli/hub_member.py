"""enamel-admin join CODE, hub adopt and hub check: the workstation's side of the practice hub."""

from __future__ import annotations

import argparse
import platform
from typing import Any

from app.cli.admin_auth import add_sign_in_options
from app.cli.context import CliContext
from services.access import Permission
from services.hub.join import JoinFailed, fetch_ca, join
from services.hub.join_new import join_checked
from services.hub.membership import HubMembership, hub_file

KEYS = Permission.MANAGE_SETTINGS


def register(sub: Any) -> None:
    """`join`, and `adopt` and `check` under the `hub` command (registered before this)."""
    hub = sub.choices.get("hub")
    if hub is not None:
        for action in hub._actions:
            if isinstance(action, argparse._SubParsersAction):
                register_hub_actions(action)
    p = sub.add_parser(
        "join",
        help="join this PC to the practice hub with a code from 'enamel-admin hub invite' "
        "(an empty data folder becomes a new installation of the hub's practice)",
    )
    p.add_argument("code", help="the join code (EJ1-...)")
    p.add_argument("--name", default="", help="this PC's name at the hub (default: its host name)")
    p.add_argument(
        "--again",
        action="store_true",
        help="enrol a PC that joined already once more (a restored PC, a revoked certificate, "
        "a hub at a new address): same workstation id and chain, a new certificate; make the "
        "invite under the name 'hub workstations' lists it by",
    )
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_join, protected_by=KEYS.value)


def register_hub_actions(actions: Any) -> None:
    """`hub adopt` and `hub check`, added to the `hub` command's actions."""
    p = actions.add_parser(
        "adopt",
        help="move this PC's existing accounts to the practice hub (only while it has none); "
        "from then on sign-in is the hub's",
    )
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_adopt, protected_by=Permission.MANAGE_USERS.value)
    p = actions.add_parser(
        "check",
        help="sign in at this PC (password and code) and say whether the practice hub "
        "answered or the sign-in was offline",
    )
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_check, protected_by="a person's sign-in")


def cmd_join(args: argparse.Namespace, ctx: CliContext) -> int:
    layout = ctx.layout
    fresh = not layout.identity_file.exists() and not layout.database.exists()
    if not fresh:
        if hub_file(layout).exists() and not args.again:
            raise JoinFailed(
                f"This PC has joined a practice hub already ({hub_file(layout)}). Nothing was "
                "changed. To enrol it again (same workstation, new certificate), add --again."
            )
        ctx.authenticated(KEYS)  # an existing installation: IT or the recovery passphrase
    hub = fetch_ca(args.code)  # nothing is changed before the hub proved it is the practice's
    name = args.name.strip() or platform.node() or "workstation"
    passphrase = ""
    if fresh:
        joined = join_checked(layout, ctx.keystore(), hub, name, ctx.clock)
        ctx.start_logging()
        passphrase = joined.passphrase
        joined.installation.close()
    else:
        join(ctx.installation(), hub, name, ctx.clock)
    print(f"This PC ({name}) joined the practice hub of '{hub.practice_id}' at {hub.code.url}.")
    print("Accounts, sign-in and the practice keys are the hub's from now on.")
    if passphrase:
        print()
        print("RECOVERY PASSPHRASE (shown once; write it down and keep it locked away):")
        print()
        print(f"    {passphrase}")
        print()
        print(
            "Without it, a lost credential-store entry or a new PC means the data cannot be read."
        )
    return 0


def _membership(ctx: CliContext) -> HubMembership:
    membership = HubMembership.load(ctx.layout)
    if membership is None:
        raise JoinFailed(
            "This PC has not joined a practice hub: run 'enamel-admin join CODE' first."
        )
    return membership


def cmd_adopt(args: argparse.Namespace, ctx: CliContext) -> int:
    """Proven by an account of THIS PC (the hub has none yet) or its recovery passphrase."""
    from app.bootstrap import build_services
    from services.hub.adopt_push import push_accounts
    from services.hub.membership import client_for
    from storage.accounts_repo import SqlAccountDirectory

    ctx._services = build_services(ctx.installation(), ctx.clock, use_hub=False)
    actor = ctx.authenticated(Permission.MANAGE_USERS)
    membership = _membership(ctx)
    services = ctx.services()
    assert isinstance(services.accounts, SqlAccountDirectory)
    client = client_for(services.installation, membership)
    try:
        count = push_accounts(client, services.accounts, services.trail, actor)
    finally:
        client.close()
    print(f"{count} accounts moved to the practice hub; sign-in at this PC is the hub's now.")
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    """Any person's sign-in, through the same AuthService as the app (no permission needed)."""
    from app.cli.admin_auth import PersonCredentials, SignInNeeded, read_credentials
    from services.auth.admin_signin import AdminSignIn

    services = ctx.services()
    credentials = read_credentials(ctx.sign_in, offer_passphrase_first=False)
    if not isinstance(credentials, PersonCredentials):
        raise SignInNeeded("'hub check' signs a person in: give --auth-stdin. Nothing was changed.")
    access = AdminSignIn(services.auth, services.trail, ctx.layout.recovery_file)
    actor = access.person(credentials.login, credentials.password, credentials.code)
    offline = services.hub is not None and bool(services.hub.sign_in_flags(actor.actor_id))
    where = services.installation.workstation_id
    print(f"Signed in as {credentials.login} ({actor.role.label}) at {where}.")
    print(services.hub_mode() or "Single PC: no practice hub.")
    if offline:
        print("This sign-in was offline: it is flagged in the audit trail and reported later.")
    if services.hub is not None:
        services.hub.session_ended(actor.actor_id)  # the command's session ends with it
    return 0
