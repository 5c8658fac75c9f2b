"""Protected enamel-admin commands: how they are marked, and how the credentials are read.

A command that changes accounts, roles, keys or connections, or exports data, is registered
with `protect` (a person whose role has the permission, or the recovery passphrase) or
`protect_with_passphrase` (commands that need the recovery passphrase itself: backups and
key rotation). Either way the credentials are read and checked before the command reads
anything of its own or changes anything. The checking is `CliContext.authenticated`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from errors import EnamelError
from services.access import Permission

if TYPE_CHECKING:
    from app.cli.context import CliContext

Handler = Callable[[argparse.Namespace, "CliContext"], int]

RECOVERY = "recovery passphrase"  # what `protected_by` says for protect_with_passphrase


class SignInNeeded(EnamelError):
    """A protected command without credentials: a usage error, and nothing is changed."""

    exit_code = 2


class Source(StrEnum):
    TERMINAL = "terminal"  # ask, with getpass; only when standard input is a terminal
    AUTH_STDIN = "auth_stdin"  # user name, password, code: the first three lines
    RECOVERY_STDIN = "recovery_stdin"  # the recovery passphrase: the first line


@dataclass(frozen=True)
class SignInRequest:
    """How this run of enamel-admin was told to prove who runs it (from its options)."""

    command: str = ""
    source: Source = Source.TERMINAL
    passphrase_stdin: bool = False  # protect_with_passphrase: --passphrase-stdin

    @staticmethod
    def from_args(args: argparse.Namespace) -> SignInRequest:
        source = Source.TERMINAL
        if getattr(args, "recovery_passphrase_stdin", False):
            source = Source.RECOVERY_STDIN
        elif getattr(args, "auth_stdin", False):
            source = Source.AUTH_STDIN
        return SignInRequest(
            command=str(getattr(args, "command_name", "") or ""),
            source=source,
            passphrase_stdin=bool(getattr(args, "passphrase_stdin", False)),
        )


@dataclass(frozen=True)
class PersonCredentials:
    login: str
    password: str
    code: str


Credentials = PersonCredentials | str  # a person's, or the recovery passphrase


def _command_name(parser: Any) -> str:
    return str(parser.prog).removeprefix("enamel-admin").strip()


def add_sign_in_options(parser: Any) -> None:
    """The options every command that may need a person's sign-in takes."""
    parser.add_argument(
        "--auth-stdin",
        action="store_true",
        help="read your Enamel user name, password and authenticator code (or a recovery "
        "code) from the first three lines of standard input, before anything else the "
        "command reads",
    )
    parser.add_argument(
        "--recovery-passphrase-stdin",
        action="store_true",
        help="prove it with the installation's recovery passphrase instead (first set-up, "
        "before any administrator account exists, and emergencies), read from the first "
        "line of standard input",
    )
    parser.set_defaults(command_name=_command_name(parser))


def protect(parser: Any, handler: Handler, permission: Permission) -> None:
    """`handler` runs only for a person whose role has `permission`, or the recovery passphrase."""
    add_sign_in_options(parser)

    def guarded(args: argparse.Namespace, ctx: CliContext) -> int:
        ctx.authenticated(permission)
        return handler(args, ctx)

    parser.set_defaults(handler=guarded, protected_by=permission.value)


def protect_with_passphrase(parser: Any, handler: Handler) -> None:
    """`handler` needs the recovery passphrase itself; the passphrase is also the proof."""
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the recovery passphrase from the first line of standard input",
    )

    def guarded(args: argparse.Namespace, ctx: CliContext) -> int:
        ctx.verified_passphrase()
        return handler(args, ctx)

    parser.set_defaults(handler=guarded, protected_by=RECOVERY, command_name=_command_name(parser))


def _line(what: str) -> str:
    text = sys.stdin.readline()
    if not text.strip():
        raise SignInNeeded(f"No {what} was given on standard input. Nothing was changed.")
    return text.rstrip("\r\n")


def read_credentials(request: SignInRequest, offer_passphrase_first: bool) -> Credentials:
    """The person's credentials or the recovery passphrase, as the options say.

    `offer_passphrase_first`: no account may run this command yet, so at a terminal the
    recovery passphrase is what is asked for.
    """
    if request.source is Source.RECOVERY_STDIN:
        return _line("recovery passphrase").strip()
    if request.source is Source.AUTH_STDIN:
        return PersonCredentials(
            _line("user name").strip(), _line("password"), _line("authenticator code").strip()
        )
    if not sys.stdin.isatty():
        raise SignInNeeded(
            f"'enamel-admin {request.command}' needs an Enamel sign-in by a person whose role "
            "may do it (it changes accounts, roles, keys or connections, or exports data). "
            "Run it at a terminal to be asked, or give --auth-stdin (user name, password and "
            "authenticator code on the first three lines of standard input), or "
            "--recovery-passphrase-stdin (first set-up and emergencies). Nothing was changed."
        )
    print(
        f"'enamel-admin {request.command}' needs an Enamel sign-in by a person whose role "
        "may do it.",
        file=sys.stderr,
    )
    if offer_passphrase_first:
        print("No account may do this yet: type the recovery passphrase.", file=sys.stderr)
        return getpass.getpass("Recovery passphrase: ").strip()
    login = input("Enamel user name (leave empty to use the recovery passphrase): ").strip()
    if not login:
        return getpass.getpass("Recovery passphrase: ").strip()
    password = getpass.getpass("Password: ")
    code = getpass.getpass("Authenticator code: ").strip()
    return PersonCredentials(login, password, code)


def read_recovery_passphrase(request: SignInRequest) -> str:
    """For protect_with_passphrase: --passphrase-stdin, or asked at a terminal."""
    if request.passphrase_stdin:
        passphrase = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        passphrase = getpass.getpass("Recovery passphrase: ").strip()
    else:
        passphrase = ""
    if not passphrase:
        raise SignInNeeded(
            f"'enamel-admin {request.command}' needs the recovery passphrase: run it at a "
            "terminal to be asked, or give --passphrase-stdin (the passphrase on the first line "
            "of standard input). Nothing was changed."
        )
    return passphrase
