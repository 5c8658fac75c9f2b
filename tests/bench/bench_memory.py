"""Resident memory of a signed-in desk over 30 day loads through the PMS, vs a bare PySide6 window.

Run: .venv/bin/python -m tests.bench.bench_memory
Each side runs in its own process. Enamel's signs in on the demo (simulator over HTTP),
opens the schedule and presses "Next" 30 times, each day read through the PMS and drawn;
it reports VmRSS after the first, tenth and thirtieth day. Memory must stay under the
budget and flat: the growth from day 10 to day 30 is reported per day.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1366, 768); w.show(); app.processEvents()
print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS')))
"""

ENAMEL = """
import tempfile
from pathlib import Path
from PySide6.QtWidgets import QApplication
from tests.ui.desk_support import start_demo
running = start_demo(Path(tempfile.mkdtemp()) / "demo")
services = running.services
record = services.accounts.by_login("frontdesk")
step = services.auth.check_password("frontdesk", "demo-password-2026")
from services.auth import totp
session = services.auth.check_code(step, totp.code_at(services.accounts.totp_secret(record.user_id), services.clock.now()))
running.shell._start(session)
window = running.shell.window
window.resize(1366, 768)
page = window.page("schedule")
app = QApplication.instance()
import time

def rss():
    return next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS'))

def settle():
    end = time.time() + 30
    while (page.is_loading() or running.ops.busy()) and time.time() < end:
        app.processEvents(); time.sleep(0.005)
    for _ in range(5):
        app.processEvents()
    window.grab()

settle()
samples = {}
for day in range(1, 31):
    page.next_button.click()
    settle()
    if day in (1, 10, 30):
        samples[day] = rss()
print(samples[1], samples[10], samples[30])
running.close()
"""


def _rss_kib(code: str) -> list[int]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return [int(x) for x in out.stdout.strip().splitlines()[-1].split()]


def run() -> dict[str, Any]:
    bare = _rss_kib(BARE)[0] / 1024
    day1, day10, day30 = (kib / 1024 for kib in _rss_kib(ENAMEL))
    per_day = (day30 - day10) / 20
    ok = day30 < 250 and per_day < 0.5
    return {
        "enamel_mb": day30,
        "bare_mb": bare,
        "rows": [
            {
                "name": "resident memory, days opened through the PMS: 1 / 10 / 30",
                "enamel": f"{day1:.0f} / {day10:.0f} / {day30:.0f} MB ({per_day:+.2f} MB a day)",
                "floor": f"{bare:.0f} MB bare PySide6 window",
                "ratio": f"{day30 / bare:.2f}",
                "budget": "< 250 MB, flat",
                "verdict": "ok" if ok else "MISSES",
            }
        ],
    }


def main() -> None:
    for row in run()["rows"]:
        print(f"{row['name']}: {row['enamel']}; floor {row['floor']} ({row['verdict']})")


if __name__ == "__main__":
    main()
