"""enamel-pms-sim: run the Open Dental simulator on 127.0.0.1 and print its URL."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence

from services.clock import clock_from_option
from services.pms.simulator import Fault, SimulatorServer, SyntheticPractice


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="enamel-pms-sim",
        description="An Open Dental API-compatible server over a synthetic practice (no real PHI).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--patients", type=int, default=3000)
    parser.add_argument(
        "--page-size", type=int, default=100, help="100 like the cloud API, 1000 like Local/Service"
    )
    parser.add_argument("--developer-key", default="sim-developer-key")
    parser.add_argument("--customer-key", default="sim-customer-key")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="PATTERN:KIND[:TIMES[:SECONDS]]",
        help=(
            "misbehave on requests whose path matches the regex PATTERN (TIMES times, default "
            "always; SECONDS for latency/timeout). KIND: "
            "latency, 429, 500, timeout, malformed, truncated, wrongtype, disconnect"
        ),
    )
    parser.add_argument(
        "--clock-start", help="run as if started at this ISO-8601 time (e.g. 2027-03-14T09:00:00Z)"
    )
    args = parser.parse_args(argv)
    try:
        clock = clock_from_option(args.clock_start)
    except ValueError as exc:
        parser.error(str(exc))
    faults = []
    for spec in args.fault:
        try:
            faults.append(Fault.parse(spec))
        except ValueError as exc:
            parser.error(f"--fault {spec!r}: {exc}")
    practice = SyntheticPractice(
        today=clock.now().astimezone().date(),
        seed=args.seed,
        patients_count=args.patients,
        clock=clock,
    )
    server = SimulatorServer(
        practice,
        host=args.host,
        port=args.port,
        page_size=args.page_size,
        developer_key=args.developer_key,
        customer_key=args.customer_key,
    )
    for fault in faults:
        server.inject(fault)
    server.start()
    print(f"Open Dental simulator at {server.url}", flush=True)
    print(f"Authorization: ODFHIR {args.developer_key}/{args.customer_key}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0
