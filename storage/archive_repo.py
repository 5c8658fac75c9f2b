"""SQL for archive sync: confirmed batches (the durable cursor), the last outcome, and how far
the archive has been verified."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from storage.audit_repo import AuditRepository
from storage.database import Database


@dataclass(frozen=True)
class VerifiedUpTo:
    """The last batch a verification found sound, and when the whole archive last was."""

    name: str
    last_seq: int
    batch_hash: str
    last_entry_hash: str
    verified_at: datetime
    full_verified_at: datetime | None


class ArchiveRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def cursor(self) -> tuple[int, str]:
        """(last confirmed seq, hash of the last confirmed batch object)."""
        row = (
            self._db.connection()
            .execute(
                "SELECT last_seq, batch_hash FROM archive_batches ORDER BY last_seq DESC LIMIT 1"
            )
            .fetchone()
        )
        return (0, "0" * 64) if row is None else (int(row[0]), str(row[1]))

    def confirm(
        self, name: str, first: int, last: int, batch_hash: str, last_entry_hash: str, at: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO archive_batches(name, first_seq, last_seq, batch_hash, last_entry_hash, confirmed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, first, last, batch_hash, last_entry_hash, at.isoformat()),
            )
            conn.execute(
                "INSERT INTO archive_state(id, last_success_at) VALUES (1, ?) "
                "ON CONFLICT(id) DO UPDATE SET last_success_at = excluded.last_success_at, last_error = NULL",
                (at.isoformat(),),
            )

    def adopt(
        self,
        rows: list[tuple[int, str, str]],
        batches: list[tuple[str, int, int, str, str]],
        at: datetime,
    ) -> None:
        """Entries taken back from the archive and their batches, confirmed, in one transaction."""
        with self._db.transaction() as conn:
            AuditRepository.insert(conn, rows)
            conn.executemany(
                "INSERT INTO archive_batches(name, first_seq, last_seq, batch_hash, last_entry_hash, confirmed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(*b, at.isoformat()) for b in batches],
            )

    def batches(self) -> list[tuple[str, int, int, str, str]]:
        rows = self._db.connection().execute(
            "SELECT name, first_seq, last_seq, batch_hash, last_entry_hash FROM archive_batches ORDER BY first_seq"
        )
        return [(str(n), int(f), int(lt), str(b), str(h)) for n, f, lt, b, h in rows]

    def batches_after(self, seq: int) -> Iterator[tuple[str, int, int, str, str]]:
        """Confirmed batches ending after `seq`, in order, streamed."""
        rows = self._db.connection().execute(
            "SELECT name, first_seq, last_seq, batch_hash, last_entry_hash FROM archive_batches "
            "WHERE last_seq > ? ORDER BY first_seq",
            (seq,),
        )
        for n, f, lt, b, h in rows:
            yield str(n), int(f), int(lt), str(b), str(h)

    def verified(self) -> VerifiedUpTo | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT name, last_seq, batch_hash, last_entry_hash, verified_at, "
                "full_verified_at FROM archive_verified WHERE id = 1"
            )
            .fetchone()
        )
        if row is None:
            return None
        return VerifiedUpTo(
            str(row[0]),
            int(row[1]),
            str(row[2]),
            str(row[3]),
            datetime.fromisoformat(row[4]),
            datetime.fromisoformat(row[5]) if row[5] else None,
        )

    def note_verified(
        self,
        name: str,
        last_seq: int,
        batch_hash: str,
        last_entry_hash: str,
        at: datetime,
        *,
        full: bool,
    ) -> None:
        """A verification up to batch `name` found nothing wrong (`full`: from the start)."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO archive_verified(id, name, last_seq, batch_hash, last_entry_hash, "
                "verified_at, full_verified_at) VALUES (1, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                "last_seq = excluded.last_seq, batch_hash = excluded.batch_hash, "
                "last_entry_hash = excluded.last_entry_hash, verified_at = excluded.verified_at, "
                "full_verified_at = coalesce(excluded.full_verified_at, full_verified_at)",
                (
                    name,
                    last_seq,
                    batch_hash,
                    last_entry_hash,
                    at.isoformat(),
                    at.isoformat() if full else None,
                ),
            )

    def forget_verified(self) -> None:
        """After a failed verification: the next one starts from the first batch again."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM archive_verified")

    def note_success(self, at: datetime) -> None:
        """The archive holds everything up to the cursor as of `at`; clears the last error."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO archive_state(id, last_success_at) VALUES (1, ?) "
                "ON CONFLICT(id) DO UPDATE SET last_success_at = excluded.last_success_at, last_error = NULL",
                (at.isoformat(),),
            )

    def head_seq(self) -> int:
        """The newest local audit seq (or the prune anchor's): the backlog is head - cursor."""
        conn = self._db.connection()
        row = conn.execute("SELECT max(seq) FROM audit_log").fetchone()
        if row is not None and row[0] is not None:
            return int(row[0])
        anchor = conn.execute("SELECT seq FROM audit_anchor WHERE id = 1").fetchone()
        return int(anchor[0]) if anchor else 0

    def prunable_up_to(self, confirmed_seq: int, older_than: str) -> int:
        """The last seq that is both archived (<= cursor) and older than `older_than` (ISO time),
        with every entry before it older too; 0 if none."""
        row = (
            self._db.connection()
            .execute("SELECT min(seq) FROM audit_log WHERE ts >= ?", (older_than,))
            .fetchone()
        )
        first_recent = int(row[0]) if row is not None and row[0] is not None else 2**62
        return max(0, min(confirmed_seq, first_recent - 1))

    def note_failure(self, error_class: str, at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO archive_state(id, last_failure_at, last_error) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET last_failure_at = excluded.last_failure_at, "
                "last_error = excluded.last_error",
                (at.isoformat(), error_class),
            )

    def state(self) -> tuple[datetime | None, datetime | None, str | None]:
        row = (
            self._db.connection()
            .execute(
                "SELECT last_success_at, last_failure_at, last_error FROM archive_state WHERE id = 1"
            )
            .fetchone()
        )
        if row is None:
            return None, None, None
        return (
            datetime.fromisoformat(row[0]) if row[0] else None,
            datetime.fromisoformat(row[1]) if row[1] else None,
            row[2],
        )
