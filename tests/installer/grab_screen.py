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


def _window_box(image: object, root: int) -> tuple[int, int, int, int] | None:
    """The bounding box of what is not bare root window (a main window at 0,0, or a
    dialog that Qt centred on the screen), sampled on a coarse grid."""
    width, height = image.width(), image.height()  # type: ignore[attr-defined]
    xs = [x for x in range(0, width, 8) for y in range(0, height, 8) if image.pixel(x, y) != root]  # type: ignore[attr-defined]
    if not xs:
        return None
    ys = [y for y in range(0, height, 8) for x in range(0, width, 8) if image.pixel(x, y) != root]  # type: ignore[attr-defined]
    left, top = max(min(xs) - 8, 0), max(min(ys) - 8, 0)
    return left, top, min(max(xs) + 8, width) - left, min(max(ys) + 8, height) - top


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
            image = screen.grabWindow(0).toImage()
            box = _window_box(image, root)
            if box is not None:
                time.sleep(2.0)  # let the first PMS answers and fonts settle
                image = screen.grabWindow(0).toImage()
                box = _window_box(image, root) or box
                # No window manager under Xvfb: crop to the window, not the whole screen.
                image.copy(*box).save(str(out), "PNG")
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
