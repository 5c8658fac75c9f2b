"""Screenshots of the front desk's schedule, from the real app on the demo.

Run under Xvfb:  xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots_schedule.py
Writes docs/screenshots/schedule-*.png: the day loading, the day, the appointment window,
the booking dialog and the help overlay at 1366x768; and at 1366x768 and 1920x1080 each
(issue 18) the day scrolled to the afternoon, the appointment window, a drag in progress,
the dentist's own day, the patient card and the no-show list with its filter in use.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

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


def mouse(view: QWidget, kind: QEvent.Type, at: QPointF) -> None:
    left = Qt.MouseButton.LeftButton
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else left
    event = QMouseEvent(
        kind, at, view.mapToGlobal(at), button, left, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(view, event)


def at_both_sizes(bot: Bot, running: object) -> None:
    """The issue-18 set, named schedule-<what>-<width>x<height>.png."""
    window = sign_in(bot, running, "frontdesk")
    page = window.page("schedule")
    settle(bot, page)
    page.next_button.click()  # a whole day ahead (the pinned afternoon is half past)
    settle(bot, page)
    for width, height in ((1366, 768), (1920, 1080)):
        size = f"{width}x{height}"
        window.open_page("schedule")
        window.resize(width, height)
        bot.wait(300)
        bar = page.scroll_area.verticalScrollBar()
        bar.setValue(bar.maximum())  # the afternoon: names and hours stay in view
        bot.wait(200)
        save(window, f"day-afternoon-{size}")
        model = page.view.model()
        key = next(b.key for b in model.blocks if b.status == "Scheduled" and b.start.hour >= 13)
        card = page.open_appointment(key)
        bot.waitUntil(lambda c=card: not c.loading)
        bot.wait(300)
        save_screen(window, f"appointment-{size}")
        card.close()
        bar.setValue(0)
        bot.wait(100)
        block = next(b for b in model.blocks if b.status == "Scheduled" and b.column <= 3)
        rect = page.view.block_rect(block.key)
        grab = QPointF(rect.center().x(), rect.top() + 3)
        target = page.view.slot_point(model.columns[4].key, block.start.hour * 60 + 60)
        mouse(page.view, QEvent.Type.MouseButtonPress, grab)
        for i in range(1, 7):
            mouse(page.view, QEvent.Type.MouseMove, grab + (target - grab) * (i / 6))
        bot.wait(200)
        save(window, f"drag-{size}")
        page.view._end_drag()  # called off: nothing moves
        lookup = window.open_page("patients")
        box = next(
            e
            for e in lookup.findChildren(QLineEdit)
            if e.accessibleName() == "Search for a patient"
        )
        first, last = block.title.split(" ", 1)  # a patient of the day: a last and next visit
        box.setText(f"{last}, {first}")
        lookup.reload()
        settle(bot, lookup)
        pat = running.sim.practice.appointments[block.key]["PatNum"]  # one of five of that name
        lookup.select_row(next(i for i, p in enumerate(lookup.model.rows) if p.pat_num == pat))
        lookup.action_buttons["Open card…"].click()
        bot.waitUntil(lambda p=lookup: p.card_dialog is not None and not p.card_dialog.loading)
        bot.wait(300)
        save_screen(window, f"patient-card-{size}")
        lookup.card_dialog.close()
        noshows = window.open_page("noshows")
        settle(bot, noshows)
        surname = (noshows.model.rows[0].appointment.patient_name or "").split()[-1]
        noshows.filter.setFocus()
        noshows.filter.setText(surname)
        bot.wait(200)
        noshows.select_row(0)
        bot.wait(200)
        save(window, f"noshows-filtered-{size}")
        noshows.filter.clear()
    running.shell.switch_user()
    bot.wait(300)
    window = sign_in(bot, running, "dentist")
    page = window.page("schedule")
    settle(bot, page)
    for width, height in ((1366, 768), (1920, 1080)):
        window.resize(width, height)
        bot.wait(300)
        save(window, f"my-day-dentist-{width}x{height}")
    running.shell.switch_user()
    bot.wait(200)


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
        at_both_sizes(bot, running)
        running.close()
        QApplication.processEvents()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
