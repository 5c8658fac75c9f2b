"""The last known state of each background job, for `enamel-admin status` in another process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database


@dataclass(frozen=True)
class JobRow:
    name: str
    label: str
    state: str
    last_success: datetime | None
    failing_since: datetime | None
    failures: int
    message: str
    next_run: datetime | None
    updated_at: datetime


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


class JobsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, row: JobRow) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO job_state(name, label, state, last_success, failing_since, failures, "
                "message, next_run, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET label = excluded.label, state = excluded.state, "
                "last_success = excluded.last_success, failing_since = excluded.failing_since, "
                "failures = excluded.failures, message = excluded.message, "
                "next_run = excluded.next_run, updated_at = excluded.updated_at",
                (
                    row.name,
                    row.label,
                    row.state,
                    _iso(row.last_success),
                    _iso(row.failing_since),
                    row.failures,
                    row.message,
                    _iso(row.next_run),
                    row.updated_at.isoformat(),
                ),
            )

    def all(self) -> list[JobRow]:
        rows = self._db.connection().execute(
            "SELECT name, label, state, last_success, failing_since, failures, message, "
            "next_run, updated_at FROM job_state ORDER BY name"
        )
        return [
            JobRow(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                _dt(r[3]),
                _dt(r[4]),
                int(r[5]),
                str(r[6]),
                _dt(r[7]),
                datetime.fromisoformat(str(r[8])),
            )
            for r in rows
        ]
