"""SQL for the desk: the cache of last good PMS reads and the practice's own worklists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import Database


class DeskRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- cache ----------------------------------------------------------------------

    def cache_put(self, purpose: str, key: str, payload: str, fetched_at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO pms_cache(purpose, cache_key, fetched_at, payload) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(purpose, cache_key) DO UPDATE SET fetched_at = excluded.fetched_at, "
                "payload = excluded.payload",
                (purpose, key, fetched_at.isoformat(), payload),
            )

    def cache_get(self, purpose: str, key: str) -> tuple[str, datetime] | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT payload, fetched_at FROM pms_cache WHERE purpose = ? AND cache_key = ?",
                (purpose, key),
            )
            .fetchone()
        )
        return None if row is None else (str(row[0]), datetime.fromisoformat(str(row[1])))

    def cache_evict(self, fetched_before: datetime) -> int:
        """Drop cached answers fetched before `fetched_before` (nobody shows a stale day)."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM pms_cache WHERE fetched_at < ?", (fetched_before.isoformat(),)
            )
            return int(cursor.rowcount)

    # -- insurance worklist ------------------------------------------------------------

    def insurance_status(self) -> dict[int, tuple[str, str]]:
        rows = self._db.connection().execute("SELECT apt_num, status, note FROM insurance_worklist")
        return {int(a): (str(s), str(n)) for a, s, n in rows}

    def set_insurance_status(
        self, apt_num: int, status: str, note: str, by: str, at: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO insurance_worklist(apt_num, status, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(apt_num) DO UPDATE SET status = excluded.status, note = excluded.note, "
                "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                (apt_num, status, note, by, at.isoformat()),
            )

    # -- recall and no-show outcomes ---------------------------------------------------

    def add_recall_contact(
        self, pat_num: int, recall_num: int, outcome: str, by: str, at: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO recall_contacts(pat_num, recall_num, outcome, by_actor, at) VALUES (?, ?, ?, ?, ?)",
                (pat_num, recall_num, outcome, by, at.isoformat()),
            )

    def last_recall_outcomes(self) -> dict[int, str]:
        rows = self._db.connection().execute(
            "SELECT recall_num, outcome FROM recall_contacts ORDER BY at"
        )
        return {int(r): str(o) for r, o in rows}

    def add_noshow_outcome(
        self, apt_num: int, outcome: str, new_time: str | None, by: str, at: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO noshow_outcomes(apt_num, outcome, new_apt_time, by_actor, at) VALUES (?, ?, ?, ?, ?)",
                (apt_num, outcome, new_time, by, at.isoformat()),
            )

    def noshow_outcomes(self) -> dict[int, str]:
        rows = self._db.connection().execute(
            "SELECT apt_num, outcome FROM noshow_outcomes ORDER BY at"
        )
        return {int(a): str(o) for a, o in rows}

    # -- waitlist ------------------------------------------------------------------------

    def add_wish(self, row: dict[str, Any]) -> int:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO waitlist(pat_num, procedure_type, length_minutes, preferred_days, preferred_from, "
                "preferred_to, prov_num, added_by, added_at) VALUES (:pat_num, :procedure_type, :length_minutes, "
                ":preferred_days, :preferred_from, :preferred_to, :prov_num, :added_by, :added_at)",
                row,
            )
            return int(cursor.lastrowid)

    def open_wishes(self) -> list[dict[str, Any]]:
        cursor = self._db.connection().execute(
            "SELECT id, pat_num, procedure_type, length_minutes, preferred_days, preferred_from, preferred_to, "
            "prov_num, added_at FROM waitlist WHERE removed_at IS NULL ORDER BY added_at"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def remove_wish(self, wish_id: int, at: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE waitlist SET removed_at = ? WHERE id = ?", (at.isoformat(), wish_id)
            )

    # -- the demo's new day --------------------------------------------------------------

    def forget_all(self) -> None:
        """Empty the cache and every worklist: only for the demo, whose synthetic practice is
        built anew on a new day (its record numbers then name other appointments)."""
        with self._db.transaction() as conn:
            for table in (
                "pms_cache",
                "insurance_worklist",
                "recall_contacts",
                "noshow_outcomes",
                "waitlist",
            ):
                conn.execute(f"DELETE FROM {table}")  # fixed table names
