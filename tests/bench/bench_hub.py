"""The practice hub: sign-ins per second from 50 workstations, the latency it adds, its memory.

Run: .venv/bin/python -m tests.bench.bench_hub
Everything runs in a child process with a throw-away credential store. A real `enamel-hub
serve` process on 127.0.0.1 holds 100 enrolled accounts; 50 workstations join it (50 issued
certificates, one TLS connection each) and sign in concurrently, each its own person, through
AuthService over the hub's directory (password, then TOTP code: five directory calls).
The floor is the same AuthService sign-in on a local directory (LocalAccountDirectory) in the same process.
Both sides check the production password hash (Argon2id, what a real sign-in costs; the hub
rehashes any other to it) and leave the workstation's own audit write out, so the ratio is
what the hub adds to a real sign-in.
Budgets: throughput at least half of what every core hashing could do (cores / the CPU time of
one local sign-in, all its threads counted: the Argon2 check is the cost of a sign-in; the hub
also writes each accepted step to disk, synchronous=FULL), latency at most 1.5x the local
sign-in, and the hub's memory under 150 MB.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

WORKSTATIONS = 50
SIGN_INS_EACH = 8  # each a new TOTP step of that person, inside the hub's 10-step window
LATENCY_SAMPLES = 40
PASSWORD = "correct horse battery staple"


def _child() -> dict[str, Any]:
    import httpx

    from services.audit import AuditEvent, AuditTrail
    from services.audit.entry import AuditEntry
    from services.auth import passwords, totp
    from services.auth.local_directory import LocalAccountDirectory
    from services.auth.signin import AuthService
    from services.clock import ManualClock, SystemClock
    from services.installation import initialise, open_installation
    from storage.accounts_repo import AccountRecord, SqlAccountDirectory
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout
    from tests.hub import kit
    from tests.support import key_store

    cheap = passwords.HashParams(1, 8 * 1024, 1)
    hashed = passwords.hash_password(PASSWORD, passwords.PRODUCTION)

    class NullTrail(AuditTrail):
        """The workstation's own audit write, left out on both sides."""

        def __init__(self) -> None:
            pass

        def append_batch(
            self, events: Sequence[AuditEvent], pseudonyms: Any = ()
        ) -> list[AuditEntry]:
            return [AuditEntry(0, "{}", "") for _ in events]

    def fill(directory: SqlAccountDirectory, count: int, now: Any) -> list[tuple[str, str, str]]:
        people = []
        for i in range(count):
            user_id, login = f"user_bench{i:04d}", f"person{i:04d}"
            directory.create(AccountRecord(user_id, login, login, "front_desk", hashed, False, 0, 0,
                                           None, None, False, False, now, now, None))  # fmt: skip
            secret = totp.new_secret()
            directory.set_totp_secret(user_id, secret)
            directory.update(user_id, totp_enrolled=1)
            people.append((user_id, login, secret))
        return people

    def sign_in(
        auth: AuthService, clock: ManualClock, login: str, secret: str, advance: int = 0
    ) -> float:
        clock.advance(advance)  # a person's next sign-in is at their next TOTP step
        start = time.perf_counter()
        step = auth.check_password(login, PASSWORD)
        auth.check_code(step, totp.code_at(secret, clock.now()))
        return time.perf_counter() - start

    tmp = Path(tempfile.mkdtemp(prefix="enamel-bench-hub-"))
    system = SystemClock()
    start = system.now()
    # The floor: a local directory in this process.
    local = initialise(DataLayout(tmp / "local"), KeyringKeyStore(), kit.PRACTICE, system)
    local_dir = LocalAccountDirectory(local.installation.db, local.installation.database_key)
    local_people = fill(local_dir, LATENCY_SAMPLES, start)
    clock = ManualClock(start)
    local_auth = AuthService(local_dir, NullTrail(), clock, kit.PRACTICE, cheap)
    cpu_began = time.process_time()  # every thread's CPU: OpenSSL's Argon2 threads too
    floor = [sign_in(local_auth, clock, login, secret) for _, login, secret in local_people]
    local_cpu = (time.process_time() - cpu_began) / len(floor)
    local.installation.close()

    root = tmp / "hub"
    passphrase = kit.init_hub(root)
    hub_inst = open_installation(DataLayout(root), key_store(root))
    people = fill(SqlAccountDirectory(hub_inst.db, hub_inst.database_key),
                  WORKSTATIONS + LATENCY_SAMPLES, start)  # fmt: skip
    hub_inst.close()
    hub = kit.HubProcess(root, start)
    try:
        workstations = []
        for i in range(WORKSTATIONS):
            code = kit.invite(root, passphrase, f"PC-{i}", clock=system)
            workstations.append(kit.join(code, f"ws-bench-{i:02d}", f"PC-{i}"))
        with workstations[0].client() as c:
            hub_now = datetime.fromisoformat(c.get("/v1/health").json()["hub_time"])
        # Latency: one workstation, one sign-in at a time, each a different person.
        clock = ManualClock(hub_now)
        with workstations[0].client() as c:
            auth = AuthService(kit.RemoteDirectory(c), NullTrail(), clock, kit.PRACTICE, cheap)
            sign_in(auth, ManualClock(hub_now), *people[WORKSTATIONS + 0][1:])  # warm-up
            remote = [sign_in(auth, clock, login, secret)
                      for _, login, secret in people[WORKSTATIONS + 1:]]  # fmt: skip
        # Throughput: 50 workstations at once, each its own person.
        barrier = threading.Barrier(WORKSTATIONS + 1)
        errors: list[str] = []

        def desk(ws: kit.Workstation, person: tuple[str, str, str]) -> None:
            own = ManualClock(hub_now)
            with httpx.Client(base_url=ws.url, verify=ws.tls(), timeout=60) as c:
                auth = AuthService(kit.RemoteDirectory(c), NullTrail(), own, kit.PRACTICE, cheap)
                c.get("/v1/health")  # the TLS handshake before the clock starts
                barrier.wait()
                for _ in range(SIGN_INS_EACH):
                    try:
                        sign_in(auth, own, person[1], person[2], advance=30)
                    except Exception as exc:
                        errors.append(type(exc).__name__)

        threads = [threading.Thread(target=desk, args=(ws, people[i]))
                   for i, ws in enumerate(workstations)]  # fmt: skip
        for t in threads:
            t.start()
        barrier.wait()
        began = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        rss_kib = next(
            int(line.split()[1])
            for line in Path(f"/proc/{hub.proc.pid}/status").read_text().splitlines()
            if line.startswith("VmRSS")
        )
    finally:
        hub.stop()
    done = WORKSTATIONS * SIGN_INS_EACH - len(errors)
    return {
        "per_second": done / elapsed,
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "hub_ms": statistics.median(remote) * 1000,
        "local_ms": statistics.median(floor) * 1000,
        "local_cpu_ms": local_cpu * 1000,
        "hub_rss_mb": rss_kib / 1024,
    }


