"""PMS day load: 500 appointments in pages of 100 from the simulator, against raw httpx GETs.

Run: .venv/bin/python -m tests.bench.bench_pms
Enamel's figure includes validation and minimum-necessary filtering (conflicts purpose: no
patient look-ups), the floor is the same five GETs with httpx and json only.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from services.access import Purpose
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice

DAY = date(2026, 11, 24)


def busy_practice() -> SyntheticPractice:
    practice = SyntheticPractice(today=date(2026, 11, 23), patients_count=600)
    extra = 500 - sum(
        1 for a in practice.appointments.values() if a["AptDateTime"].startswith(DAY.isoformat())
    )
    pat_nums = list(practice.patients)
    next_num = max(practice.appointments) + 1
    for i in range(extra):
        start = datetime.combine(DAY, datetime.min.time()).replace(hour=7) + timedelta(
            minutes=5 * (i % 120)
        )
        practice.appointments[next_num + i] = practice._appointment(
            next_num + i,
            pat_nums[i % len(pat_nums)],
            start,
            3,
            1 + i % 8,
            1,
            "Scheduled",
            "Exam",
            False,
            confirmed=False,
            asap=False,
        )
    return practice


def run() -> dict[str, Any]:
    server = SimulatorServer(busy_practice(), page_size=100).start()
    try:
        client = OpenDentalClient(
            server.url, server.developer_key, server.customer_key, page_size=100
        )
        headers = {"Authorization": f"ODFHIR {server.developer_key}/{server.customer_key}"}
        raw = httpx.Client(headers=headers)
        enamel, floor = [], []
        count = 0
        for _ in range(7):
            start = time.perf_counter()
            count = len(client.appointments(Purpose.APPOINTMENT_CONFLICTS, DAY, DAY))
            enamel.append(time.perf_counter() - start)
            start = time.perf_counter()
            offset, got = 0, 100
            while got == 100:
                page = raw.get(
                    f"{server.url}/appointments",
                    params={
                        "dateStart": DAY.isoformat(),
                        "dateEnd": DAY.isoformat(),
                        "Offset": offset,
                    },
                ).json()
                got = len(page)
                offset += got
            floor.append(time.perf_counter() - start)
        client.close()
        raw.close()
    finally:
        server.stop()
    e, f = statistics.median(enamel) * 1000, statistics.median(floor) * 1000
    build = []
    for _ in range(3):  # the demo and every simulator test build this practice first
        start = time.perf_counter()
        SyntheticPractice(today=date(2026, 11, 23))
        build.append(time.perf_counter() - start)
    b = statistics.median(build) * 1000
    return {
        "appointments": count,
        "enamel_ms": e,
        "floor_ms": f,
        "rows": [
            {
                "name": f"PMS day load ({count} appointments, pages of 100)",
                "enamel": f"{e:.0f} ms",
                "floor": f"{f:.0f} ms raw httpx GETs",
                "ratio": f"{e / f:.2f}",
                "budget": "(none set)",
                "verdict": "",
            },
            {
                "name": "simulator practice build (3,000 patients)",
                "enamel": f"{b:.0f} ms",
                "floor": "",
                "ratio": "",
                "budget": "< 1 s (was a timed test)",
                "verdict": "ok" if b < 1000 else "MISSES",
            },
        ],
    }


def main() -> None:
    r = run()
    print(
        f"day load of {r['appointments']} appointments: {r['enamel_ms']:.0f} ms; raw httpx: {r['floor_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
