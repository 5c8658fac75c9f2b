"""enamel-admin provision FILE: set up or reconfigure an installation from a provisioning file."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path
from typing import Any

from app.cli.admin_auth import add_sign_in_options
from app.cli.context import CliContext
from services import installation as inst
from services import provisioning as prov
from services.access import Actor, Permission
from services.hub.join import HubIdentity, fetch_ca, join
from services.hub.join_new import join_checked
from services.hub.membership import hub_file
from storage.errors import DatabaseMissing


def register(sub: Any) -> None:
    p = sub.add_parser(
        "provision",
        help="apply an enamel-provision.json/.toml file (silent installs); creates the "
        "installation if there is none",
    )
    p.add_argument("file", type=Path, help="the provisioning file (JSON or TOML)")
    p.add_argument(
        "--passphrase-out",
        type=Path,
        help="write the new recovery passphrase to this new file (mode 0600) instead of printing it",
    )
    p.add_argument(
        "--delete-after",
        action="store_true",
        help="delete the provisioning file once its secrets are stored",
    )
    # Creating an installation is open (there is nothing to protect yet); changing one is not.
    add_sign_in_options(p)
    p.set_defaults(handler=cmd_provision, protected_by="manage_settings, if it exists")


def write_passphrase(path: Path, passphrase: str) -> None:
    """Exclusive create, owner-only: never overwrite another file or follow a planted symlink."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(passphrase + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _hub_for(wanted: prov.Provisioning) -> HubIdentity:
    hub = fetch_ca(wanted.join_code)  # nothing is made before the hub proved it is the practice's
    if wanted.practice_id and hub.practice_id != wanted.practice_id:
        raise prov.ProvisioningError(
            f"Provisioning file: 'practice_id' is '{wanted.practice_id}' but the hub of "
            f"'hub.join_code' belongs to '{hub.practice_id}'. Nothing was changed."
        )
    return hub


def _pc_name(wanted: prov.Provisioning) -> str:
    return wanted.pc_name or platform.node() or "workstation"


def _create(ctx: CliContext, wanted: prov.Provisioning) -> str:
    """A new installation, of the hub's practice when the file has a join code; its passphrase."""
    if not wanted.join_code:
        result = inst.initialise(ctx.layout, ctx.keystore(), wanted.practice_id, ctx.clock)
        result.installation.close()
        print(
            f"Created the Enamel installation for practice '{wanted.practice_id}' in "
            f"{ctx.layout.root}"
        )
        return result.passphrase
    hub = _hub_for(wanted)
    joined = join_checked(ctx.layout, ctx.keystore(), hub, _pc_name(wanted), ctx.clock)
    joined.installation.close()
    print(
        f"Created the Enamel installation for practice '{hub.practice_id}' in {ctx.layout.root}; "
        f"this PC ({_pc_name(wanted)}) joined the practice hub at {hub.code.url}."
    )
    return joined.passphrase


def _join_existing(ctx: CliContext, wanted: prov.Provisioning) -> None:
    if hub_file(ctx.layout).exists():
        print("Note: this PC has joined a practice hub already; the join code was not used.")
        return
    hub = _hub_for(wanted)
    join(ctx.installation(), hub, _pc_name(wanted), ctx.clock)
    print(f"This PC ({_pc_name(wanted)}) joined the practice hub at {hub.code.url}.")


def cmd_provision(args: argparse.Namespace, ctx: CliContext) -> int:
    # Everything is validated before anything is created or changed.
    file = prov.read_file(args.file)
    wanted = prov.parse(file.document)
    out: Path | None = args.passphrase_out
    if out is not None and (out.exists() or out.is_symlink()):
        raise inst.UsageError(f"{out} already exists; --passphrase-out makes a new file.")
    try:
        ctx.installation()
        created = False
    except DatabaseMissing:
        created = True
    actor: Actor
    if not created:
        actor = ctx.authenticated(Permission.MANAGE_SETTINGS)
    else:
        passphrase = _create(ctx, wanted)
        written = False
        if out is not None:
            try:
                write_passphrase(out, passphrase)
                written = True
                print(f"The recovery passphrase is in {out} (owner-only). Move it to a safe place.")
            except OSError as exc:
                # The installation exists now: losing its passphrase is worse than printing it.
                print(f"Could not write {out} ({exc.strerror or type(exc).__name__}).")
        if not written:
            print()
            print("RECOVERY PASSPHRASE (shown once; write it down and keep it locked away):")
            print()
            print(f"    {passphrase}")
            print()
        actor = ctx.cli_actor()
    if wanted.join_code and not created:
        _join_existing(ctx, wanted)
    services = ctx.services()
    installation = services.installation
    applied = prov.apply(
        wanted,
        installation.settings,
        installation.secrets,
        services.trail,
        actor,
        ctx.clock.now(),
    )
    if not created:
        print(f"Applied to the installation of '{installation.practice_id}' in {ctx.layout.root}")
        if out is not None:
            print("(No new passphrase: the installation already existed.)")
    for name in applied.changed:
        print(f"  set      {name}")
    for name in applied.unchanged:
        print(f"  same     {name}")
    for name in applied.secrets_stored:
        print(f"  stored   {name} (encrypted)")
    for note in applied.notes:
        print(f"Note: {note}")
    scrubbed = prov.scrub(file)
    if args.delete_after:
        args.file.unlink()
        print(f"Deleted {args.file}.")
    elif scrubbed:
        print(
            f"The secrets in {args.file} were replaced by '{prov.STORED}'. Delete the file now: "
            "it still describes this practice's set-up."
        )
    else:
        print(f"{args.file} holds no secrets; delete it once every workstation is provisioned.")
    return 0
