"""Screenshots of the demo's first minute: its sign-in and code screens with the demo hint
(docs/screenshots/demo-sign-in.png, demo-code.png) and the desk once signed in (demo-signed-in.png).

Run: xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots_demo.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PySide6.QtWidgets import QApplication

from app.gui import make_qapp, open_or_create, parse_args, start
from services.auth.demo import DEMO_PASSWORD
from services.clock import ManualClock

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> None:
    make_qapp()
    clock = ManualClock()
    with tempfile.TemporaryDirectory() as tmp:
        args = parse_args(["--demo", "--data-dir", tmp])
        installation, _ = open_or_create(args, clock)
        running = start(args, installation, clock)
        window = running.shell.sign_in

        def settle() -> None:
            while running.ops.busy():
                QApplication.processEvents()
            for _ in range(20):
                QApplication.processEvents()

        def shot(name: str) -> None:
            settle()
            window.grab().save(str(OUT / f"demo-{name}.png"))

        shot("sign-in")
        window.password.user_edit.setText("frontdesk")
        window.password.password_edit.setText(DEMO_PASSWORD)
        window.password.sign_in_button.click()
        settle()
        shot("code")
        code = window.code.hint.text().split("code right now: <b>")[1][:7].replace(" ", "")
        window.code.code_edit.setText(code)
        window.code.verify_button.click()
        settle()
        if running.shell.window is not None:  # signed in with the code the screen showed
            running.shell.window.grab().save(str(OUT / "demo-signed-in.png"))
        running.close()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
