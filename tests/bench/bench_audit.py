"""The audit trail: append (batched and one entry a commit, as each read does), verify, growth.

Run: .venv/bin/python -m tests.bench.bench_audit [--growth]
Floors run in the same process, taking turns with Enamel so a busy machine slows both alike:
- append: raw `INSERT INTO audit_log` (executemany) of rows built beforehand, into a database
  made by the same migrations (generated columns, the `ts` index, the triggers), in the same
  BEGIN IMMEDIATE ... COMMIT with synchronous=FULL: the ratio is what the trail adds;
- verify: each on a new connection (no page left in SQLite's cache by the append, as for
  `enamel-admin audit verify`), in turn every 1,000 entries, best of three passes: the
  same SELECT with sha256 over each body and the compare with the stored hash, "SQLCipher
  read + sha256", what verify cannot avoid; sha256 alone over the bodies already in memory
  is reported beside it. The growth rows time verify_local itself in one go.
`--growth` (or ENAMEL_BENCH_GROWTH=1) adds trails of 10k, 100k and 1M entries.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, AuditTrail, Pseudonymizer, verify_local, verify_rows
from services.audit.entry import build_batch
from services.clock import SystemClock
from storage.audit_repo import AuditRepository
from storage.database import Database

BATCH = 100
N = 20_000
SINGLE = 1_000  # one commit (with fsync) each: slow by nature, so fewer
VERIFY_ROUNDS = 3  # best of, for verify and its floor
CHUNK = 1_000  # entries verify and its floor read in turn
GROWTH = (10_000, 100_000, 1_000_000)
VERIFY_BUDGET = 200_000  # entries per second (DESIGN.md)
READ = "SELECT seq, body, hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq"
INSERT = "INSERT INTO audit_log(seq, body, hash) VALUES (?, ?, ?)"


def _events(count: int = BATCH) -> list[AuditEvent]:
    actor = Actor("user_bench", ActorType.HUMAN, Role.FRONT_DESK)
    return [
        AuditEvent(
            action="appointment_query",
            actor=actor,
            resource_type="appointment",
            patient_id=f"pt_{i:024x}",
            resource_id=f"apt_{i:024x}",
            purpose="schedule",
            fields=("appointment_date", "patient_name", "phone"),
        )
        for i in range(count)
    ]


def _trail(db: Database) -> AuditTrail:
    return AuditTrail(
        db,
        SystemClock(),
        Pseudonymizer(os.urandom(32)),
        practice_id="bench",
        workstation_id="ws_bench",
        user_agent="bench",
        ip_address="127.0.0.1",
    )


def _floor_rows(events: list[AuditEvent], n: int) -> list[tuple[int, str, str]]:
    """The rows the trail will write (same sizes, a valid chain), built before the clock runs."""
    rows: list[tuple[int, str, str]] = []
    seq, prev = 0, "0" * 64
    while len(rows) < n:
        batch = build_batch(
            events,
            first_seq=seq + 1,
            prev_hash=prev,
            timestamp="2026-12-01T00:00:00.000Z",
            practice_id="bench",
            workstation_id="ws_bench",
            ip_address="127.0.0.1",
            user_agent="bench",
            correlation_id="req_0123456789abcdef",
        )
        rows += [(e.seq, e.body, e.hash) for e in batch]
        seq, prev = rows[-1][0], rows[-1][2]
    return rows[:n]


def _append_pair(tmp: Path, key: bytes, name: str, n: int, batch: int) -> tuple[float, float]:
    """Seconds for the trail and for raw inserts of the same rows, taking turns per commit."""
    events = _events(batch)
    rows = _floor_rows(events, n)
    trail_db = Database.create(tmp / f"{name}.db", key)
    raw_db = Database.create(tmp / f"{name}-raw.db", key)
    trail = _trail(trail_db)
    trail_s = raw_s = 0.0
    for i in range(0, n, batch):
        start = time.perf_counter()
        trail.append_batch(events)
        mid = time.perf_counter()
        with raw_db.transaction() as conn:
            conn.executemany(INSERT, rows[i : i + batch])
        trail_s += mid - start
        raw_s += time.perf_counter() - mid
    trail_db.close()
    raw_db.close()
    return trail_s, raw_s


def _fresh(path: Path, key: bytes, work: Callable[[Database], None]) -> float:
    """Seconds for `work` on a database opened anew (SQLite's page cache empty)."""
    db = Database.open(path, key)
    try:
        start = time.perf_counter()
        work(db)
        return time.perf_counter() - start
    finally:
        db.close()


def _verify_enamel(n: int) -> Callable[[Database], None]:
    def work(db: Database) -> None:
        result = verify_local(AuditRepository(db))
        assert result.ok and result.entries == n

    return work


def _read_and_hash(conn: Any, lo: int, hi: int) -> None:
    sha256 = hashlib.sha256
    for _, body, stored in conn.execute(READ, (lo, hi)):
        if sha256(body.encode()).hexdigest() != stored:
            raise AssertionError("floor read a changed row")


def _verify_pass(path: Path, key: bytes, n: int) -> tuple[float, float]:
    """One pass of verify and of its floor over the whole trail, each on its own new connection.

    They take turns every CHUNK entries (which goes first alternating), so a burst of load
    from elsewhere lands on both. verify_rows carries the chain from chunk to chunk, as
    verify_local does in one go.
    """
    enamel_db, floor_db = Database.open(path, key), Database.open(path, key)
    try:
        repo = AuditRepository(enamel_db)
        floor_conn = floor_db.connection()
        start = repo.anchor()
        verify_s = floor_s = 0.0
        for lo in range(start[0] + 1, start[0] + n + 1, CHUNK):
            hi = min(lo + CHUNK - 1, start[0] + n)
            floor_first = (lo // CHUNK) % 2 == 1
            if floor_first:
                t = time.perf_counter()
                _read_and_hash(floor_conn, lo, hi)
                floor_s += time.perf_counter() - t
            t = time.perf_counter()
            result = verify_rows(repo.rows(lo, hi), start, repo)
            verify_s += time.perf_counter() - t
            assert result.ok and result.entries == hi - lo + 1
            start = (result.last_seq, result.last_hash)
            if not floor_first:
                t = time.perf_counter()
                _read_and_hash(floor_conn, lo, hi)
                floor_s += time.perf_counter() - t
        return verify_s, floor_s
    finally:
        enamel_db.close()
        floor_db.close()


def _verify(path: Path, key: bytes, n: int) -> tuple[float, float, float]:
    """Best seconds for verify, for SQLCipher read + sha256, and for sha256 of in-memory bodies."""
    passes = [_verify_pass(path, key, n) for _ in range(VERIFY_ROUNDS)]
    db = Database.open(path, key)
    encoded = [body.encode() for _, body, _ in db.connection().execute(READ, (0, 2**62))]
    db.close()
    sha256 = hashlib.sha256
    start = time.perf_counter()
    for data in encoded:
        sha256(data).hexdigest()
    hash_s = time.perf_counter() - start
    return min(v for v, _ in passes), min(f for _, f in passes), hash_s


def _verify_verdict(rate: float, floor: float) -> str:
    """Against the absolute budget; said, not hidden, when the floor itself misses it.

    Verify must decrypt every page and hash every entry, which is all the floor does, so in a
    run whose floor is under the budget no verify can meet it.
    """
    if rate >= VERIFY_BUDGET:
        return "ok"
    return "MISSES" + (f" (so does the floor, {floor:,.0f}/s)" if floor < VERIFY_BUDGET else "")


def _growth_row(tmp: Path, key: bytes, size: int) -> dict[str, str]:
    path = tmp / f"growth-{size}.db"
    big = _trail(Database.create(path, key))
    events = _events()
    start = time.perf_counter()
    for _ in range(size // BATCH):
        big.append_batch(events)
    grow_append = time.perf_counter() - start
    grow_verify = _fresh(path, key, _verify_enamel(size))
    big_mb = sum(p.stat().st_size for p in tmp.glob(f"growth-{size}.db*")) / 1e6
    path.unlink()
    return {
        "name": f"audit trail of {size:,} entries",
        "enamel": (
            f"append {size / grow_append:,.0f}/s, verify {grow_verify:.1f} s "
            f"({size / grow_verify:,.0f}/s), {big_mb:,.0f} MB"
        ),
        "floor": "",
        "ratio": "",
        "budget": f"verify >= {VERIFY_BUDGET:,}/s",
        "verdict": "ok" if size / grow_verify >= VERIFY_BUDGET else "MISSES",
    }


def run(n: int = N, growth: bool | None = None) -> dict[str, Any]:
    growth = growth if growth is not None else os.environ.get("ENAMEL_BENCH_GROWTH") == "1"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        key = os.urandom(32)
        append_s, raw_s = _append_pair(tmp, key, "batches", n, BATCH)
        verify_s, read_hash_s, hash_s = _verify(tmp / "batches.db", key, n)
        single_s, raw_single_s = _append_pair(tmp, key, "single", SINGLE, 1)
        rows_out = [
            {
                "name": f"audit append, batches of {BATCH}",
                "enamel": f"{n / append_s:,.0f} entries/s",
                "floor": f"{n / raw_s:,.0f} rows/s raw SQLCipher insert into audit_log",
                "ratio": f"{raw_s / append_s:.2f}",
                "budget": ">= 0.50 of raw",
                "verdict": "ok" if raw_s / append_s >= 0.5 else "MISSES",
            },
            {
                "name": "audit append, one entry a commit (each read)",
                "enamel": f"{SINGLE / single_s:,.0f} entries/s",
                "floor": f"{SINGLE / raw_single_s:,.0f} rows/s raw SQLCipher insert, one a commit",
                "ratio": f"{raw_single_s / single_s:.2f}",
                "budget": ">= 0.50 of raw",
                "verdict": "ok" if raw_single_s / single_s >= 0.5 else "MISSES",
            },
            {
                "name": "audit verify",
                "enamel": f"{n / verify_s:,.0f} entries/s",
                "floor": (
                    f"{n / read_hash_s:,.0f}/s SQLCipher read + sha256; "
                    f"{n / hash_s:,.0f}/s sha256 alone (hashlib, in memory)"
                ),
                "ratio": f"{read_hash_s / verify_s:.2f}",
                "budget": f">= {VERIFY_BUDGET:,} entries/s",
                "verdict": _verify_verdict(n / verify_s, n / read_hash_s),
            },
        ]
        if growth:
            rows_out += [_growth_row(tmp, key, size) for size in GROWTH]
    return {"rows": rows_out}


def main() -> None:
    for row in run(growth="--growth" in sys.argv)["rows"]:
        print(
            f"{row['name']}: {row['enamel']} | floor {row['floor']} | ratio {row['ratio']} "
            f"| {row['verdict']}"
        )


if __name__ == "__main__":
    main()
