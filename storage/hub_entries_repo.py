"""The hub's index of every workstation's audit entries: written from stored batches, queried
by patient, time, person, workstation and purpose for the practice-wide compliance tools."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class IndexedEntry:
    workstation_id: str
    seq: int
    body: str  # canonical JSON without the hash, as in audit_log
    hash: str


@dataclass(frozen=True)
class EntryFilter:
    """What a practice-wide query asks for; empty strings match everything."""

    ts_from: str = ""  # ts >= ts_from
    ts_to: str = ""  # ts < ts_to
    workstation_id: str = ""
    actor_ids: tuple[str, ...] = ()
    patient_id: str = ""
    purpose: str = ""
    text: str = ""  # a case-insensitive substring of the entry's body


class HubEntryRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, entries: Iterable[IndexedEntry]) -> int:
        """Index entries (an entry already indexed is left as it is); how many were new."""
        rows = [(e.workstation_id, e.seq, e.body, e.hash) for e in entries]
        with self._db.transaction() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO hub_entries(workstation_id, seq, body, hash) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
            return int(conn.total_changes - before)

    def last_seq(self, workstation_id: str) -> int:
        row = (
            self._db.connection()
            .execute(
                "SELECT coalesce(max(seq), 0) FROM hub_entries WHERE workstation_id = ?",
                (workstation_id,),
            )
            .fetchone()
        )
        return int(row[0])

    def workstations(self) -> list[str]:
        """The workstations with at least one entry indexed, in id order: one step of the
        primary key's index per workstation, not a scan of the entries."""
        found: list[str] = []
        conn = self._db.connection()
        while True:
            row = conn.execute(
                "SELECT min(workstation_id) FROM hub_entries WHERE workstation_id > ?",
                (found[-1] if found else "",),
            ).fetchone()
            if row is None or row[0] is None:
                return found
            found.append(str(row[0]))

    def unindexed_batches(self) -> list[str]:
        """Names of stored batches whose last entry is not indexed (start-up catches them up)."""
        rows = self._db.connection().execute(
            "SELECT b.name FROM hub_batches b WHERE NOT EXISTS (SELECT 1 FROM hub_entries e "
            "WHERE e.workstation_id = b.workstation_id AND e.seq = b.last_seq) "
            "ORDER BY b.workstation_id, b.first_seq"
        )
        return [str(r[0]) for r in rows]

    def query(self, wanted: EntryFilter, limit: int) -> list[IndexedEntry]:
        """Entries matching `wanted`, oldest first, at most `limit`."""
        where, params = ["1 = 1"], []
        if wanted.ts_from:
            where.append("ts >= ?")
            params.append(wanted.ts_from)
        if wanted.ts_to:
            where.append("ts < ?")
            params.append(wanted.ts_to)
        for column, value in (
            ("workstation_id", wanted.workstation_id),
            ("patient_id", wanted.patient_id),
            ("purpose", wanted.purpose),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        text = wanted.text.lower()
        if text and wanted.actor_ids:
            marks = ", ".join("?" for _ in wanted.actor_ids)
            where.append(f"(instr(lower(body), ?) > 0 OR actor_id IN ({marks}))")
            params.extend([text, *wanted.actor_ids])
        elif wanted.actor_ids:
            marks = ", ".join("?" for _ in wanted.actor_ids)
            where.append(f"actor_id IN ({marks})")
            params.extend(wanted.actor_ids)
        elif text:
            where.append("instr(lower(body), ?) > 0")
            params.append(text)
        rows = self._db.connection().execute(
            "SELECT workstation_id, seq, body, hash FROM hub_entries WHERE "
            + " AND ".join(where)
            + " ORDER BY ts, workstation_id, seq LIMIT ?",
            (*params, limit),
        )
        return [IndexedEntry(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]