def run() -> dict[str, Any]:
    home = tempfile.mkdtemp(prefix="enamel-bench-keyring-")
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=home)  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_hub", "--child"],
        env=env, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    r: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    ratio = r["hub_ms"] / r["local_ms"]
    added = r["hub_ms"] - r["local_ms"]
    # The most a machine can do: every core busy with sign-ins at what one costs in CPU. One
    # Argon2 check already runs on min(lanes, cores) of OpenSSL's threads, so a sign-in's
    # CPU time, not its wall time, is what each core spends (the wall time over-counted the
    # floor by as much as those threads overlap: 1.1x to 1.45x measured on two cores).
    from storage.argon2_gate import cores

    bound = cores() / (r["local_cpu_ms"] / 1000)
    share = r["per_second"] / bound
    return {
        **r,
        "rows": [
            {
                "name": f"hub sign-ins per second, {WORKSTATIONS} workstations at once",
                "enamel": f"{r['per_second']:.1f} /s"
                + (f" ({r['errors']} failed)" if r["errors"] else ""),
                "floor": f"{bound:.1f} /s (every core busy, {r['local_cpu_ms']:.0f} ms CPU per "
                "local sign-in)",
                "ratio": f"{share:.2f}",
                "budget": ">= 0.5 of the floor",
                "verdict": "ok" if share >= 0.5 and not r["errors"] else "MISSES",
            },
            {
                "name": "sign-in latency at a workstation through the hub",
                "enamel": f"{r['hub_ms']:.1f} ms (+{added:.1f} ms)",
                "floor": f"{r['local_ms']:.1f} ms local directory",
                "ratio": f"{ratio:.1f}",
                "budget": "<= 1.5",
                "verdict": "ok" if ratio <= 1.5 else "MISSES",
            },
            {
                "name": "hub process resident memory after the run",
                "enamel": f"{r['hub_rss_mb']:.0f} MB",
                "floor": "",
                "ratio": "",
                "budget": "< 150 MB",
                "verdict": "ok" if r["hub_rss_mb"] < 150 else "MISSES",
            },
        ],
    }


def main() -> None:
    if "--child" in sys.argv:
        print(json.dumps(_child()), flush=True)
        return
    for row in run()["rows"]:
        print(f"{row['name']}: {row['enamel']}; floor {row['floor']} ({row['verdict']})")


if __name__ == "__main__":
    main()
