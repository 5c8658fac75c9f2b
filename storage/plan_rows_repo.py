"""SQL for the insurance lists kept from the PMS: records by list and number (JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storage.database import Database

Record = dict[str, Any]


class PlanRowsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def records(self, lists: list[str]) -> dict[str, dict[int, Record]]:
        """Every kept record of these lists, by list and number."""
        found: dict[str, dict[int, Record]] = {name: {} for name in lists}
        marks = ",".join("?" * len(lists))
        rows = self._db.connection().execute(
            f"SELECT list, num, record FROM pms_plan_rows WHERE list IN ({marks})",  # marks only
            lists,
        )
        for name, num, record in rows:
            found[str(name)][int(num)] = json.loads(record)
        return found

    def store(
        self,
        changed: Mapping[str, Mapping[int, Record]],
        whole: frozenset[str],
        positions: Mapping[str, tuple[str, datetime]],
    ) -> None:
        """In one transaction: each list in `whole` replaced by its records in `changed`, the
        others' records in `changed` added or updated, and each feed's (since, synced_at) in
        `positions` set (pms_sync). Nothing is stored in part."""
        with self._db.transaction() as conn:
            for name in whole:
                conn.execute("DELETE FROM pms_plan_rows WHERE list = ?", (name,))
            for name, records in changed.items():
                conn.executemany(
                    "INSERT INTO pms_plan_rows(list, num, record) VALUES (?, ?, ?) "
                    "ON CONFLICT(list, num) DO UPDATE SET record = excluded.record",
                    [(name, num, json.dumps(r, sort_keys=True)) for num, r in records.items()],
                )
            conn.executemany(
                "INSERT INTO pms_sync(feed, since, synced_at) VALUES (?, ?, ?) "
                "ON CONFLICT(feed) DO UPDATE SET since = excluded.since, "
                "synced_at = excluded.synced_at",
                [(feed, since, at.isoformat()) for feed, (since, at) in positions.items()],
            )

    def positions(self, lists: list[str]) -> dict[str, tuple[str, datetime]]:
        """Each list's feed position: the newest SecDateTEdit kept ("" for none) and when
        it was last read whole (this PC's clock); a list never read is absent."""
        if not lists:
            return {}
        marks = ",".join("?" * len(lists))
        rows = self._db.connection().execute(
            f"SELECT feed, since, synced_at FROM pms_sync WHERE feed IN ({marks})",  # marks only
            lists,
        )
        return {str(f): (str(s), datetime.fromisoformat(str(at))) for f, s, at in rows}

    def forget(self, lists: list[str]) -> None:
        marks = ",".join("?" * len(lists))
        with self._db.transaction() as conn:
            conn.execute(f"DELETE FROM pms_plan_rows WHERE list IN ({marks})", lists)  # marks only
            conn.execute(f"DELETE FROM pms_sync WHERE feed IN ({marks})", lists)
