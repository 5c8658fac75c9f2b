"""SQL for the audit trail: append, read in order, anchor, prune, and the pseudonym map."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from storage.database import Database

GENESIS = (0, "0" * 64)

Row = tuple[int, str, str]


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    def head(conn: Any) -> tuple[int, str]:
        """(seq, hash) of the newest entry, the prune anchor, or the genesis."""
        row = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
        anchor = conn.execute("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetchone()
        return (int(anchor[0]), str(anchor[1])) if anchor else GENESIS

    @staticmethod
    def insert(conn: Any, rows: Iterable[Row]) -> None:
        conn.executemany("INSERT INTO audit_log(seq, body, hash) VALUES (?, ?, ?)", rows)

    @staticmethod
    def remember_pseudonyms(conn: Any, refs: Iterable[tuple[str, str, str]]) -> None:
        conn.executemany(
            "INSERT OR IGNORE INTO pseudonym_map(ref, kind, record_number) VALUES (?, ?, ?)", refs
        )

    def anchor(self) -> tuple[int, str]:
        row = (
            self._db.connection()
            .execute("SELECT seq, hash FROM audit_anchor WHERE id = 1")
            .fetchone()
        )
        return (int(row[0]), str(row[1])) if row else GENESIS

    def last_seq(self, at_most: int) -> int:
        """The newest seq still here at or below `at_most`, else the prune anchor's (0 if none)."""
        conn = self._db.connection()
        row = conn.execute("SELECT max(seq) FROM audit_log WHERE seq <= ?", (at_most,)).fetchone()
        if row is not None and row[0] is not None:
            return int(row[0])
        return self.anchor()[0]

    def rows(self, from_seq: int = 0, to_seq: int | None = None) -> Iterator[Row]:
        """Entries in seq order. The cursor streams rows, so memory stays flat on long trails."""
        last = to_seq if to_seq is not None else 2**62
        cursor: Iterator[Row] = self._db.connection().execute(
            "SELECT seq, body, hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq",
            (from_seq, last),
        )
        return cursor

    def rows_between(self, ts_from: str, ts_to: str) -> Iterator[Row]:
        cursor = self._db.connection().execute(
            "SELECT seq, body, hash FROM audit_log WHERE ts >= ? AND ts < ? ORDER BY seq",
            (ts_from, ts_to),
        )
        for seq, body, hash_ in cursor:
            yield int(seq), str(body), str(hash_)

    def rows_for_patient(self, patient_ref: str) -> list[Row]:
        cursor = self._db.connection().execute(
            "SELECT seq, body, hash FROM audit_log WHERE patient_id = ? ORDER BY seq",
            (patient_ref,),
        )
        return [(int(s), str(b), str(h)) for s, b, h in cursor]

    def find_claimed_seq(self, claimed: int) -> int | None:
        """The row that holds the entry whose body says `seq = claimed` (tamper analysis)."""
        row = (
            self._db.connection()
            .execute(
                "SELECT seq FROM audit_log WHERE json_extract(body, '$.seq') = ? LIMIT 1",
                (claimed,),
            )
            .fetchone()
        )
        return None if row is None else int(row[0])

    def count(self) -> int:
        return int(self._db.connection().execute("SELECT count(*) FROM audit_log").fetchone()[0])

    def resolve(self, ref: str) -> tuple[str, str] | None:
        row = (
            self._db.connection()
            .execute("SELECT kind, record_number FROM pseudonym_map WHERE ref = ?", (ref,))
            .fetchone()
        )
        return None if row is None else (str(row[0]), str(row[1]))

    def prune(self, up_to_seq: int) -> int:
        """Delete entries up to and including `up_to_seq`, leaving an anchor. Returns the count.

        Only the archive's pruning policy calls this, after the archive confirmed the batch.
        """
        with self._db.transaction() as conn:
            row = conn.execute("SELECT hash FROM audit_log WHERE seq = ?", (up_to_seq,)).fetchone()
            if row is None:
                return 0
            conn.execute("INSERT INTO audit_prune_permit(last_seq) VALUES (?)", (up_to_seq,))
            deleted = conn.execute("DELETE FROM audit_log WHERE seq <= ?", (up_to_seq,)).rowcount
            conn.execute("DELETE FROM audit_prune_permit")
            conn.execute(
                "INSERT INTO audit_anchor(id, seq, hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (up_to_seq, str(row[0])),
            )
            return int(deleted)
