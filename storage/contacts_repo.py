"""SQL for the patient directory: contact fields by PatNum, and where each PMS feed stands."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from storage.database import Database

_CHUNK = 500  # bound parameters per IN (...) query


class ContactRow(NamedTuple):
    pat_num: int
    name: str
    birthdate: str  # ISO date or ""
    phone: str
    email: str
    changed_at: str  # the PMS's DateTStamp for the record


class SyncState(NamedTuple):
    since: str  # the PMS's serverDateTime of the last complete pull
    synced_at: datetime  # when that pull finished, by this PC's clock


class ContactsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def contacts(self, pat_nums: Iterable[int]) -> dict[int, ContactRow]:
        wanted = sorted(set(pat_nums))
        found: dict[int, ContactRow] = {}
        conn = self._db.connection()
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(
                "SELECT pat_num, name, birthdate, phone, email, changed_at FROM patient_contacts "
                f"WHERE pat_num IN ({marks})",  # placeholders only
                chunk,
            )
            for row in rows:
                found[int(row[0])] = ContactRow(int(row[0]), *(str(v) for v in row[1:]))
        return found

    def count(self) -> int:
        row = self._db.connection().execute("SELECT count(*) FROM patient_contacts").fetchone()
        return int(row[0])

    def save(self, rows: Iterable[ContactRow]) -> int:
        batch = list(rows)
        if not batch:
            return 0
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO patient_contacts(pat_num, name, birthdate, phone, email, changed_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(pat_num) DO UPDATE SET "
                "name = excluded.name, birthdate = excluded.birthdate, phone = excluded.phone, "
                "email = excluded.email, changed_at = excluded.changed_at",
                batch,
            )
        return len(batch)

    def sync_state(self, feed: str) -> SyncState | None:
        row = (
            self._db.connection()
            .execute("SELECT since, synced_at FROM pms_sync WHERE feed = ?", (feed,))
            .fetchone()
        )
        return None if row is None else SyncState(str(row[0]), datetime.fromisoformat(str(row[1])))

    def set_sync_state(self, feed: str, since: str, synced_at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO pms_sync(feed, since, synced_at) VALUES (?, ?, ?) "
                "ON CONFLICT(feed) DO UPDATE SET since = excluded.since, "
                "synced_at = excluded.synced_at",
                (feed, since, synced_at.isoformat()),
            )

    def forget(self) -> None:
        """Empty the directory and its feed positions (the demo's practice built anew)."""
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM patient_contacts")
            conn.execute("DELETE FROM pms_sync")
