"""`enamel-admin audit verify --practice` and the chain columns of `hub workstations`."""

from __future__ import annotations

from app.cli.context import CliContext
from services.hub.batches import chain_status
from services.hub.practice_verify import verify_practice
from services.hub.state import load_hub
from storage.hub_batches_repo import HubBatchRepository
from storage.hub_repo import HubRepository


def _span(first: int | None, last: int | None) -> str:
    return "-" if first is None or last is None else f"{first}-{last}"


def cmd_verify_practice(ctx: CliContext) -> int:
    from services.archive.setup import archive_keys

    inst = ctx.installation()
    load_hub(inst)  # NotAHub unless this folder is the practice hub
    workstations = [(w.workstation_id, w.name) for w in HubRepository(inst.db).workstations()]
    verdicts = verify_practice(
        HubBatchRepository(inst.db), inst.practice_id, workstations, archive_keys(inst)
    )
    if not verdicts:
        print("No workstation has joined this hub yet.")
        return 0
    failed = 0
    for v in verdicts:
        state = "OK" if v.ok else "FAILED"
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
        for problem in v.problems:
            print(f"       {problem}")
        failed += not v.ok
    if failed:
        print(f"Practice audit trail BROKEN at {failed} of {len(verdicts)} workstations.")
        return 1
    print(f"Practice audit trail OK: {len(verdicts)} workstations.")
    return 0


def print_chains(ctx: CliContext) -> None:
    """Each workstation's last batch at the hub and its backlog (what it has not sent)."""
    inst = ctx.installation()
    rows = [(w.workstation_id, w.name) for w in HubRepository(inst.db).workstations()]
    chains = chain_status(HubBatchRepository(inst.db), rows)
    if not chains:
        return
    print()
    print(f"{'WORKSTATION':<40} {'ENTRIES':>8} {'SEQ':<15} {'LAST BATCH':<17} BACKLOG")
    for c in chains:
        when = f"{c.last_batch_at:%Y-%m-%d %H:%M}" if c.last_batch_at else "never"
        print(
            f"{c.workstation_id:<40} {c.entries:>8} {_span(c.first_seq, c.last_seq):<15} "
            f"{when:<17} {c.backlog}"
        )
