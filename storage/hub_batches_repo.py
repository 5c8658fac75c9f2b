"""The hub's copy of each workstation's chain: sealed batches and each chain's pinned key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.database import Connection, Database


@dataclass(frozen=True)
class StoredBatch:
    workstation_id: str
    first_seq: int
    last_seq: int
    name: str
    data: bytes
    batch_hash: str
    prev_batch_hash: str
    last_entry_hash: str
    created_at: str
    received_at: str


@dataclass(frozen=True)
class ChainRow:
    workstation_id: str
    public_key: bytes
    pinned_at: datetime
    start_seq: int  # the first seq the hub holds (1, or after batches archived before joining)
    start_batch_hash: str  # the batch the first one links to (64 zeros for a chain from seq 1)
    start_entry_hash: str
    last_seq: int
    last_batch_hash: str
    last_received_at: datetime
    head_seq: int
    head_reported_at: datetime | None


_BATCH = (
    "workstation_id, first_seq, last_seq, name, data, batch_hash, prev_batch_hash, "
    "last_entry_hash, created_at, received_at"
)
_CHAIN = (
    "workstation_id, public_key, pinned_at, start_seq, start_batch_hash, start_entry_hash, "
    "last_seq, last_batch_hash, last_received_at, head_seq, head_reported_at"
)


def _batch(row: tuple[Any, ...]) -> StoredBatch:
    return StoredBatch(
        str(row[0]),
        int(str(row[1])),
        int(str(row[2])),
        str(row[3]),
        bytes(row[4]),
        str(row[5]),
        str(row[6]),
        str(row[7]),
        str(row[8]),
        str(row[9]),
    )


def _chain(row: tuple[Any, ...]) -> ChainRow:
    return ChainRow(
        str(row[0]),
        bytes(row[1]),
        datetime.fromisoformat(str(row[2])),
        int(str(row[3])),
        str(row[4]),
        str(row[5]),
        int(str(row[6])),
        str(row[7]),
        datetime.fromisoformat(str(row[8])),
        int(str(row[9])),
        None if row[10] is None else datetime.fromisoformat(str(row[10])),
    )


class HubBatchRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def chain(self, workstation_id: str, conn: Connection | None = None) -> ChainRow | None:
        row = (
            (conn or self._db.connection())
            .execute(f"SELECT {_CHAIN} FROM hub_chains WHERE workstation_id = ?", (workstation_id,))
            .fetchone()
        )
        return None if row is None else _chain(row)

    def chains(self) -> list[ChainRow]:
        rows = self._db.connection().execute(
            f"SELECT {_CHAIN} FROM hub_chains ORDER BY workstation_id"
        )
        return [_chain(r) for r in rows]

    def by_name(self, name: str, conn: Connection | None = None) -> StoredBatch | None:
        row = (
            (conn or self._db.connection())
            .execute(f"SELECT {_BATCH} FROM hub_batches WHERE name = ?", (name,))
            .fetchone()
        )
        return None if row is None else _batch(row)

    def names(self, workstation_id: str, prefix: str = "", after: str = "") -> list[str]:
        """The names of a workstation's stored batches, in order (`prefix`/`after` on names)."""
        rows = self._db.connection().execute(
            "SELECT name FROM hub_batches WHERE workstation_id = ? AND substr(name, 1, ?) = ? "
            "AND name > ? ORDER BY name",
            (workstation_id, len(prefix), prefix, after),
        )
        return [str(r[0]) for r in rows]

    def last_stored(self, workstation_id: str) -> StoredBatch | None:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {_BATCH} FROM hub_batches WHERE workstation_id = ? "
                "ORDER BY first_seq DESC LIMIT 1",
                (workstation_id,),
            )
            .fetchone()
        )
        return None if row is None else _batch(row)

    def counts(self, workstation_id: str) -> tuple[int, int]:
        """(batches, entries) stored for a workstation."""
        row = (
            self._db.connection()
            .execute(
                "SELECT count(*), coalesce(sum(last_seq - first_seq + 1), 0) FROM hub_batches "
                "WHERE workstation_id = ?",
                (workstation_id,),
            )
            .fetchone()
        )
        return int(row[0]), int(row[1])

    def store(
        self,
        batch: StoredBatch,
        *,
        public_key: bytes,
        start_entry_hash: str,
        expect_last: tuple[int, str] | None,
        now: datetime,
    ) -> bool:
        """Store a batch that continues the chain (the first one also pins the key).

        `expect_last` is the chain's (last_seq, last_batch_hash) the caller checked against,
        or None for a first batch; False if the chain moved meanwhile (nothing stored)."""
        at = now.isoformat()
        with self._db.transaction() as conn:
            current = self.chain(batch.workstation_id, conn)
            seen = None if current is None else (current.last_seq, current.last_batch_hash)
            if seen != expect_last:
                return False
            conn.execute(
                f"INSERT INTO hub_batches ({_BATCH}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch.workstation_id,
                    batch.first_seq,
                    batch.last_seq,
                    batch.name,
                    batch.data,
                    batch.batch_hash,
                    batch.prev_batch_hash,
                    batch.last_entry_hash,
                    batch.created_at,
                    at,
                ),
            )
            if current is None:
                conn.execute(
                    f"INSERT INTO hub_chains ({_CHAIN}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        batch.workstation_id,
                        public_key,
                        at,
                        batch.first_seq,
                        batch.prev_batch_hash,
                        start_entry_hash,
                        batch.last_seq,
                        batch.batch_hash,
                        at,
                        batch.last_seq,
                        None,
                    ),
                )
            else:
                conn.execute(
                    "UPDATE hub_chains SET last_seq = ?, last_batch_hash = ?, "
                    "last_received_at = ?, head_seq = max(head_seq, ?) WHERE workstation_id = ?",
                    (batch.last_seq, batch.batch_hash, at, batch.last_seq, batch.workstation_id),
                )
        return True

    def report_head(self, workstation_id: str, head_seq: int, now: datetime) -> bool:
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE hub_chains SET head_seq = ?, head_reported_at = ? WHERE workstation_id = ?",
                (head_seq, now.isoformat(), workstation_id),
            )
            return bool(cursor.rowcount)
