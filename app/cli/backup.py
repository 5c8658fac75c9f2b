"""enamel-admin backup create | verify | restore | schedule | run."""

from __future__ import annotations

import argparse
import platform
from pathlib import Path
from typing import Any

from app.cli.admin_auth import protect_with_passphrase
from app.cli.context import CliContext
from app.cli.foundation import read_passphrase
from services.backup.create import create_backup
from services.backup.file_format import SERVICE_KEYS, Wrapping, read_backup
from services.backup.restore import is_empty_folder, record_restore, restore_backup
from services.backup.schedule import enable_scheduled_backups, run_scheduled_backup
from services.backup.verify import verify_backup
from services.hub.join import fetch_ca, join
from services.hub.membership import HubMembership
from services.installation import Installation, UsageError
from storage.compliance_repo import ComplianceRepository
from storage.service_keystore import service_key_folder


def register(sub: Any) -> None:
    backup = sub.add_parser("backup", help="encrypted backups: create, verify, restore, schedule")
    backup_sub = backup.add_subparsers(dest="backup_command", metavar="ACTION", required=True)

    def with_passphrase(p: Any) -> Any:
        p.add_argument(
            "--passphrase-stdin",
            action="store_true",
            help="read the recovery passphrase from standard input",
        )
        return p

    p = backup_sub.add_parser("create", help="write an encrypted backup file")
    p.add_argument("file", help="the backup file to write (must not exist)")
    protect_with_passphrase(p, cmd_create)

    p = with_passphrase(backup_sub.add_parser("verify", help="open a backup and check it"))
    p.add_argument("file")
    p.set_defaults(handler=cmd_verify)

    p = backup_sub.add_parser(
        "restore",
        help="replace this workstation's database by a backup, or make a new PC (empty data "
        "folder) this workstation again; entries made after the backup come back from the archive",
    )
    p.add_argument("file")
    p.add_argument(
        "--force", action="store_true", help="replace even a database newer than the backup"
    )
    p.add_argument(
        "--join",
        metavar="CODE",
        default="",
        help="a joined PC: enrol it with the practice hub again with this invite code (made "
        "under the name 'hub workstations' lists it by) before its entries come back from the "
        "hub; same workstation id and chain, a new certificate",
    )
    p.add_argument(
        "--key-store",
        choices=("service", "keyring"),
        default="",
        help="where the restored database key goes on an empty folder (default: a practice "
        "hub's backup goes to a service key file, a workstation's to the credential store)",
    )
    protect_with_passphrase(p, cmd_restore)
    # On a new PC there is no recovery file to check the passphrase against: the backup it
    # must open is the proof (services.backup.restore.restore_on_new_pc).
    p.set_defaults(handler=cmd_restore_guarded)

    p = backup_sub.add_parser("schedule", help="daily backups from the app")
    p.add_argument("--folder", required=True, help="where the daily backups go (a NAS share)")
    p.add_argument("--keep", type=int, default=14, help="how many to keep (default 14)")
    protect_with_passphrase(p, cmd_schedule)

    p = backup_sub.add_parser("run", help="make the scheduled backup now, if one is due")
    p.set_defaults(handler=cmd_run)


def _passphrase(args: argparse.Namespace) -> str:
    passphrase = read_passphrase(args.passphrase_stdin)
    if not passphrase:
        raise UsageError("No passphrase was given. Nothing was changed.")
    return passphrase


def cmd_create(args: argparse.Namespace, ctx: CliContext) -> int:
    out = Path(args.file)
    passphrase = ctx.verified_passphrase()
    services = ctx.services()
    inst = services.installation
    wrapping = Wrapping.from_passphrase(passphrase)
    info = create_backup(inst, out, wrapping, ctx.clock, services.trail, ctx.admin_actor())
    report = verify_backup(out, passphrase, record=ComplianceRepository(inst.db), clock=ctx.clock)
    print(
        f"Backup {info.backup_id} written to {out} ({info.size // 1024} KiB, audit entries up to "
        f"{info.last_seq}); verified: {'OK' if report.ok else 'PROBLEMS'}."
    )
    print("Open it with this installation's recovery passphrase. Keep it off this computer.")
    return 0 if report.ok else 1


