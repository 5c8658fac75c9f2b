"""The archive as it grows: a sync round and `archive verify` on a folder archive of 100, 1,000
and 10,000 objects (the README's growth table).

Run: .venv/bin/python -m tests.bench.bench_archive_growth
A folder, not moto: moto's own cost per object would hide the archive's. Objects hold
PER_OBJECT entries each so that 10,000 of them are built in minutes (the app seals up to 200
an hour); the round adds one object on top, the incremental check reads that one only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from services.archive.backends import FolderBackend
from services.archive.verify import SoundBatch
from storage.archive_repo import ArchiveRepository
from tests.bench.bench_archive import Bench, _timed, _timed_call

SIZES = (100, 1_000, 10_000)
PER_OBJECT = 20


def run() -> dict[str, Any]:
    rows: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bench = Bench(root, "ws_growth")
        folder = FolderBackend(root / "archive")
        sync = bench.sync(folder, batch_size=PER_OBJECT)
        have = 0
        for size in SIZES:
            bench.add((size - 1 - have) * PER_OBJECT)
            sync.sync_once()
            bench.add(PER_OBJECT)
            round_s = _timed(sync.sync_once)  # the job's round: one new object on top
            have = size
            batches = ArchiveRepository(bench.db).batches()
            assert len(batches) == size, len(batches)
            full, full_s = _timed_call(lambda: bench.verify(folder))
            assert full.ok and full.batches == size, full.problems[:3]
            name, _, last, batch_hash, last_hash = batches[-2]
            since = SoundBatch(name, last, batch_hash, last_hash)
            part, part_s = _timed_call(lambda since=since: bench.verify(folder, since))
            assert part.ok and part.batches == 1, part.problems[:3]
            files = [f for f in (root / "archive").rglob("*") if f.is_file()]
            mb = sum(f.stat().st_size for f in files) / 1e6
            rows.append(
                {
                    "name": f"folder archive of {size:,} objects ({size * PER_OBJECT:,} entries)",
                    "enamel": (
                        f"sync round {round_s * 1000:,.1f} ms; verify full {full_s:,.1f} s, "
                        f"incremental {part_s * 1000:,.0f} ms; {mb:,.1f} MB"
                    ),
                    "floor": "",
                    "ratio": "",
                    "budget": "round and incremental check flat",
                    "verdict": "",
                }
            )
    return {"rows": rows}


def main() -> None:
    for row in run()["rows"]:
        print(f"{row['name']}: {row['enamel']}", flush=True)


if __name__ == "__main__":
    main()
