"""What the hub's status says about the archive: per chain how far it is archived, and the job.

Errors are named by class only (`ArchiveUnavailable`, `TamperAlarm`...), never by a message
that could carry a path, a bucket or anything else from the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.hub.batches import WorkstationChain
from storage.archive_repo import ArchiveRepository
from storage.hub_forward_repo import ArchiveCursor, HubForwardRepository


@dataclass(frozen=True)
class ArchivedChain:
    archived_seq: int
    archived_batch: (
        str | None
    )  # the last archived batch's seq range, e.g. 000000000001-000000000012
    archived_at: datetime | None
    archive_backlog: int  # entries the hub received that are not in the archive yet
    tamper_alarm: str | None  # the object name the alarm holds the chain at
    tamper_kind: str | None  # exists_different | hub_copy_altered


def archived_chain(cursor: ArchiveCursor, chain: WorkstationChain) -> ArchivedChain:
    received = chain.last_seq or 0
    return ArchivedChain(
        cursor.archived_seq,
        cursor.archived_name.rsplit("/", 1)[1] if cursor.archived_name else None,
        cursor.archived_at,
        max(0, received - cursor.archived_seq),
        cursor.alarm_name or None,
        cursor.alarm_kind or None,
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def archive_fields(cursor: ArchiveCursor, chain: WorkstationChain) -> dict[str, Any]:
    """The archive columns of one row of `GET /v1/status/workstations`."""
    a = archived_chain(cursor, chain)
    return {
        "archived_seq": a.archived_seq,
        "archived_batch": a.archived_batch,
        "archived_at": _iso(a.archived_at),
        "archive_backlog": a.archive_backlog,
        "tamper_alarm": a.tamper_alarm,
        "tamper_kind": a.tamper_kind,
    }


def archive_summary(cursors: HubForwardRepository, own: ArchiveRepository) -> dict[str, Any]:
    """The job's last rounds and the hub's own trail (its head and how far it is archived)."""
    state = cursors.state()
    _, _, own_error = own.state()
    confirmed, _ = own.cursor()
    return {
        "last_success": _iso(state.last_success),
        "last_failure": _iso(state.last_failure),
        "last_error": state.last_error or None,
        "failures": state.failures,
        "hub_trail": {
            "head_seq": own.head_seq(),
            "archived_seq": confirmed,
            "backlog": max(0, own.head_seq() - confirmed),
            "last_error": own_error,
        },
    }