def cmd_verify(args: argparse.Namespace, ctx: CliContext) -> int:
    path = Path(args.file)
    passphrase = _passphrase(args)
    record = clock = None
    try:
        record, clock = ComplianceRepository(ctx.installation().db), ctx.clock
    except Exception:  # verifying on another PC, or with the database gone, is fine
        record = None
    report = verify_backup(path, passphrase, record=record, clock=clock)
    print(
        f"{report.name}: backup {report.backup_id} of {report.practice_id}/"
        f"{report.workstation_id}, made {report.created_at:%Y-%m-%d %H:%M} UTC."
    )
    print(f"  {report.entries} audit entries (seq up to {report.last_seq}); tables:")
    for table, count in report.tables.items():
        print(f"    {table}: {count}")
    if report.ok:
        print("Backup OK: integrity check passed and the audit chain verifies.")
        return 0
    for problem in report.problems:
        print(f"  PROBLEM: {problem}")
    return 1


def cmd_restore_guarded(args: argparse.Namespace, ctx: CliContext) -> int:
    if is_empty_folder(ctx.layout):
        ctx.unchecked_passphrase()  # proven by the backup it opens, before anything is written
    else:
        ctx.verified_passphrase()  # this installation's, so the backup's too
    return cmd_restore(args, ctx)


def cmd_restore(args: argparse.Namespace, ctx: CliContext) -> int:
    path = Path(args.file)
    passphrase = ctx.verified_passphrase()
    ctx.start_logging()
    empty = is_empty_folder(ctx.layout)
    if empty and not ctx.key_store:
        wants_service = bool(read_backup(path).header.get(SERVICE_KEYS))
        ctx.key_store = args.key_store or ("service" if wants_service else "keyring")
    rejoin = None
    if args.join:
        hub = fetch_ca(args.join)  # the hub proved it is the practice's before anything changes

        def rejoin(inst: Installation) -> object:
            return join(inst, hub, platform.node() or "workstation", ctx.clock)

    keys = service_key_folder(ctx.layout.root)
    had_keys = keys.is_dir()
    try:
        result = restore_backup(
            ctx.layout, ctx.keystore(), path, passphrase, ctx.clock, force=args.force,
            rejoin=rejoin,
        )  # fmt: skip
    except BaseException:
        if empty and not had_keys and keys.is_dir() and not any(keys.iterdir()):
            keys.rmdir()  # nothing left behind
        raise
    services = ctx.services()
    record_restore(services.trail, ctx.admin_actor(), result, forced=args.force)
    taken = result.taken_back
    membership = HubMembership.load(ctx.layout)
    source = "the archive" if membership is None else "the practice hub"
    print(
        f"Restored backup {result.backup_id} (audit entries up to {result.last_seq}); the "
        "restore is recorded in the audit trail."
    )
    if taken.batches:
        print(
            f"Taken back from {source}: {taken.entries} entries made after the backup "
            f"({taken.batches} batches, checked); the trail continues from seq {taken.head_seq}."
        )
    if result.new_pc:
        inst = services.installation
        print(
            f"This computer is now workstation {inst.workstation_id} of {inst.practice_id}: a "
            "new database key is in its credential store, and the recovery file is written "
            "under the same recovery passphrase."
        )
    if membership is not None:
        print(
            f"It is joined to the practice hub at {membership.url}"
            + (" (enrolled again with the code given)." if args.join else ".")
        )
    if result.replaced is not None:
        print(f"The database that was here is kept as {result.replaced.name} (encrypted).")
    return 0


def cmd_schedule(args: argparse.Namespace, ctx: CliContext) -> int:
    passphrase = ctx.verified_passphrase()
    services = ctx.services()
    folder = Path(args.folder)
    enable_scheduled_backups(
        services.installation, passphrase, folder, args.keep, ctx.clock, ctx.admin_actor()
    )
    print(f"Daily backups go to {folder}, keeping the last {max(1, args.keep)}.")
    return 0


def cmd_run(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services()
    report = run_scheduled_backup(services.installation, ctx.clock, services.trail)
    if report is None:
        print("No backup was due (or scheduled backups are not set up: 'backup schedule').")
        return 0
    print(f"Backup {report.name}: {'OK' if report.ok else 'PROBLEMS'}.")
    return 0 if report.ok else 1
