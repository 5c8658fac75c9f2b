"""Trail to archive, end to end: entries per second to a local S3 server (moto) and to a folder.

Run: .venv/bin/python -m tests.bench.bench_archive
The floor is the same bytes PUT with boto3 alone (no sealing), in the same run.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from services.access import Actor, ActorType, Role
from services.archive.backends import FolderBackend, S3Backend
from services.archive.sync import ArchiveSync
from services.audit import AuditEvent, AuditTrail, Pseudonymizer
from services.clock import SystemClock
from storage.archive_repo import ArchiveRepository
from storage.database import Database

N = 50_000
logging.getLogger("werkzeug").setLevel(logging.WARNING)
BATCH = 5_000


def _trail(root: Path) -> AuditTrail:
    db = Database.create(root / "bench.db", os.urandom(32))
    trail = AuditTrail(
        db,
        SystemClock(),
        Pseudonymizer(os.urandom(32)),
        practice_id="bench",
        workstation_id="ws_bench",
        user_agent="bench",
        ip_address="127.0.0.1",
    )
    actor = Actor("user_bench", ActorType.HUMAN, Role.FRONT_DESK)
    events = [
        AuditEvent(
            action="appointment_query",
            actor=actor,
            resource_type="appointment",
            patient_id=f"pt_{i:024x}",
            purpose="schedule",
            fields=("phone",),
        )
        for i in range(1000)
    ]
    for _ in range(N // 1000):
        trail.append_batch(events)
    return trail


def _sync(trail: AuditTrail, backend: Any) -> float:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    signing = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    db = trail.repository._db  # the benchmark reaches in to reset the cursor between backends
    db.connection().execute("DELETE FROM archive_batches")
    sync = ArchiveSync(
        trail,
        ArchiveRepository(db),
        backend,
        SystemClock(),
        archive_key=os.urandom(32),
        signing_key=signing,
        batch_size=BATCH,
    )
    start = time.perf_counter()
    result = sync.sync_once()
    elapsed = time.perf_counter() - start
    assert result.entries == N
    return N / elapsed


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        trail = _trail(root)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            url = f"http://127.0.0.1:{port}"
            client = boto3.client(
                "s3",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="a",
                aws_secret_access_key="b",
            )
            client.create_bucket(Bucket="bench", ObjectLockEnabledForBucket=True)
            s3_rate = _sync(trail, S3Backend(url, "bench", "us-east-1", "a", "b"))
            folder_rate = _sync(trail, FolderBackend(root / "archive"))
            # The floor: PUT the same number of objects of the same size with boto3 alone.
            blob = b"x" * (len((root / "archive").rglob("*0001-*").__next__().read_bytes()))
            start = time.perf_counter()
            for i in range(N // BATCH):
                client.put_object(Bucket="bench", Key=f"floor/{i}", Body=blob)
            floor = N / (time.perf_counter() - start)
        finally:
            server.stop()
    rows = [
        {
            "name": "archive sync to local S3 (moto)",
            "enamel": f"{s3_rate:,.0f} entries/s",
            "floor": f"{floor:,.0f} entries/s as raw boto3 PUTs",
            "ratio": f"{s3_rate / floor:.2f}",
            "budget": ">= 20,000 entries/s",
            "verdict": "ok" if s3_rate >= 20_000 else "MISSES",
        },
        {
            "name": "archive sync to a folder",
            "enamel": f"{folder_rate:,.0f} entries/s",
            "floor": "",
            "ratio": "",
            "budget": "",
            "verdict": "",
        },
    ]
    return {"s3_per_s": s3_rate, "folder_per_s": folder_rate, "floor_per_s": floor, "rows": rows}


def main() -> None:
    r = run()
    print(f"trail -> local S3 (moto): {r['s3_per_s']:,.0f} entries/s (budget >= 20,000)")
    print(f"trail -> folder:          {r['folder_per_s']:,.0f} entries/s")
    print(f"raw boto3 PUTs of the same objects: {r['floor_per_s']:,.0f} entries/s")


if __name__ == "__main__":
    main()
