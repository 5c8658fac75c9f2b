"""The day view's operatory names and time axis stay in view when the afternoon or the
last chairs are scrolled to (issue 18), in the real schedule against the demo's simulator:
the strips shown are pixel for pixel those shown before scrolling, and a click on them
is not a click on the block scrolled beneath."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QScrollArea

from app.gui import Running
from tests.ui.test_schedule_booking import tomorrow
from ui.schedule.day_view import AXIS_WIDTH, HEADER_HEIGHT, MIN_COLUMN_WIDTH, DayView
from ui.schedule.page import SchedulePage

pytestmark = pytest.mark.ui


def shown(page: SchedulePage) -> QImage:
    """What the person sees of the grid: the scroll area's viewport."""
    return page.scroll_area.viewport().grab().toImage()


def strip(image: QImage, x: int, y: int, w: int, h: int) -> QImage:
    return image.copy(x, y, w, h)


def test_the_operatory_names_stay_at_the_top_in_the_afternoon(qtbot: Any, running: Running) -> None:
    page = tomorrow(qtbot, running)
    page.window().resize(1366, 768)
    qtbot.wait(50)
    bar = page.scroll_area.verticalScrollBar()
    assert bar.maximum() > HEADER_HEIGHT * 4, "the day is taller than the window at 1366x768"
    bar.setValue(0)
    qtbot.wait(20)
    width = page.scroll_area.viewport().width()
    before = strip(shown(page), 0, 0, width, HEADER_HEIGHT)
    model = page.view.model()
    assert model is not None
    # The afternoon, scrolled to so that a long appointment runs beneath the names.
    rects = [(r, b) for b in model.blocks if (r := page.view.block_rect(b.key)) is not None]
    rect, block = max(
        (
            (r, b)
            for r, b in rects
            if r.height() > HEADER_HEIGHT + 20 and r.top() + 5 <= bar.maximum()
        ),
        key=lambda rb: rb[0].top(),
    )
    bar.setValue(int(rect.top()) + 5)
    qtbot.wait(20)
    after = shown(page)
    top = page.view.header_top()
    assert top == bar.value()
    assert strip(after, 0, 0, width, HEADER_HEIGHT) == before
    # The rows below the header are the afternoon's, not the morning's.
    morning = shown_top(page)
    assert strip(after, 0, HEADER_HEIGHT, width, 40) != strip(morning, 0, HEADER_HEIGHT, width, 40)
    # The block beneath the names is not chosen by a click on them; just below, it is.
    x = int(rect.center().x())
    page.view.select(None)
    qtbot.mouseClick(page.view, Qt.MouseButton.LeftButton, pos=QPoint(x, top + HEADER_HEIGHT // 2))
    assert page.view.selected() is None
    qtbot.mouseClick(page.view, Qt.MouseButton.LeftButton, pos=QPoint(x, top + HEADER_HEIGHT + 4))
    assert page.view.selected() == block.key


def shown_top(page: SchedulePage) -> QImage:
    bar = page.scroll_area.verticalScrollBar()
    value = bar.value()
    bar.setValue(0)
    image = shown(page)
    bar.setValue(value)
    return image


def test_the_time_axis_stays_at_the_left_when_the_last_chairs_are_scrolled_to(
    qtbot: Any, running: Running
) -> None:
    page = tomorrow(qtbot, running)
    model = page.view.model()
    assert model is not None
    # The desk is never narrower than eight chairs; a smaller grid of the same day shows
    # what a practice with more chairs than fit sees.
    area = QScrollArea()
    area.setWidgetResizable(True)
    view = DayView()
    area.setWidget(view)
    qtbot.addWidget(area)
    area.resize(700, 500)
    area.show()
    view.set_model(model)
    qtbot.wait(50)
    across = area.horizontalScrollBar()
    assert across.maximum() > AXIS_WIDTH
    area.verticalScrollBar().setValue(200)
    across.setValue(0)
    qtbot.wait(20)
    height = area.viewport().height()
    before = area.viewport().grab().toImage()
    across.setValue(across.maximum())
    qtbot.wait(20)
    after = area.viewport().grab().toImage()
    assert view.axis_left() == across.value()
    assert strip(after, 0, 0, AXIS_WIDTH, height) == strip(before, 0, 0, AXIS_WIDTH, height)
    assert strip(after, AXIS_WIDTH, 0, 300, height) != strip(before, AXIS_WIDTH, 0, 300, height)
    # Nothing is cut off: the last chair is reachable, whole.
    last = view.slot_point(model.columns[-1].key, model.open_minute + 300)
    assert view.visible_rect().contains(QPoint(int(last.x()), view.header_top() + 5))
    assert view.width() >= AXIS_WIDTH + MIN_COLUMN_WIDTH * len(model.columns)
