"""enamel-admin user add | list | disable | enable | unlock | reset-mfa | set-role |
reset-password | set-provider."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.admin_auth import protect
from app.cli.context import CliContext
from services.access import Permission
from services.auth.users import UserError, parse_role

MANAGE = Permission.MANAGE_USERS


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="manage the practice's user accounts")
    actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)

    p = actions.add_parser("add", help="create an account; prints its authenticator URI once")
    p.add_argument("name", help="user name (login)")
    p.add_argument(
        "--role",
        required=True,
        help="front_desk, hygienist, dentist, office_manager, billing, compliance_officer, it_admin",
    )
    p.add_argument(
        "--display-name", default="", help="name shown in the app (default: the user name)"
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the first password from standard input (after any --auth-stdin lines)",
    )
    protect(p, cmd_add, MANAGE)

    p = actions.add_parser("list", help="users, roles and sign-in state")
    p.set_defaults(handler=cmd_list)

    for name, helptext in (
        ("disable", "stop an account signing in"),
        ("enable", "allow a disabled account again"),
        ("unlock", "clear failed attempts and a lockout"),
        ("reset-mfa", "new authenticator secret; the user enrolls again"),
    ):
        p = actions.add_parser(name, help=helptext)
        p.add_argument("name")
        p.set_defaults(action=name)
        protect(p, cmd_simple, MANAGE)

    p = actions.add_parser("set-role", help="change an account's role")
    p.add_argument("name")
    p.add_argument("role")
    protect(p, cmd_set_role, MANAGE)

    p = actions.add_parser(
        "set-provider",
        help="link an account to its Open Dental provider (ProvNum; 0 unlinks): their "
        "'My schedule' opens on it",
    )
    p.add_argument("name")
    p.add_argument("prov_num", metavar="PROVNUM")
    protect(p, cmd_set_provider, MANAGE)

    p = actions.add_parser(
        "reset-password", help="temporary password from stdin; must be changed at sign-in"
    )
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", required=True)
    protect(p, cmd_reset_password, MANAGE)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise UserError("No password was given on standard input.")
    return password


def cmd_add(args: argparse.Namespace, ctx: CliContext) -> int:
    role = parse_role(args.role)
    password = _read_password()
    created = ctx.services().users.add(
        ctx.admin_actor(), args.name, role, password, args.display_name
    )
    print(f"Created {args.name.lower()} ({role.label}).")
    print("Add this to the person's authenticator app now (shown once):")
    print(f"    {created.otpauth_uri}")
    print(
        "They confirm it with a code at their first sign-in, then replace the password you "
        "gave them with one of their own."
    )
    return 0


def cmd_list(args: argparse.Namespace, ctx: CliContext) -> int:
    users = ctx.services().users.list(ctx.cli_actor())
    if not users:
        print(
            "No users yet. Add IT's account first: 'enamel-admin user add NAME --role it_admin "
            "--password-stdin --recovery-passphrase-stdin' (the recovery passphrase on the "
            "first line of standard input, the password on the second)."
        )
        return 0
    print(
        f"{'USER':<20}{'ROLE':<22}{'STATE':<12}{'MFA':<6}{'PROVIDER':<10}{'LAST SIGN-IN':<18}"
        "PASSWORD AGE"
    )
    for u in users:
        state = "disabled" if u.disabled else "locked" if u.locked else "active"
        last = u.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if u.last_sign_in_at else "never"
        print(
            f"{u.login:<20}{u.role.label:<22}{state:<12}{'yes' if u.mfa_enrolled else 'no':<6}"
            f"{u.prov_num or '-':<10}{last:<18}{u.password_age_days} days"
        )
    return 0


def cmd_simple(args: argparse.Namespace, ctx: CliContext) -> int:
    users = ctx.services().users
    actor = ctx.admin_actor()
    if args.action == "disable":
        users.disable(actor, args.name)
        print(f"{args.name} can no longer sign in.")
    elif args.action == "enable":
        users.enable(actor, args.name)
        print(f"{args.name} can sign in again.")
    elif args.action == "unlock":
        users.unlock(actor, args.name)
        print(f"{args.name} is unlocked.")
    else:
        uri = users.reset_mfa(actor, args.name)
        print(f"{args.name} must set up the authenticator again. New URI (shown once):")
        print(f"    {uri}")
    return 0


def cmd_set_role(args: argparse.Namespace, ctx: CliContext) -> int:
    role = parse_role(args.role)
    ctx.services().users.set_role(ctx.admin_actor(), args.name, role)
    print(f"{args.name} is now {role.label}.")
    return 0


def cmd_set_provider(args: argparse.Namespace, ctx: CliContext) -> int:
    text = str(args.prov_num).strip()
    if not text.isdigit():
        raise UserError(f"'{text}' is not a provider number: give Open Dental's ProvNum, or 0.")
    number = int(text)
    ctx.services().users.set_provider(ctx.admin_actor(), args.name, number or None)
    if number:
        print(f"{args.name} is Open Dental provider {number}: 'My schedule' opens on it.")
    else:
        print(f"{args.name} is no longer linked to an Open Dental provider.")
    return 0


def cmd_reset_password(args: argparse.Namespace, ctx: CliContext) -> int:
    ctx.services().users.reset_password(ctx.admin_actor(), args.name, _read_password())
    print(f"{args.name} must choose a new password at the next sign-in.")
    return 0
