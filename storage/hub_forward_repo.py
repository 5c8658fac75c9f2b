"""How far the hub has archived each stored chain, its tamper alarms, and the job's last rounds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Database
from storage.hub_batches_repo import StoredBatch


@dataclass(frozen=True)
class ArchiveCursor:
    workstation_id: str
    key_published: bool
    archived_seq: int
    archived_name: str
    archived_batch_hash: str
    archived_at: datetime | None
    alarm_name: str
    alarm_kind: str
    alarm_at: datetime | None


@dataclass(frozen=True)
class ForwardState:
    last_success: datetime | None
    last_failure: datetime | None
    last_error: str  # an error class name, never a message
    failures: int


def _dt(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


_CURSOR = (
    "workstation_id, key_published_at, archived_seq, archived_name, archived_batch_hash, "
    "archived_at, alarm_name, alarm_kind, alarm_at"
)


def _cursor(row: tuple[Any, ...]) -> ArchiveCursor:
    return ArchiveCursor(
        str(row[0]),
        row[1] is not None,
        int(row[2]),
        str(row[3]),
        str(row[4]),
        _dt(row[5]),
        str(row[6]),
        str(row[7]),
        _dt(row[8]),
    )


class HubForwardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def cursor(self, workstation_id: str) -> ArchiveCursor:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {_CURSOR} FROM hub_archive_cursors WHERE workstation_id = ?",
                (workstation_id,),
            )
            .fetchone()
        )
        if row is None:
            return ArchiveCursor(workstation_id, False, 0, "", "", None, "", "", None)
        return _cursor(row)

    def cursors(self) -> dict[str, ArchiveCursor]:
        rows = self._db.connection().execute(f"SELECT {_CURSOR} FROM hub_archive_cursors")
        return {str(r[0]): _cursor(r) for r in rows}

    def next_batch(self, workstation_id: str, first_seq: int) -> StoredBatch | None:
        """The stored batch of a chain that starts at `first_seq` (the next one to archive)."""
        row = (
            self._db.connection()
            .execute(
                "SELECT workstation_id, first_seq, last_seq, name, data, batch_hash, "
                "prev_batch_hash, last_entry_hash, created_at, received_at FROM hub_batches "
                "WHERE workstation_id = ? AND first_seq = ?",
                (workstation_id, first_seq),
            )
            .fetchone()
        )
        if row is None:
            return None
        return StoredBatch(
            str(row[0]),
            int(row[1]),
            int(row[2]),
            str(row[3]),
            bytes(row[4]),
            str(row[5]),
            str(row[6]),
            str(row[7]),
            str(row[8]),
            str(row[9]),
        )

    def archived_batches(self, workstation_id: str) -> list[tuple[str, int, int, str, str]]:
        """(name, first, last, batch_hash, last_entry_hash) of the batches archived so far, as
        the hub stores them: what the archive must hold (`verify_archive`'s `confirmed`)."""
        seq = self.cursor(workstation_id).archived_seq
        rows = self._db.connection().execute(
            "SELECT name, first_seq, last_seq, batch_hash, last_entry_hash FROM hub_batches "
            "WHERE workstation_id = ? AND last_seq <= ? ORDER BY first_seq",
            (workstation_id, seq),
        )
        return [(str(r[0]), int(r[1]), int(r[2]), str(r[3]), str(r[4])) for r in rows]

    def _ensure(self, conn: Any, workstation_id: str) -> None:
        conn.execute(
            "INSERT INTO hub_archive_cursors (workstation_id) VALUES (?) "
            "ON CONFLICT(workstation_id) DO NOTHING",
            (workstation_id,),
        )

    def key_published(self, workstation_id: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            self._ensure(conn, workstation_id)
            conn.execute(
                "UPDATE hub_archive_cursors SET key_published_at = coalesce(key_published_at, ?) "
                "WHERE workstation_id = ?",
                (now.isoformat(), workstation_id),
            )

    def advance(
        self, workstation_id: str, batch: StoredBatch, now: datetime, *, after_seq: int
    ) -> bool:
        """Move the cursor to `batch` if it still stands at `after_seq` (the batch before it);
        an alarm on an earlier name is cleared (the archive took what follows it)."""
        with self._db.transaction() as conn:
            self._ensure(conn, workstation_id)
            moved = conn.execute(
                "UPDATE hub_archive_cursors SET archived_seq = ?, archived_name = ?, "
                "archived_batch_hash = ?, archived_at = ?, alarm_name = '', alarm_kind = '', "
                "alarm_at = NULL WHERE workstation_id = ? AND archived_seq = ?",
                (
                    batch.last_seq,
                    batch.name,
                    batch.batch_hash,
                    now.isoformat(),
                    workstation_id,
                    after_seq,
                ),
            )
            return bool(moved.rowcount)

    def raise_alarm(self, workstation_id: str, name: str, kind: str, now: datetime) -> bool:
        """Record a tamper alarm; False if this very alarm was recorded already."""
        with self._db.transaction() as conn:
            self._ensure(conn, workstation_id)
            changed = conn.execute(
                "UPDATE hub_archive_cursors SET alarm_name = ?, alarm_kind = ?, alarm_at = ? "
                "WHERE workstation_id = ? AND NOT (alarm_name = ? AND alarm_kind = ?)",
                (name, kind, now.isoformat(), workstation_id, name, kind),
            )
            return bool(changed.rowcount)

    # -- the job's rounds ----------------------------------------------------------------------

    def state(self) -> ForwardState:
        row = (
            self._db.connection()
            .execute(
                "SELECT last_success_at, last_failure_at, last_error, failures "
                "FROM hub_archive_state WHERE id = 1"
            )
            .fetchone()
        )
        if row is None:
            return ForwardState(None, None, "", 0)
        return ForwardState(_dt(row[0]), _dt(row[1]), str(row[2]), int(row[3]))

    def note_success(self, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO hub_archive_state (id, last_success_at, failures) VALUES (1, ?, 0) "
                "ON CONFLICT(id) DO UPDATE SET last_success_at = excluded.last_success_at, "
                "failures = 0",
                (now.isoformat(),),
            )

    def note_failure(self, error_class: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO hub_archive_state (id, last_failure_at, last_error, failures) "
                "VALUES (1, ?, ?, 1) ON CONFLICT(id) DO UPDATE SET "
                "last_failure_at = excluded.last_failure_at, last_error = excluded.last_error, "
                "failures = failures + 1",
                (now.isoformat(), error_class),
            )
