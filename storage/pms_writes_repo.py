"""SQL for the PMS writes waiting for Open Dental to come back (table pms_writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database

PENDING, DONE, REFUSED = "pending", "done", "refused"


@dataclass(frozen=True)
class WriteRow:
    write_id: int
    kind: str
    record_key: str
    payload: str
    actor_id: str
    actor_role: str
    queued_at: datetime
    attempts: int


class PmsWritesRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self, kind: str, record_key: str, payload: str, actor_id: str, role: str, at: datetime
    ) -> int:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO pms_writes(kind, record_key, payload, actor_id, actor_role, "
                "queued_at) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, record_key, payload, actor_id, role, at.isoformat()),
            )
            return int(cursor.lastrowid or 0)

    def pending(self) -> list[WriteRow]:
        """Oldest first: writes land in the order they were made."""
        rows = self._db.connection().execute(
            "SELECT write_id, kind, record_key, payload, actor_id, actor_role, queued_at, "
            "attempts FROM pms_writes WHERE state = ? ORDER BY write_id",
            (PENDING,),
        )
        return [
            WriteRow(
                int(w), str(k), str(r), str(p), str(a), str(ro), datetime.fromisoformat(q), int(n)
            )
            for w, k, r, p, a, ro, q, n in rows
        ]

    def pending_keys(self, kind: str) -> set[str]:
        rows = self._db.connection().execute(
            "SELECT record_key FROM pms_writes WHERE state = ? AND kind = ?", (PENDING, kind)
        )
        return {str(r) for (r,) in rows}

    def failed_attempt(self, write_id: int, error: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE pms_writes SET attempts = attempts + 1, last_error = ? WHERE write_id = ?",
                (error, write_id),
            )

    def finish(self, write_id: int, state: str, at: datetime, error: str = "") -> None:
        """Done or refused, only from pending: a row is finished once."""
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE pms_writes SET state = ?, finished_at = ?, last_error = ?, "
                "attempts = attempts + 1 WHERE write_id = ? AND state = ?",
                (state, at.isoformat(), error, write_id, PENDING),
            )

    def state(self, write_id: int) -> str:
        row = (
            self._db.connection()
            .execute("SELECT state FROM pms_writes WHERE write_id = ?", (write_id,))
            .fetchone()
        )
        return "" if row is None else str(row[0])
