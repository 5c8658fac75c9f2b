"""Screenshots of every desk screen at 1366x768 and 1920x1080, from the real app on the demo.

Run under Xvfb:  xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots.py
Writes docs/screenshots/desk-<screen>-<width>.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PySide6.QtWidgets import QApplication

from tests.ui.desk_support import sign_in, start_demo

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


class Bot:
    """Just enough of pytest-qt's qtbot for desk_support.sign_in."""

    def wait(self, ms: int) -> None:
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.01)

    def waitUntil(self, predicate: object, timeout: int = 10000) -> None:
        end = time.monotonic() + timeout / 1000
        while not predicate():  # type: ignore[operator]
            if time.monotonic() > end:
                raise TimeoutError("screen did not get ready")
            self.wait(20)


def settle(bot: Bot, page: object) -> None:
    loading = getattr(page, "is_loading", None)
    bot.waitUntil(lambda: not (loading() if loading else getattr(page, "loading", False)), 30000)
    bot.wait(300)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    bot = Bot()
    with tempfile.TemporaryDirectory() as tmp:
        running = start_demo(Path(tmp) / "demo")
        sign_in_window = running.shell.sign_in
        for width, height in ((1366, 768), (1920, 1080)):
            sign_in_window.resize(width, height)
            bot.wait(300)
            sign_in_window.grab().save(str(OUT / f"desk-signin-{width}.png"))
        for login, keys in (
            ("frontdesk", None),
            ("dentist", ["schedule", "conflicts"]),
            ("manager", ["users"]),
        ):
            window = sign_in(bot, running, login)
            for width, height in ((1366, 768), (1920, 1080)):
                window.resize(width, height)
                for key in keys or window.page_keys():
                    page = window.open_page(key)
                    if key == "patients":
                        page.findChild(type(page.refresh_button.parent()))  # keep the page alive
                        from PySide6.QtWidgets import QLineEdit

                        box = page.findChild(QLineEdit)
                        if box is not None:
                            box.setText("Brightwater")
                            page.reload()
                    settle(bot, page)
                    if key in ("noshows", "recall", "insurance", "users") and page.model.rows:
                        page.select_row(0)
                    bot.wait(200)
                    window.grab().save(str(OUT / f"desk-{login}-{key}-{width}.png"))
            if login == "frontdesk":
                window.resize(1366, 768)
                running.shell.lock_now()
                bot.wait(300)
                window.grab().save(str(OUT / "desk-lock-1366.png"))
            running.shell.switch_user()
            bot.wait(300)
        running.close()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
