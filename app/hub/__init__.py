"""enamel-hub: the practice hub's server. `enamel-hub serve --data-dir DIR [--host] [--port]`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from app.hub.keystores import add_key_store_option, hub_key_store
from services.clock import Clock, clock_from_option
from storage.argon2_gate import threads_total


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="enamel-hub", description="The Enamel practice hub.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    serve = sub.add_parser("serve", help="answer the practice's workstations over HTTPS")
    serve.add_argument("--data-dir", required=True, help="the hub's folder (enamel-admin hub init)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port", type=int, help="port (default: the one given at hub init; 0: any free one)"
    )
    serve.add_argument("--clock-start", help=argparse.SUPPRESS)
    add_key_store_option(serve)
    return parser


def stop_on_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """SIGTERM and SIGINT set `stop`: through the loop where it can, else `signal.signal`.

    Windows' event loops have no signal handlers (NotImplementedError). There a console Ctrl+C
    and the Windows service's Stop (app/windows_service.py interrupts the main thread as a
    SIGINT would) reach the Python handler, which wakes the loop from any thread.
    """
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))


async def _serve(args: argparse.Namespace, clock: Clock) -> int:
    from aiohttp import web

    from app.hub.server import make_app, tls_context
    from app.hub.setup import build_hub
    from app.logging_setup import configure_logging
    from services.hub.state import PORT
    from services.installation import open_installation
    from storage.layout import DataLayout

    layout = DataLayout(Path(args.data_dir))
    installation = open_installation(layout, hub_key_store(layout.root, args.key_store))
    # One database thread (one SQLCipher connection: every read and write in order) and, for
    # the Argon2 work of password checks alone, as many threads as Argon2 may use at once.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-db")
    hashing = ThreadPoolExecutor(max_workers=threads_total(), thread_name_prefix="hub-hash")
    try:
        configure_logging(layout.log_dir)
        loop = asyncio.get_running_loop()
        hub = await loop.run_in_executor(executor, lambda: build_hub(installation, clock))
        port = hub.config.port if args.port is None else args.port
        app = make_app(hub, executor, hashing)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, args.host, port, ssl_context=tls_context(hub))
        await site.start()
        actual = int(runner.addresses[0][1]) if runner.addresses else port
        if actual != hub.config.port:
            # Invitations made from now on carry the port workstations can reach.
            await loop.run_in_executor(
                executor,
                lambda: installation.settings.set(PORT, str(actual), clock.now()),
            )
        from app.hub.archive_job import start_hub_jobs

        # The archive job runs on its own thread: archive I/O never waits on (or holds) the
        # database thread that answers the workstations.
        from app.hub.practice_routes import practice

        def index_taken_back() -> None:  # batches the archive job took back from the archive
            executor.submit(lambda: practice(app)[0].catch_up())

        jobs = await loop.run_in_executor(
            executor, lambda: start_hub_jobs(installation, hub.trail, clock, index_taken_back)
        )
        stop = asyncio.Event()
        stop_on_signals(loop, stop)
        print(f"listening https://{args.host}:{actual}", flush=True)
        await stop.wait()
        await loop.run_in_executor(None, jobs.stop)
        await runner.cleanup()
        print("stopped", flush=True)
        return 0
    finally:
        hashing.shutdown(wait=True)
        executor.submit(installation.close).result()
        executor.shutdown(wait=True)


def main(argv: Sequence[str] | None = None, clock: Clock | None = None) -> int:
    from app.logging_setup import keep_off_the_console
    from errors import EnamelError

    keep_off_the_console()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        clock = clock or clock_from_option(args.clock_start)
    except ValueError as exc:
        print(f"enamel-hub: {exc}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_serve(args, clock))
    except EnamelError as exc:
        print(f"enamel-hub: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"enamel-hub: cannot listen: {exc.strerror}", file=sys.stderr)
        return 2


def run() -> None:
    sys.exit(main())
