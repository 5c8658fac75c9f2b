"""Start a program under the current X display, wait for its window, save a screenshot, stop it.

    python tests/installer/grab_screen.py OUT.png TIMEOUT_S PROGRAM [ARGS...]

Used by test_package.py under xvfb-run: the program is the installed `enamel --demo`; this
helper only grabs the screen (X11 root window) with Qt, it does not run Enamel itself.
Exit code: 0 saved, 3 the window never appeared, 4 the program exited early.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    out, timeout, program = Path(argv[0]), float(argv[1]), argv[2:]
    env = dict(os.environ, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen(program, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(["grab"])
    screen = app.primaryScreen()
    root = screen.grabWindow(0).toImage().pixel(2, 2)  # the bare root window's colour
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                sys.stderr.write((proc.stderr.read() if proc.stderr else b"").decode()[-2000:])
                return 4
            if screen.grabWindow(0).toImage().pixel(2, 2) != root:  # a window is mapped at 0,0
                time.sleep(2.0)  # let the first PMS answers and fonts settle
                image = screen.grabWindow(0).toImage()
                # No window manager under Xvfb: crop to the window, not the whole screen.
                right = next(
                    (x for x in range(2, image.width()) if image.pixel(x, 2) == root),
                    image.width(),
                )
                bottom = next(
                    (y for y in range(2, image.height()) if image.pixel(2, y) == root),
                    image.height(),
                )
                image.copy(0, 0, right, bottom).save(str(out), "PNG")
                return 0
            time.sleep(0.25)
        return 3
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
