"""Cold start to an interactive sign-in window, against a bare PySide6 window process.

Run: .venv/bin/python -m tests.bench.bench_startup
Both run offscreen, in turn, seven times each after a warm-up: the median wall time from spawn
to the first frame ("shown") and to "ready", and the median of the pair-by-pair ratios.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support import passphrase_from

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(900, 640); w.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""


def _env(home: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
            "XDG_DATA_HOME": home,
        }
    )
    return env


def _marks_once(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from spawn to each line the process prints ("shown", "ready")."""
    seen: dict[str, float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        mark = line.strip()
        if mark in ("shown", "ready"):
            seen.setdefault(mark, time.perf_counter() - start)
    proc.wait(timeout=120)
    if "ready" not in seen:
        raise RuntimeError(f"did not start: {proc.stderr.read()[-500:] if proc.stderr else ''}")
    return seen


def _paired(
    enamel: list[str], bare: list[str], env: dict[str, str], runs: int = 7
) -> dict[str, float]:
    """Enamel and the bare window in turn (one warm-up each), medians and the median of the
    pair-by-pair ratios: a machine whose load drifts slows both sides of a pair alike."""
    _marks_once(bare, env), _marks_once(enamel, env)
    shown, ready, floor, ratios = [], [], [], []
    for _ in range(runs):
        b = _marks_once(bare, env)["ready"]  # the bare window prints "ready" once shown
        e = _marks_once(enamel, env)
        shown.append(e["shown"])
        ready.append(e["ready"])
        floor.append(b)
        ratios.append(e["shown"] / b)
    return {
        "shown": statistics.median(shown),
        "ready": statistics.median(ready),
        "bare": statistics.median(floor),
        "ratio": statistics.median(ratios),
        "ready_ratio": statistics.median(r / b for r, b in zip(ready, floor, strict=True)),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(tmp)
        data = str(Path(tmp) / "enamel")
        init = subprocess.run(
            [sys.executable, "-m", "app.cli", "--data-dir", data, "init", "--practice-id", "bench"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "app.cli",
                "--data-dir",
                data,
                "user",
                "add",
                "maria",
                "--role",
                "office_manager",
                "--password-stdin",
                "--recovery-passphrase-stdin",  # the first account: IT's set-up
            ],
            input=f"{passphrase_from(init.stdout)}\na long bench password\n",
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        marks = _paired(
            [
                sys.executable,
                "-c",
                "from app.gui import main; raise SystemExit(main())",
                "--data-dir",
                data,
                "--exit-when-ready",
            ],
            [sys.executable, "-c", BARE],
            env,
        )
    shown, enamel, bare, ratio = marks["shown"], marks["ready"], marks["bare"], marks["ratio"]
    return {
        "enamel_s": shown,
        "ready_s": enamel,
        "bare_s": bare,
        "ratio": ratio,
        "rows": [
            {
                "name": "cold start to the sign-in window's first frame",
                "enamel": f"{shown:.2f} s",
                "floor": f"{bare:.2f} s bare PySide6 window",
                "ratio": f"{ratio:.2f}",
                "budget": "<= 1.5x bare",
                "verdict": "ok" if ratio <= 1.5 else "MISSES",
            },
            {
                "name": "cold start until sign-in is accepted (database open, services built)",
                "enamel": f"{enamel:.2f} s",
                "floor": f"{bare:.2f} s bare PySide6 window",
                "ratio": f"{marks['ready_ratio']:.2f}",
                "budget": "(none: after the first frame)",
                "verdict": "",
            },
        ],
    }


def main() -> None:
    r = run()
    print(
        f"Enamel to the sign-in window's first frame: {r['enamel_s']:.2f} s "
        f"(accepting sign-in at {r['ready_s']:.2f} s); bare PySide6 window: {r['bare_s']:.2f} s; "
        f"ratio {r['ratio']:.2f} (budget <= 1.5)"
    )


if __name__ == "__main__":
    main()
