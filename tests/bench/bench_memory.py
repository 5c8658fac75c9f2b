"""Resident memory with a day's schedule open (8 operatories x 60 appointments) vs a bare PySide6 window.

Run: .venv/bin/python -m tests.bench.bench_memory
Each side runs in its own process and reports VmRSS after the window has painted.
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
from tests.bench.bench_schedule import busy_day
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
end = time.time() + 30
while page.is_loading() and time.time() < end:
    app.processEvents(); time.sleep(0.01)
page.view.set_model(busy_day())
for _ in range(20):
    app.processEvents()
window.grab()
print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS')))
running.close()
"""


def _rss_kib(code: str) -> int:
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
    return int(out.stdout.strip().splitlines()[-1])


def run() -> dict[str, Any]:
    bare = _rss_kib(BARE) / 1024
    enamel = _rss_kib(ENAMEL) / 1024
    return {
        "enamel_mb": enamel,
        "bare_mb": bare,
        "rows": [
            {
                "name": "resident memory, day schedule open",
                "enamel": f"{enamel:.0f} MB",
                "floor": f"{bare:.0f} MB bare PySide6 window",
                "ratio": f"{enamel / bare:.2f}",
                "budget": "< 250 MB",
                "verdict": "ok" if enamel < 250 else "MISSES",
            }
        ],
    }


def main() -> None:
    r = run()
    print(
        f"Enamel with a day open: {r['enamel_mb']:.0f} MB; bare window: {r['bare_mb']:.0f} MB (budget < 250 MB)"
    )


if __name__ == "__main__":
    main()
