"""`enamel-admin audit verify --practice` and the chain columns of `hub workstations`."""

from __future__ import annotations

from app.cli.context import CliContext
from services.archive.backends import ArchiveMisconfigured, ArchiveUnavailable
from services.hub.archive_status import archived_chain
from services.hub.batches import chain_status
from services.hub.practice_verify import WorkstationVerdict, verify_in_archive, verify_practice
from services.hub.state import load_hub
from services.installation import Installation
from storage.archive_repo import ArchiveRepository
from storage.audit_repo import AuditRepository
from storage.hub_batches_repo import HubBatchRepository
from storage.hub_forward_repo import HubForwardRepository
from storage.hub_repo import HubRepository


def _span(first: int | None, last: int | None) -> str:
    return "-" if first is None or last is None else f"{first}-{last}"


def cmd_verify_practice(ctx: CliContext) -> int:
    from services.archive.setup import archive_keys

    inst = ctx.installation()
    load_hub(inst)  # NotAHub unless this folder is the practice hub
    workstations = [(w.workstation_id, w.name) for w in HubRepository(inst.db).workstations()]
    keys = archive_keys(inst)
    batches = HubBatchRepository(inst.db)
    verdicts = verify_practice(batches, inst.practice_id, workstations, keys)
    if not verdicts:
        print("No workstation has joined this hub yet.")
        return 0
    own = WorkstationVerdict(inst.workstation_id, "the hub's own trail")
    unchecked = _check_archive(inst, verdicts, own, batches, keys)
    failed = 0
    for v in verdicts:
        _print_verdict(v)
        failed += not v.ok
    if own.archive_checked:
        _print_verdict(own, own=True)
    if unchecked:
        print(f"The practice archive could not be checked: {unchecked}")
    if failed or not own.ok:
        print(f"Practice audit trail BROKEN at {failed} of {len(verdicts)} workstations.")
        return 1
    if unchecked:
        return 1
    print(
        f"Practice audit trail OK: {len(verdicts)} workstations. The archive holds what the hub "
        "archived, unchanged."
    )
    return 0


def _check_archive(
    inst: Installation,
    verdicts: list[WorkstationVerdict],
    own: WorkstationVerdict,
    batches: HubBatchRepository,
    keys: dict[str, bytes],
) -> str:
    """Each chain in the hub's write-once archive; '' when done, else why it could not be."""
    from services.archive.setup import build_archive_backend

    forward = HubForwardRepository(inst.db)
    chains = {c.workstation_id: c for c in batches.chains()}
    try:
        backend = build_archive_backend(inst)
        for v in verdicts:
            chain = chains.get(v.workstation_id)
            verify_in_archive(
                v,
                backend,
                inst.practice_id,
                keys,
                head_seq=0 if chain is None else chain.last_seq,
                archived=forward.archived_batches(v.workstation_id),
                pinned_key=None if chain is None else chain.public_key,
            )
        own_archive = ArchiveRepository(inst.db)
        verify_in_archive(
            own,
            backend,
            inst.practice_id,
            keys,
            head_seq=own_archive.head_seq(),
            archived=own_archive.batches(),
            local=AuditRepository(inst.db),
        )
    except (ArchiveUnavailable, ArchiveMisconfigured) as exc:
        return f"{exc.message} ({type(exc).__name__})"
    return ""


def _print_verdict(v: WorkstationVerdict, *, own: bool = False) -> None:
    state = "OK" if v.ok else "FAILED"
    if own:
        print(
            f"{state:<6} {v.workstation_id} ({v.name}): head seq {v.head_seq}, {_archived(v, own)}"
        )
    else:
        last = (
            f"{v.last_batch.rsplit('/', 1)[1]} received {v.last_batch_at:%Y-%m-%d %H:%M}"
            if v.last_batch and v.last_batch_at
            else "none"
        )
        print(
            f"{state:<6} {v.workstation_id} ({v.name}): {v.entries} entries in {v.batches} "
            f"batches, seq {_span(v.first_seq, v.last_seq)}, gaps: "
            f"{', '.join(v.gaps) if v.gaps else 'none'}, last batch {last}"
        )
        if v.archive_checked:
            print(f"       {_archived(v)}")
    for problem in v.problems:
        print(f"       {problem}")


def _archived(v: WorkstationVerdict, own: bool = False) -> str:
    if v.archive_last_batch is None:
        return "archive: nothing archived yet"
    where = "the local head" if own else "the hub's head"
    return (
        f"archive: last batch {v.archive_last_batch.rsplit('/', 1)[1]} (seq "
        f"{v.archive_last_seq}); {where} is {v.head_against_archive()}"
    )


def print_chains(ctx: CliContext) -> None:
    """Each workstation's last batch at the hub and its backlog (what it has not sent)."""
    inst = ctx.installation()
    rows = [(w.workstation_id, w.name) for w in HubRepository(inst.db).workstations()]
    chains = chain_status(HubBatchRepository(inst.db), rows)
    if not chains:
        return
    forward = HubForwardRepository(inst.db)
    print()
    print(
        f"{'WORKSTATION':<40} {'ENTRIES':>8} {'SEQ':<15} {'LAST BATCH':<17} {'BACKLOG':>7} "
        f"{'ARCHIVED':>8} {'TO ARCHIVE':>10}"
    )
    alarms = []
    for c in chains:
        when = f"{c.last_batch_at:%Y-%m-%d %H:%M}" if c.last_batch_at else "never"
        a = archived_chain(forward.cursor(c.workstation_id), c)
        print(
            f"{c.workstation_id:<40} {c.entries:>8} {_span(c.first_seq, c.last_seq):<15} "
            f"{when:<17} {c.backlog:>7} {a.archived_seq:>8} {a.archive_backlog:>10}"
        )
        if a.tamper_alarm:
            alarms.append(f"TAMPER ALARM {c.workstation_id}: {a.tamper_alarm} ({a.tamper_kind})")
    state = forward.state()
    print()
    ok = f"{state.last_success:%Y-%m-%d %H:%M}" if state.last_success else "never"
    line = f"Practice archive: last success {ok}"
    if state.failures and state.last_failure:
        line += (
            f"; failing: {state.failures} rounds in a row, the last at "
            f"{state.last_failure:%Y-%m-%d %H:%M} ({state.last_error})"
        )
    print(line)
    for alarm in alarms:
        print(alarm)
