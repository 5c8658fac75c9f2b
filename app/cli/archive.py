"""enamel-admin archive set | check | sync | status | verify."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.archive_setup import archive_backend, archive_keys, archive_sync
from app.cli.admin_auth import protect
from app.cli.context import CliContext
from services.access import Permission
from services.archive.checkpoint import verify_and_remember
from services.archive.settings import ArchiveSettings, ca_file_problem, proxy_problem, write_s3_keys
from services.archive.sync import (
    BATCH_SIZE_SETTING,
    DEFAULT_BATCH_SIZE,
    DEFAULT_LOCAL_WINDOW_DAYS,
    LOCAL_WINDOW_SETTING,
    MAX_BATCH_SIZE,
)
from services.audit import AuditEvent
from services.installation import UsageError
from storage.archive_repo import ArchiveRepository


def register(sub: Any) -> None:
    archive = sub.add_parser("archive", help="the write-once audit archive")
    actions = archive.add_subparsers(dest="archive_command", metavar="ACTION", required=True)
    p = actions.add_parser("set", help="choose the archive: a folder, or S3 with Object Lock")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    f = kinds.add_parser("folder", help="a local or network folder")
    f.add_argument("path")
    _tuning(f)
    protect(f, cmd_set, Permission.MANAGE_SETTINGS)
    _refused_when_joined(f)
    s = kinds.add_parser("s3", help="S3-compatible storage with Object Lock")
    s.add_argument("--endpoint", required=True, help="https://… (http only to this computer)")
    s.add_argument("--bucket", required=True)
    s.add_argument("--region", default="us-east-1")
    s.add_argument("--ca-file", default="", help="extra CA bundle for a private endpoint")
    s.add_argument(
        "--proxy",
        default="",
        help="the practice's web proxy, http://host:port, where the office reaches the internet "
        "only through one (the archive's TLS 1.3 runs inside the tunnel)",
    )
    s.add_argument(
        "--keys-stdin",
        action="store_true",
        required=True,
        help="read the access key id and the secret key, one per line, from standard input "
        "(after any --auth-stdin lines)",
    )
    _tuning(s)
    protect(s, cmd_set, Permission.MANAGE_SETTINGS)
    _refused_when_joined(s)
    for name, fn, helptext in (
        ("check", cmd_check, "is the archive reachable and write-once?"),
        ("sync", cmd_sync, "send every unsent audit entry now"),
        ("status", cmd_status, "last success and backlog"),
        ("verify", cmd_verify, "download and check every batch against the local trail"),
    ):
        q = actions.add_parser(name, help=helptext)
        q.set_defaults(handler=fn)
        if name == "verify":
            q.add_argument(
                "--full",
                action="store_true",
                help="check every batch again (by default only those after the last check)",
            )


def _refused_when_joined(parser: Any) -> None:
    """On a PC that joined the practice hub, `archive set` is refused before anyone signs in:
    the hub holds the archive credentials and archives for every PC of the practice."""
    guarded = parser.get_default("handler")

    def refuse_if_joined(args: argparse.Namespace, ctx: CliContext) -> int:
        from services.hub.membership import hub_file

        if hub_file(ctx.layout).exists():
            raise UsageError(
                "This PC has joined the practice hub, and the hub archives the audit trail for "
                "the whole practice: a workstation holds no archive credentials. Set the archive "
                "at the hub: enamel-admin --data-dir HUB-FOLDER archive set folder|s3 ... "
                "Nothing was changed."
            )
        result: int = guarded(args, ctx)
        return result

    parser.set_defaults(handler=refuse_if_joined)


def _tuning(parser: Any) -> None:
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"entries per archive object (1-{MAX_BATCH_SIZE:,}; default {DEFAULT_BATCH_SIZE:,})",
    )
    parser.add_argument(
        "--local-window-days",
        type=int,
        default=None,
        help="keep archived entries on this computer this many days before pruning "
        f"(default {DEFAULT_LOCAL_WINDOW_DAYS})",
    )


def cmd_set(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.batch_size is not None and not 1 <= args.batch_size <= MAX_BATCH_SIZE:
        raise UsageError(f"--batch-size must be between 1 and {MAX_BATCH_SIZE}.")
    if args.local_window_days is not None and not 1 <= args.local_window_days <= 36500:
        raise UsageError("--local-window-days must be between 1 and 36500.")
    services = ctx.services()
    inst, now = services.installation, ctx.clock.now()
    if args.batch_size is not None:
        inst.settings.set(BATCH_SIZE_SETTING, str(args.batch_size), now)
    if args.local_window_days is not None:
        inst.settings.set(LOCAL_WINDOW_SETTING, str(args.local_window_days), now)
    if args.kind == "folder":
        ArchiveSettings.folder(args.path).write(inst.settings, now)
    else:
        problem = proxy_problem(args.proxy) or ca_file_problem(args.ca_file or "")
        if problem is not None:
            raise UsageError(f"{problem} Nothing was changed.")
        access = sys.stdin.readline().strip()
        secret = sys.stdin.readline().strip()
        if not access or not secret:
            raise UsageError(
                "Give the access key id and the secret key on two lines of standard input."
            )
        config = ArchiveSettings.s3(
            args.endpoint, args.bucket, args.region, args.ca_file or "", args.proxy
        )
        config.write(inst.settings, now)
        write_s3_keys(inst.secrets, access, secret, now)
    services.trail.append(
        AuditEvent(action="configuration_change", actor=ctx.admin_actor(), resource_type="archive")
    )
    print(
        f"Archive set to {archive_backend(services).describe()}. Run 'enamel-admin archive check'."
    )
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    print(f"OK: {archive_backend(ctx.services()).check()}")
    return 0


def cmd_sync(args: argparse.Namespace, ctx: CliContext) -> int:
    sync = archive_sync(ctx.services())
    result = sync.sync_once()  # checks Object Lock first and refuses a bucket without it
    status = sync.status()
    print(
        f"Sent {result.entries} entries in {result.batches} batches; archived up to seq {status.confirmed_seq}; "
        f"{status.backlog} waiting."
    )
    return 0


def cmd_status(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services()
    sync = archive_sync(services)
    s = sync.status()
    print(f"Archive:       {sync.backend.describe()}")
    print(f"Archived up to seq {s.confirmed_seq}; {s.backlog} entries waiting")
    print(
        f"Last success:  {s.last_success:%Y-%m-%d %H:%M:%S}"
        if s.last_success
        else "Last success:  never"
    )
    if s.last_failure and s.last_error:
        print(f"Last failure:  {s.last_failure:%Y-%m-%d %H:%M:%S} ({s.last_error})")
    print(f"Batch size:    {sync.batch_size} entries")
    print(f"Local window:  archived entries kept here {sync.local_window_days} days")
    return 0


def cmd_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services()
    report = verify_and_remember(
        archive_backend(services),
        services.trail,
        ArchiveRepository(services.installation.db),
        archive_keys(services),
        ctx.clock.now(),
        full=getattr(args, "full", False),  # `audit verify --archive` has no --full
    )
    if report.ok:
        scope = "" if report.full else " new since the last check (--full: all of them)"
        print(
            f"Archive OK: {report.batches} batches{scope}, {report.entries} entries, chain "
            f"unbroken up to seq {report.last_seq}, and the local trail matches."
        )
        return 0
    print(
        f"Archive verification FAILED ({len(report.problems)} problems; "
        f"{report.batches} batches read, reaching seq {report.last_seq}):"
    )
    for problem in report.problems:
        print(f"  - {problem}")
    return 1
