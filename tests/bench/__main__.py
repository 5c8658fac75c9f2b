"""Run every benchmark and write a table (Markdown and JSON): Enamel, the floor, the ratio, the budget.

Run: .venv/bin/python -m tests.bench [--out bench-results]
Each benchmark module has `run() -> dict` and a ROW describing how to read it; a module
whose part of Enamel is missing is reported as such rather than failing the whole run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Row:
    name: str
    enamel: str
    floor: str
    ratio: str
    budget: str
    verdict: str
    seconds: float


def _fmt(n: float, unit: str) -> str:
    return f"{n:,.0f} {unit}" if n >= 100 else f"{n:,.1f} {unit}"


def _rows_for(name: str, r: dict[str, Any], secs: float) -> list[Row]:
    if name == "bench_schedule":
        return [
            Row(
                f"day view draw ({r['blocks']} appointments)",
                _fmt(r["full_ms"], "ms"),
                _fmt(r["empty_ms"], "ms empty grid"),
                f"{r['ratio']:.1f}",
                "< 100 ms",
                "ok" if r["full_ms"] < 100 else "MISSES",
                secs,
            )
        ]
    if "rows" in r:  # modules that describe themselves
        return [Row(**row, seconds=secs) for row in r["rows"]]
    return [Row(name, json.dumps(r), "", "", "", "?", secs)]


MODULES = [
    "bench_startup",
    "bench_audit",
    "bench_archive",
    "bench_pms",
    "bench_workflows",
    "bench_schedule",
    "bench_memory",
    "bench_hub",
]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--out", default="bench-results", help="folder for results.md/.json")
    parser.add_argument("--only", nargs="*", help="run only these modules")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.only or MODULES:
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("tests.bench"):
                rows.append(Row(name, "not built yet", "", "", "", "missing", 0.0))
                continue
            raise
        start = time.perf_counter()
        try:
            result = module.run()
        except Exception:
            traceback.print_exc()
            rows.append(Row(name, "failed (see traceback)", "", "", "", "FAILED", 0.0))
            continue
        rows.extend(_rows_for(name, result, time.perf_counter() - start))
        print(f"{name}: done in {time.perf_counter() - start:.1f} s", flush=True)
    header = "| benchmark | Enamel | floor (same run) | ratio | budget | verdict |\n|---|---|---|---|---|---|\n"
    table = header + "".join(
        f"| {r.name} | {r.enamel} | {r.floor} | {r.ratio} | {r.budget} | {r.verdict} |\n"
        for r in rows
    )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(f"Machine: {machine}\n\n{table}")
    (out / "results.json").write_text(
        json.dumps({"machine": machine, "rows": [asdict(r) for r in rows]}, indent=2)
    )
    print()
    print(f"Machine: {machine}")
    print(table)
    print(f"Written to {out / 'results.md'} and {out / 'results.json'}")


if __name__ == "__main__":
    main()
