"""Requests and seconds per workflow read against the simulator, per API mode, with and
without latency.

Run: .venv/bin/python -m tests.bench.bench_workflows [--only insurance]
Workflows: the day's schedule with names, the insurance worklist (three days ahead, with
birth dates and plans) and the recall list (names and phones). For each, in Remote (pages of
100, four reads at once), Service (pages of 1,000, six at once) and Local (pages of 1,000, one
request at a time: the API inside the Open Dental program on this PC) modes, the reads at once
being the app's own (`read_concurrency_for`), with nothing and with 20 ms added to every
request:
- "per patient": the adapter without the patient directory (one Patients GET per patient);
- "cold": the first read with an empty directory (every patient loaded in pages);
- "warm": a later read (one DateTStamp request for the changes, then the cache; the insurance
  lists from their kept copy, InsSubs and InsVerifies asked for their SecDateTEdit changes);
- the floor: the same appointment (or recall) pages fetched with raw httpx, nothing else.
On the cloud API a read-only key is throttled to about one request per 5 s, so there the
request count is what matters: the "throttled" figure is requests x 5 s.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from services.access import Purpose
from services.clock import ManualClock
from services.pms.directory import PatientDirectory
from services.pms.opendental import Mode, OpenDentalClient, page_size_for, read_concurrency_for
from services.pms.plan_cache import PlanCache
from services.pms.records import AptStatus
from services.pms.simulator import Fault, SimulatorServer, SyntheticPractice
from storage.contacts_repo import ContactsRepository
from storage.database import Database
from storage.plan_rows_repo import PlanRowsRepository

LATENCIES = (0.0, 0.020)  # seconds added to every request (none: loopback only)
THROTTLE_SECONDS = 5.0  # the cloud API, read-only key
MODES = {
    name: (page_size_for(mode), read_concurrency_for(mode))
    for name, mode in (("Remote", Mode.REMOTE), ("Service", Mode.SERVICE), ("Local", Mode.LOCAL))
}


def _workflows(
    today: date,
) -> dict[str, tuple[Callable[[OpenDentalClient], int], str, dict[str, str]]]:
    """name -> (the read, the floor's list path, the floor's query)."""
    end = today + timedelta(days=3)

    def schedule(c: OpenDentalClient) -> int:
        return len(c.appointments(Purpose.SCHEDULE, today, today))

    def insurance(c: OpenDentalClient) -> int:
        # The worklist's own read: appointments, directory changes, plan lists, verifications.
        found = c.insurance_worklist(
            Purpose.INSURANCE_VERIFICATION, today, end, status=AptStatus.SCHEDULED
        )
        return len(found)

    def recall(c: OpenDentalClient) -> int:
        return len(c.recalls_due(Purpose.RECALL_REMINDERS, today))

    day = today.isoformat()
    return {
        "schedule with names": (schedule, "/appointments", {"dateStart": day, "dateEnd": day}),
        "insurance worklist": (
            insurance,
            "/appointments",
            {"dateStart": day, "dateEnd": end.isoformat(), "AptStatus": "Scheduled"},
        ),
        "recall list": (recall, "/recalls", {}),
    }


def _floor(sim: SimulatorServer, path: str, query: dict[str, str], page: int) -> tuple[int, float]:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    requests = 0
    start = time.perf_counter()
    with httpx.Client(headers=headers) as raw:
        offset, got = 0, page
        while got == page:
            items = raw.get(
                f"{sim.url}{path}", params={**query, "Limit": page, "Offset": offset}
            ).json()
            requests += 1
            got = len(items)
            offset += got
    return requests, time.perf_counter() - start


def _measure(
    sim: SimulatorServer, read: Callable[[OpenDentalClient], int], client: OpenDentalClient
) -> tuple[int, float]:
    before = len(sim.requests)
    start = time.perf_counter()
    read(client)
    return len(sim.requests) - before, time.perf_counter() - start


def run(only: str = "") -> dict[str, Any]:
    """Every workflow, or those whose name contains `only`."""
    clock = ManualClock()
    today = clock.now().date()
    sim = SimulatorServer(SyntheticPractice(today=today, clock=clock)).start()
    latency = Fault(".", "latency", times=10**9, seconds=0.0)
    sim.inject(latency)
    results: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="enamel-bench-") as tmp:
            for delay, (mode, (page, concurrency)) in (
                (d, m) for d in LATENCIES for m in MODES.items()
            ):
                latency.seconds = delay
                sim.page_size = page
                for name, (read, path, query) in _workflows(today).items():
                    if only not in name:
                        continue

                    def client(
                        directory: PatientDirectory | None,
                        plans: PlanCache | None = None,
                        page: int = page,
                        concurrency: int = concurrency,
                    ) -> OpenDentalClient:
                        return OpenDentalClient(
                            sim.url,
                            sim.developer_key,
                            sim.customer_key,
                            page_size=page,
                            directory=directory,
                            plans=plans,
                            concurrency=concurrency,
                        )

                    plain = client(None)
                    per_patient = _measure(sim, read, plain)
                    plain.close()
                    db = Database.create(
                        Path(tmp) / f"{mode}-{delay}-{name.replace(' ', '-')}.db",
                        secrets.token_bytes(32),
                    )
                    cached = client(
                        PatientDirectory(ContactsRepository(db), clock),
                        PlanCache(PlanRowsRepository(db), clock),
                    )
                    cold = _measure(sim, read, cached)
                    clock.advance(61)  # past the directory's freshness: one DateTStamp ask
                    warm = _measure(sim, read, cached)
                    cached.close()
                    db.close()
                    floor = _floor(sim, path, query, page)
                    results.append(
                        {
                            "mode": mode,
                            "latency": delay,
                            "workflow": name,
                            "per_patient": per_patient,
                            "cold": cold,
                            "warm": warm,
                            "floor": floor,
                        }
                    )
    finally:
        sim.stop()
    rows = []
    for r in results:
        (pr, ps), (cr, cs), (wr, ws), (fr, fs) = r["per_patient"], r["cold"], r["warm"], r["floor"]
        throttled = (
            f"; throttled {wr * THROTTLE_SECONDS:.0f} s (was {pr * THROTTLE_SECONDS:.0f} s)"
            if r["mode"] == "Remote"
            else ""
        )
        rows.append(
            {
                "name": f"{r['workflow']}, {r['mode']}, {r['latency'] * 1000:.0f} ms latency",
                "enamel": (
                    f"warm {wr} req {ws * 1000:.0f} ms; cold {cr} req {cs * 1000:.0f} ms; "
                    f"per patient {pr} req {ps * 1000:.0f} ms{throttled}"
                ),
                "floor": f"{fr} req {fs * 1000:.0f} ms (the list pages alone)",
                "ratio": f"{ws / fs:.2f}",
                "budget": "warm within 2x of the list pages",
                "verdict": "ok" if ws <= 2 * fs else "MISSES",
            }
        )
    return {"results": results, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="workflows whose name contains this")
    for row in run(parser.parse_args().only)["rows"]:
        print(
            f"{row['name']}: {row['enamel']} | floor {row['floor']} | ratio {row['ratio']} {row['verdict']}"
        )


if __name__ == "__main__":
    main()
