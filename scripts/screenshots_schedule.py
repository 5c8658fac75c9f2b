"""Screenshots of the front desk's schedule at 1366x768, from the real app on the demo.

Run under Xvfb:  xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots_schedule.py
Writes docs/screenshots/schedule-*.png: the day loading, the day, the appointment window,
the booking dialog and the help overlay.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PySide6.QtWidgets import QApplication, QWidget

from scripts.screenshots import Bot, settle
from services.pms.simulator.server import Fault
from tests.ui.desk_support import sign_in, start_demo

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def save(widget: QWidget, name: str) -> None:
    widget.grab().save(str(OUT / f"schedule-{name}.png"))


def save_screen(window: QWidget, name: str) -> None:
    """The window with its dialogs over it, as the screen shows them."""
    screen = QApplication.primaryScreen()
    top = window.frameGeometry().topLeft()
    shot = screen.grabWindow(0, top.x(), top.y(), window.width(), window.height())
    shot.save(str(OUT / f"schedule-{name}.png"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    bot = Bot()
    with tempfile.TemporaryDirectory() as tmp:
        running = start_demo(Path(tmp) / "demo")
        window = sign_in(bot, running, "frontdesk")
        window.resize(1366, 768)
        page = window.page("schedule")
        settle(bot, page)
        assert running.sim is not None
        running.sim.inject(Fault(r"^/api/v1/appointments\?", "latency", times=1, seconds=2.0))
        page.next_button.click()
        bot.wait(400)
        save(window, "loading-1366")
        settle(bot, page)
        page.prev_button.click()
        settle(bot, page)
        save(window, "day-1366")
        model = page.view.model()
        key = next(b.key for b in model.blocks if b.status == "Scheduled" and b.start.hour >= 9)
        card = page.open_appointment(key)
        bot.waitUntil(lambda: not card.loading)
        bot.wait(300)
        save_screen(window, "appointment-1366")
        card.close()
        page.next_button.click()
        settle(bot, page)
        busy = next(b for b in page.view.model().blocks if b.column == 2 and b.start.hour >= 10)
        page._book_at(1, busy.start.hour * 60 + busy.start.minute)  # DrA is busy in Op 2 then
        bot.waitUntil(lambda: page.flows.dialog is not None)
        dialog = page.flows.dialog
        dialog.prov_box.setCurrentIndex(dialog.prov_box.findData(1))
        dialog.search_edit.setText("Brightwater")
        dialog.search()
        bot.waitUntil(lambda: dialog.results.count() > 0 and not dialog.checking)
        dialog.results.setCurrentRow(0)
        bot.wait(300)
        save_screen(window, "booking-refused-1366")
        dialog.use_offer()
        bot.waitUntil(lambda: not dialog.checking)
        bot.wait(300)
        save_screen(window, "booking-1366")
        dialog.reject()
        page.prev_button.click()
        settle(bot, page)
        window.show_help()
        bot.wait(300)
        save_screen(window, "help-1366")
        window.help.accept()
        running.shell.switch_user()
        bot.wait(200)
        running.close()
        QApplication.processEvents()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
