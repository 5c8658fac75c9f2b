"""Audit append (batched) vs raw SQLCipher inserts of the same rows; verify rate vs hashlib alone.

Run: .venv/bin/python -m tests.bench.bench_audit
"""

from __future__ import annotations

import hashlib
import os
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


def _events() -> list[AuditEvent]:
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
        for i in range(BATCH)
    ]


def run(n: int = N) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        key = os.urandom(32)
        db = Database.create(Path(tmp) / "bench.db", key)
        trail = AuditTrail(
            db,
            SystemClock(),
            Pseudonymizer(os.urandom(32)),
            practice_id="bench",
            workstation_id="ws_bench",
            user_agent="bench",
            ip_address="127.0.0.1",
        )
        events = _events()
        start = time.perf_counter()
        for _ in range(n // BATCH):
            trail.append_batch(events)
        append_s = time.perf_counter() - start
        rows = list(trail.repository.rows())

        # The floor: the same rows inserted raw, same batch size, same durability settings.
        raw = Database.create(Path(tmp) / "raw.db", key)
        raw.connection().execute(
            "CREATE TABLE t(seq INTEGER PRIMARY KEY, body TEXT NOT NULL, hash TEXT NOT NULL)"
        )
        start = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            with raw.transaction() as conn:
                conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows[i : i + BATCH])
        raw_s = time.perf_counter() - start

        start = time.perf_counter()
        result = verify_local(trail.repository)
        verify_s = time.perf_counter() - start
        assert result.ok and result.entries == n

        start = time.perf_counter()
        for _, body, _ in trail.repository.rows():
            hashlib.sha256(body.encode()).hexdigest()
        hash_s = time.perf_counter() - start
        db.close()
        raw.close()
    return {
        "entries": n,
        "append_per_s": n / append_s,
        "raw_insert_per_s": n / raw_s,
        "append_ratio": raw_s / append_s,
        "verify_per_s": n / verify_s,
        "hash_only_per_s": n / hash_s,
        "verify_ratio": hash_s / verify_s,
    }


def main() -> None:
    r = run()
    print(f"audit append, batches of {BATCH}: {r['append_per_s']:,.0f} entries/s")
    print(f"raw SQLCipher insert, same rows: {r['raw_insert_per_s']:,.0f} rows/s")
    print(f"  ratio {r['append_ratio']:.2f} (budget >= 0.50)")
    print(f"audit verify: {r['verify_per_s']:,.0f} entries/s (budget >= 200,000)")
    print(
        f"hashlib alone over the same bodies: {r['hash_only_per_s']:,.0f}/s; ratio {r['verify_ratio']:.2f}"
    )


if __name__ == "__main__":
    main()
