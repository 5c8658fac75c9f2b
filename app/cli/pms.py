"""enamel-admin pms set | check."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.admin_auth import protect
from app.cli.context import CliContext
from app.pms_setup import pms_client
from services.access import Permission
from services.audit import AuditEvent
from services.installation import UsageError
from services.pms.http import check_endpoint
from services.pms.opendental import Mode, base_url_for, reject_unknown_mode
from services.pms.records import PmsError, PmsRejected
from services.pms.settings import (
    CUSTOMER_KEY,
    DEVELOPER_KEY,
    PmsSettings,
    read_keys,
    write_keys,
)
from services.pms.switch import (
    drop_pending_writes,
    forget_kept_copies,
    pending_writes,
    target_changed,
)


def register(sub: Any) -> None:
    pms = sub.add_parser("pms", help="the practice-management system connection")
    actions = pms.add_subparsers(dest="pms_command", metavar="ACTION", required=True)
    p = actions.add_parser("set", help="where Open Dental is and its keys")
    p.add_argument(
        "--mode",
        required=True,
        choices=[m.value for m in Mode],
        help="remote (cloud), service (office server), local (this PC) or url",
    )
    p.add_argument("--host", default="", help="the Open Dental server for --mode service")
    p.add_argument("--url", default="", help="the full API base URL for --mode url")
    p.add_argument(
        "--allow-http-host",
        action="append",
        default=[],
        help="a host on the office network that may be reached over plain http",
    )
    p.add_argument(
        "--page-size",
        type=int,
        default=0,
        help="items a page (default: 100 for remote, 1000 for service/local/url)",
    )
    p.add_argument(
        "--clinic",
        type=int,
        default=0,
        help="the ClinicNum this office books and lists, where the practice uses clinics "
        "(Open Dental's Clinics; default 0: it does not)",
    )
    p.add_argument(
        "--same-database",
        action="store_true",
        help="the same Open Dental database at a new address: keep what this PC read from it "
        "and send it the changes still waiting",
    )
    p.add_argument(
        "--drop-pending-writes",
        action="store_true",
        help="another Open Dental: give up the changes still waiting for the old one (kept "
        "here as a record, marked not sent)",
    )
    p.add_argument(
        "--keys-stdin",
        action="store_true",
        help="read the developer key and the customer key, one per line, from standard input "
        "(after any --auth-stdin lines)",
    )
    protect(p, cmd_set, Permission.MANAGE_SETTINGS)
    q = actions.add_parser("check", help="connectivity, keys, version and clock difference")
    q.set_defaults(handler=cmd_check)


def cmd_set(args: argparse.Namespace, ctx: CliContext) -> int:
    mode = reject_unknown_mode(args.mode)
    if mode is Mode.URL and not args.url:
        raise UsageError("--mode url needs --url https://…/api/v1")
    base = args.url if mode is Mode.URL else base_url_for(mode, args.host)
    allowed = frozenset(h.strip() for h in args.allow_http_host if h.strip())
    check_endpoint(base, allowed)
    if not 0 <= args.page_size <= 1000:
        raise UsageError("--page-size must be between 1 and 1000 (Open Dental's largest page).")
    services = ctx.services()
    inst, now = services.installation, ctx.clock.now()
    if args.clinic < 0:
        raise UsageError("--clinic is a ClinicNum (0: the practice does not use clinics).")
    if args.same_database and args.drop_pending_writes:
        raise UsageError("Give --same-database or --drop-pending-writes, not both.")
    keys: tuple[str, str] | None = None
    if args.keys_stdin:
        developer, customer = sys.stdin.readline().strip(), sys.stdin.readline().strip()
        if not developer or not customer:
            raise UsageError(
                "Give the developer key and the customer key on two lines of standard input."
            )
        keys = developer, customer
    new = PmsSettings(mode, base, args.host, allowed, args.page_size, args.clinic)
    old_keys = read_keys(inst.secrets)
    moved = not args.same_database and target_changed(
        PmsSettings.read(inst.settings),
        new,
        old_keys[1] if old_keys else None,
        keys[1] if keys else None,
    )
    waiting = pending_writes(inst.db) if moved else 0
    if waiting and not args.drop_pending_writes:
        raise UsageError(
            f"{waiting} change(s) made on this PC are still waiting to be sent to the Open Dental "
            "it used until now. Sent to another Open Dental they could change the wrong "
            "patients' records, so nothing was changed. If it is the same Open Dental database "
            "at a new address, run this again with --same-database; to give those changes up, "
            "with --drop-pending-writes (and enter them again in Open Dental)."
        )
    new.write(inst.settings, now)
    if keys is not None:
        write_keys(inst.secrets, *keys, now)
    if moved:
        dropped = drop_pending_writes(inst.db, now)
        forget_kept_copies(inst.db, ctx.clock)
        services.trail.append(
            AuditEvent(
                action="configuration_change",
                actor=ctx.admin_actor(),
                resource_type="pms",
                fields=("kept_copies_forgotten",)
                + (("pending_writes_dropped",) if dropped else ()),
            )
        )
        print(
            "This PC now uses another Open Dental: the patient list, insurance lists and "
            "schedules kept from the old one were removed and are read again on first use."
            + (f" {dropped} change(s) waiting for the old one were not sent." if dropped else "")
        )
    services.trail.append(
        AuditEvent(action="configuration_change", actor=ctx.admin_actor(), resource_type="pms")
    )
    print(f"PMS set to {base}. Run 'enamel-admin pms check'.")
    return 0


def cmd_check(args: argparse.Namespace, ctx: CliContext) -> int:
    services = ctx.services()
    client = pms_client(services.installation)
    try:
        print(f"Address:      {services.installation.settings.get('pms.base_url')}")
        providers = client.providers()
        print(f"Keys:         accepted ({len(providers)} providers visible)")
        try:
            version, server_time = client.server_info()
            skew = (server_time - ctx.clock.now().astimezone().replace(tzinfo=None)).total_seconds()
            print(f"Version:      Open Dental {version}")
            print(
                f"Clock:        the server is {abs(skew):.0f} s {'ahead' if skew > 0 else 'behind'}"
            )
            if abs(skew) > 300:
                print(
                    "WARNING: more than 5 minutes apart; fix the clocks (TOTP and audit times depend on them)."
                )
                return 1
        except PmsRejected:
            print("Version:      not reported by this server")
        for info in services.installation.secrets.info():
            if info.name in (DEVELOPER_KEY, CUSTOMER_KEY):
                age = (ctx.clock.now() - info.created_at).days
                note = "  (rotate: older than 90 days)" if age > 90 else ""
                print(f"Key age:      {info.name} {age} days{note}")
    except PmsError as exc:
        print(f"FAILED: {exc.message}")
        return 1
    finally:
        client.close()
    print("PMS OK.")
    return 0
