"""Incremental archive verification: start after the last sound batch; the whole archive when due.

The remembered batch lives in the local database (`archive_verified`). Someone holding the
database key could move it forward to hide a changed old object from the incremental
checks, which is why the whole archive is verified again on a schedule (weekly by default)
and on demand (`enamel-admin archive verify --full`), and why a verification that finds a
problem forgets the remembered batch: until the archive is sound, every check is a full one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from errors import EnamelError
from services.archive.backends import ArchiveBackend
from services.archive.verify import ArchiveReport, SoundBatch, verify_archive
from services.audit import AuditTrail
from storage.archive_repo import ArchiveRepository


class ArchiveVerificationFailed(EnamelError):
    """The scheduled verification found problems (named by object and seq, never PHI)."""

    exit_code = 1


def verify_and_remember(
    backend: ArchiveBackend,
    trail: AuditTrail,
    repo: ArchiveRepository,
    archive_keys: dict[str, bytes],
    now: datetime,
    *,
    full: bool = False,
) -> ArchiveReport:
    """Verify from the last sound batch (or from the first, if `full` or none is known)."""
    known = None if full else repo.verified()
    start = (
        None
        if known is None
        else SoundBatch(known.name, known.last_seq, known.batch_hash, known.last_entry_hash)
    )
    report = verify_archive(
        backend,
        trail.practice_id,
        trail.workstation_id,
        archive_keys,
        trail.repository,
        repo.batches_after(start.last_seq if start else 0),
        start=start,
    )
    if not report.ok:
        repo.forget_verified()
    elif report.last_batch is not None:
        last = report.last_batch
        repo.note_verified(
            last.name, last.last_seq, last.batch_hash, last.last_entry_hash, now, full=report.full
        )
    return report


def full_verification_due(repo: ArchiveRepository, now: datetime, every: timedelta) -> bool:
    known = repo.verified()
    return known is None or known.full_verified_at is None or now - known.full_verified_at >= every


def scheduled_verification(
    backend: ArchiveBackend,
    trail: AuditTrail,
    repo: ArchiveRepository,
    archive_keys: dict[str, bytes],
    now: datetime,
    full_every: timedelta,
) -> str:
    """One round of the verification job: new objects only, or everything when due.

    Returns a short summary; raises ArchiveVerificationFailed when anything is wrong.
    """
    full = full_verification_due(repo, now, full_every)
    report = verify_and_remember(backend, trail, repo, archive_keys, now, full=full)
    if not report.ok:
        raise ArchiveVerificationFailed(
            f"The archive check found {len(report.problems)} problems. Run 'enamel-admin "
            "archive verify --full' for the list and call your compliance officer."
        )
    kind = "all" if report.full else "new"
    return f"{kind} batches verified ({report.batches}), up to seq {report.last_seq}"
