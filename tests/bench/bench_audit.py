"""The audit trail: append (batched and one entry a commit, as each read does), verify, growth.

Run: .venv/bin/python -m tests.bench.bench_audit [--growth]
Floors run in the same process: raw SQLCipher inserts of the same rows with the same
durability; for verify, reading the same rows from SQLCipher and hashing them (what verify
cannot avoid), and hashlib alone over bodies already in memory, reported beside it.
`--growth` (or ENAMEL_BENCH_GROWTH=1) adds trails of 10k, 100k and 1M entries.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, AuditTrail, Pseudonymizer, verify_local
from services.clock import SystemClock
from storage.database import Database

BATCH = 100
N = 20_000
SINGLE = 1_000  # one commit (with fsync) each: slow by nature, so fewer
GROWTH = (10_000, 100_000, 1_000_000)


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


def _trail(path: Path, key: bytes) -> AuditTrail:
    return AuditTrail(
        Database.create(path, key),
        SystemClock(),
        Pseudonymizer(os.urandom(32)),
        practice_id="bench",
        workstation_id="ws_bench",
        user_agent="bench",
        ip_address="127.0.0.1",
    )


def _raw_insert_s(path: Path, key: bytes, rows: list[Any], batch: int) -> float:
    raw = Database.create(path, key)
    raw.connection().execute(
        "CREATE TABLE t(seq INTEGER PRIMARY KEY, body TEXT NOT NULL, hash TEXT NOT NULL)"
    )
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        with raw.transaction() as conn:
            conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows[i : i + batch])
    took = time.perf_counter() - start
    raw.close()
    return took


def _verify(trail: AuditTrail, n: int) -> tuple[float, float, float]:
    """Seconds for verify, for SQLCipher read + sha256, and for sha256 of in-memory bodies."""
    start = time.perf_counter()
    result = verify_local(trail.repository)
    verify_s = time.perf_counter() - start
    assert result.ok and result.entries == n
    start = time.perf_counter()
    bodies = [body for _, body, _ in trail.repository.rows()]
    for body in bodies:
        hashlib.sha256(body.encode()).hexdigest()
    read_hash_s = time.perf_counter() - start
    encoded = [b.encode() for b in bodies]
    start = time.perf_counter()
    for data in encoded:
        hashlib.sha256(data).hexdigest()
    return verify_s, read_hash_s, time.perf_counter() - start


def run(n: int = N, growth: bool | None = None) -> dict[str, Any]:
    growth = growth if growth is not None else os.environ.get("ENAMEL_BENCH_GROWTH") == "1"
    rows_out: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        key = os.urandom(32)
        trail = _trail(Path(tmp) / "bench.db", key)
        events = _events()
        start = time.perf_counter()
        for _ in range(n // BATCH):
            trail.append_batch(events)
        append_s = time.perf_counter() - start
        rows = list(trail.repository.rows())
        raw_s = _raw_insert_s(Path(tmp) / "raw.db", key, rows, BATCH)
        verify_s, read_hash_s, hash_s = _verify(trail, n)

        single = _trail(Path(tmp) / "single.db", key)
        one = _events(1)
        start = time.perf_counter()
        for _ in range(SINGLE):
            single.append_batch(one)
        single_s = time.perf_counter() - start
        single_rows = list(single.repository.rows())
        raw_single_s = _raw_insert_s(Path(tmp) / "raw1.db", key, single_rows, 1)

        rows_out += [
            {
                "name": f"audit append, batches of {BATCH}",
                "enamel": f"{n / append_s:,.0f} entries/s",
                "floor": f"{n / raw_s:,.0f} rows/s raw SQLCipher",
                "ratio": f"{raw_s / append_s:.2f}",
                "budget": ">= 0.50 of raw",
                "verdict": "ok" if raw_s / append_s >= 0.5 else "MISSES",
            },
            {
                "name": "audit append, one entry a commit (each read)",
                "enamel": f"{SINGLE / single_s:,.0f} entries/s",
                "floor": f"{SINGLE / raw_single_s:,.0f} rows/s raw SQLCipher, one a commit",
                "ratio": f"{raw_single_s / single_s:.2f}",
                "budget": ">= 0.50 of raw",
                "verdict": "ok" if raw_single_s / single_s >= 0.5 else "MISSES",
            },
            {
                "name": "audit verify",
                "enamel": f"{n / verify_s:,.0f} entries/s",
                "floor": (
                    f"{n / read_hash_s:,.0f}/s SQLCipher read + sha256; "
                    f"{n / hash_s:,.0f}/s sha256 alone"
                ),
                "ratio": f"{read_hash_s / verify_s:.2f}",
                "budget": ">= 200,000 entries/s",
                "verdict": "ok" if n / verify_s >= 200_000 else "MISSES",
            },
        ]
        if growth:
            for size in GROWTH:
                path = Path(tmp) / f"growth-{size}.db"
                big = _trail(path, key)
                start = time.perf_counter()
                for _ in range(size // BATCH):
                    big.append_batch(events)
                grow_append = time.perf_counter() - start
                start = time.perf_counter()
                assert verify_local(big.repository).ok
                grow_verify = time.perf_counter() - start
                big_mb = sum(p.stat().st_size for p in Path(tmp).glob(f"growth-{size}.db*")) / 1e6
                rows_out.append(
                    {
                        "name": f"audit trail of {size:,} entries",
                        "enamel": (
                            f"append {size / grow_append:,.0f}/s, verify {grow_verify:.1f} s, "
                            f"{big_mb:,.0f} MB"
                        ),
                        "floor": "",
                        "ratio": "",
                        "budget": "verify >= 200,000/s",
                        "verdict": "ok" if size / grow_verify >= 200_000 else "MISSES",
                    }
                )
                path.unlink()
    return {"rows": rows_out}


def main() -> None:
    for row in run(growth="--growth" in sys.argv)["rows"]:
        print(f"{row['name']}: {row['enamel']} | floor {row['floor']} | ratio {row['ratio']}")


if __name__ == "__main__":
    main()
