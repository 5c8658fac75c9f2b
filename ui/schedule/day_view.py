"""The day grid: one column per operatory, a time axis, blocks sized by length and coloured by state."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QMoveEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

from ui.schedule.model import Block, DayModel

AXIS_WIDTH = 84
HEADER_HEIGHT = 34
PX_PER_MINUTE = 1.6
MIN_COLUMN_WIDTH = 120

# Status colours chosen to read well and to be told apart without colour too (a label
# is drawn on broken and complete blocks).
FILL = {
    "Scheduled": QColor("#dbeafe"),
    "Confirmed": QColor("#dcfce7"),
    "Complete": QColor("#e5e7eb"),
    "Broken": QColor("#fee2e2"),
    "ASAP": QColor("#ffedd5"),
}
EDGE = {
    "Scheduled": QColor("#2563eb"),
    "Confirmed": QColor("#16a34a"),
    "Complete": QColor("#6b7280"),
    "Broken": QColor("#dc2626"),
    "ASAP": QColor("#ea580c"),
}


def state_of(block: Block) -> str:
    if block.status in ("Broken", "Complete", "ASAP"):
        return block.status
    return "Confirmed" if block.confirmed else "Scheduled"


class DayView(QWidget):
    """Paints the whole day in one pass; hundreds of blocks stay fast."""

    blockActivated = Signal(int)  # the block's key (Enter or double-click)
    selectionChanged = Signal(int)
    slotActivated = Signal(int, int)  # column key, minute of day: double-click on free time
    # block key (0 on free time), column key, minute of day, where (global)
    contextRequested = Signal(int, int, int, QPoint)
    # block key, column key, minute of day of its new start: a block dragged and let go
    blockDropped = Signal(int, int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Day schedule")
        self._model: DayModel | None = None
        self._rects: list[tuple[QRectF, Block]] = []
        self._selected: int | None = None
        self._column_index: dict[int, int] = {}
        self._message = "No schedule loaded"
        self._loading = False
        self._slot: tuple[int, int] | None = None  # free time clicked: (column key, minute)
        self._now: datetime | None = None  # the practice's wall time, for the "now" line
        self._draggable = False
        self._press: tuple[int, QPointF, float] | None = None  # key, where, minutes into it
        self._drag: tuple[Block, int, int] | None = None  # block, column key, new start minute

    # -- data ------------------------------------------------------------------

    def set_model(self, model: DayModel | None, message: str = "No schedule loaded") -> None:
        """Show `model`, or, without one, an empty grid that says `message`."""
        self._model = model
        self._message = message
        self._loading = False
        self._slot = None
        self._selected = None
        self._press = self._drag = None  # a new day ends any drag of the old one
        self._column_index = {c.key: i for i, c in enumerate(model.columns)} if model else {}
        # A day is as tall as its hours; an empty grid fills the space it is given.
        vertical = QSizePolicy.Policy.Fixed if model else QSizePolicy.Policy.Expanding
        self.setSizePolicy(QSizePolicy.Policy.Expanding, vertical)
        # As wide as its chairs at their narrowest: more chairs than fit scroll sideways
        # (the time axis stays), rather than being cut off at the window's edge.
        self.setMinimumSize(self.sizeHint() if model else QSize(0, 0))
        self.updateGeometry()
        self._layout_blocks()
        self.update()

    def show_loading(self, message: str) -> None:
        """Empty the grid at once (nothing of the day before stays) and say what is coming."""
        self.set_model(None, message)
        self._loading = True
        self.setAccessibleDescription(message)
        self.update()

    def is_loading(self) -> bool:
        return self._loading

    def message(self) -> str:
        """What the grid says when it shows no day ("" while it shows one)."""
        return "" if self._model is not None else self._message

    def model(self) -> DayModel | None:
        return self._model

    def set_now(self, now: datetime | None) -> None:
        self._now = now
        self.update()

    def now_minute(self) -> int | None:
        """Where the "now" line is drawn (minute of day), or None when the day is not today."""
        if self._now is None or self._model is None or self._model.day != self._now.date():
            return None
        return self._now.hour * 60 + self._now.minute

    def tooltip_at(self, pos: QPointF) -> str:
        """The whole of a block's text (a block cuts it short) with its time."""
        key = self.block_at(pos)
        block = self._block(key) if key is not None else None
        if block is None:
            return ""
        lines = [block.title, block.detail, f"{block.start:%H:%M}, {block.minutes} minutes"]
        return "\n".join(x for x in lines if x)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def selected(self) -> int | None:
        return self._selected

    def set_draggable(self, on: bool) -> None:
        """Blocks may be dragged to another time or operatory (the page decides: a role
        that may move appointments, in the day view)."""
        self._draggable = on
        if not on:
            self._end_drag()

    def drag_target(self) -> tuple[int, int, int] | None:
        """(block key, column key, new start minute) while a block is dragged."""
        if self._drag is None:
            return None
        block, column, minute = self._drag
        return block.key, column, minute

    def select(self, key: int | None) -> None:
        self._select(key)

    def sizeHint(self) -> QSize:
        if self._model is None:
            return QSize(600, 400)
        minutes = self._model.close_minute - self._model.open_minute
        width = AXIS_WIDTH + MIN_COLUMN_WIDTH * max(1, len(self._model.columns))
        return QSize(width, HEADER_HEIGHT + int(minutes * PX_PER_MINUTE) + 8)

    # -- geometry ----------------------------------------------------------------

    def visible_rect(self) -> QRect:
        """The part of the day the scroll area shows (all of it outside one)."""
        parent = self.parentWidget()
        if parent is None:
            return self.rect()
        return QRect(self.mapFrom(parent, QPoint(0, 0)), parent.size()).intersected(self.rect())

    def header_top(self) -> int:
        """Where the operatory names are drawn: the top of what is shown, so they stay in
        view in the afternoon."""
        return self.visible_rect().top()

    def axis_left(self) -> int:
        """Where the time axis is drawn: the left of what is shown."""
        return self.visible_rect().left()

    def _under_margins(self, pos: QPointF) -> bool:
        """On the header or the time axis, which cover the blocks scrolled beneath them."""
        top, left = self.header_top(), self.axis_left()
        return (
            pos.y() < HEADER_HEIGHT
            or top <= pos.y() < top + HEADER_HEIGHT
            or pos.x() < AXIS_WIDTH
            or left <= pos.x() < left + AXIS_WIDTH
        )

    def _column_width(self) -> float:
        n = max(1, len(self._model.columns) if self._model else 1)
        return max(float(MIN_COLUMN_WIDTH), (self.width() - AXIS_WIDTH) / n)

    def _y(self, minute_of_day: float) -> float:
        assert self._model is not None
        return HEADER_HEIGHT + (minute_of_day - self._model.open_minute) * PX_PER_MINUTE

    def _layout_blocks(self) -> None:
        self._rects = []
        if self._model is None:
            return
        width = self._column_width()
        # Blocks that overlap in one column share its width side by side.
        by_column: dict[int, list[Block]] = {}
        for block in self._model.blocks:
            by_column.setdefault(block.column, []).append(block)
        for column, blocks in by_column.items():
            index = self._column_index.get(column)
            if index is None:
                continue
            blocks.sort(key=lambda b: b.start)
            lanes: list[float] = []  # end minute of the last block in each lane
            placed: list[tuple[Block, int]] = []
            for b in blocks:
                start = b.start.hour * 60 + b.start.minute
                lane = next((i for i, end in enumerate(lanes) if end <= start), None)
                if lane is None:
                    lanes.append(0)
                    lane = len(lanes) - 1
                lanes[lane] = start + b.minutes
                placed.append((b, lane))
            lane_width = width / max(1, len(lanes))
            for b, lane in placed:
                start = b.start.hour * 60 + b.start.minute
                x = AXIS_WIDTH + index * width + lane * lane_width + 2
                y = self._y(start) + 1
                h = max(b.minutes * PX_PER_MINUTE - 2, 10.0)
                self._rects.append((QRectF(x, y, lane_width - 4, h), b))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout_blocks()

    def moveEvent(self, event: QMoveEvent) -> None:
        # Scrolling moves this widget; the header and the axis are drawn where the view
        # now is, so the whole of what is shown is painted again (not the blitted copy).
        super().moveEvent(event)
        self.update()

    # -- painting ---------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), QColor("#ffffff"))
        if self._model is None:
            self._paint_placeholder(painter)
            return
        self._paint_grid(painter, event.rect())
        if self._slot is not None and self._slot[0] in self._column_index:
            width = self._column_width()
            x = AXIS_WIDTH + self._column_index[self._slot[0]] * width
            painter.setPen(QPen(QColor("#2563eb"), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(37, 99, 235, 24))
            painter.drawRect(QRectF(x + 2, self._y(self._slot[1]), width - 4, 30 * PX_PER_MINUTE))
        self._paint_blocks(painter, event.rect())
        self._paint_drag(painter)
        self._paint_axis(painter)
        minute = self.now_minute()
        if minute is not None and self._model.open_minute <= minute <= self._model.close_minute:
            y = self._y(minute)
            left = self.axis_left()
            painter.setPen(QPen(QColor("#dc2626"), 2))
            painter.drawLine(QPointF(left + AXIS_WIDTH - 6, y), QPointF(self.width(), y))
            painter.setBrush(QColor("#dc2626"))
            painter.drawEllipse(QPointF(left + AXIS_WIDTH - 6, y), 4, 4)
        self._paint_header(painter)

    def _paint_drag(self, painter: QPainter) -> None:
        """The dragged block's shadow where it would go, with the time and chair in words."""
        if self._drag is None or self._model is None:
            return
        block, column, minute = self._drag
        index = self._column_index.get(column)
        if index is None:
            return
        width = self._column_width()
        rect = QRectF(
            AXIS_WIDTH + index * width + 2,
            self._y(minute) + 1,
            width - 4,
            max(block.minutes * PX_PER_MINUTE - 2, 10.0),
        )
        painter.setPen(QPen(QColor("#1d4ed8"), 2, Qt.PenStyle.DashLine))
        painter.setBrush(QColor(37, 99, 235, 60))
        painter.drawRoundedRect(rect, 4, 4)
        title = next((c.title for c in self._model.columns if c.key == column), "")
        label = f"Move to {minute // 60:02d}:{minute % 60:02d} · {title}"
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        metrics = QFontMetrics(bold)
        # The words may be wider than a chair: the tag overhangs to the right (or left).
        tag_width = metrics.horizontalAdvance(label) + 14
        left = min(rect.left(), self.width() - tag_width - 2.0)
        tag = QRectF(left, rect.top() - metrics.height() - 6, tag_width, metrics.height() + 6)
        if tag.top() < self.header_top() + HEADER_HEIGHT:
            tag.moveTop(rect.bottom() + 2)
        origin = self.block_rect(block.key)
        if origin is not None:  # where it was, greyed while it is dragged
            painter.fillRect(origin, QColor(255, 255, 255, 150))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#1d4ed8"))
        painter.drawRoundedRect(tag, 3, 3)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(
            tag.adjusted(6, 0, -4, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            label,
        )

    def _paint_placeholder(self, painter: QPainter) -> None:
        """Loading or failed: grey bars where blocks would be, never another day's blocks."""
        if self._loading:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#f1f5f9"))
            width = max(MIN_COLUMN_WIDTH, (self.width() - AXIS_WIDTH) // 6)
            for row in range(8):
                for col in range(6):
                    if (row + col) % 3 == 0:
                        continue
                    x = AXIS_WIDTH + col * width + 4
                    painter.drawRoundedRect(QRectF(x, 48 + row * 56, width - 8, 44), 4, 4)
        font = QFont(self.font())
        font.setPointSizeF(self.font().pointSizeF() + 2)
        painter.setFont(font)
        painter.setPen(QColor("#334155" if self._loading else "#6b7280"))
        painter.drawText(
            self.rect().adjusted(20, 0, -20, 0),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._message,
        )

    def _paint_grid(self, painter: QPainter, clip: QRect) -> None:
        assert self._model is not None
        width = self._column_width()
        hour_pen = QPen(QColor("#d1d5db"))
        quarter_pen = QPen(QColor("#f3f4f6"))
        for minute in range(self._model.open_minute, self._model.close_minute + 1, 15):
            y = int(self._y(minute))
            if y < clip.top() - 20 or y > clip.bottom() + 20:
                continue
            painter.setPen(hour_pen if minute % 60 == 0 else quarter_pen)
            painter.drawLine(AXIS_WIDTH, y, self.width(), y)
        painter.setPen(QPen(QColor("#e5e7eb")))
        for i in range(len(self._model.columns) + 1):
            x = int(AXIS_WIDTH + i * width)
            painter.drawLine(x, HEADER_HEIGHT, x, self.height())

    def _paint_axis(self, painter: QPainter) -> None:
        """The hours, over whatever is scrolled beneath them on the left."""
        assert self._model is not None
        left, shown = self.axis_left(), self.visible_rect()
        painter.fillRect(QRect(left, shown.top(), AXIS_WIDTH, shown.height()), QColor("#ffffff"))
        painter.setPen(QColor("#e5e7eb"))
        painter.drawLine(left + AXIS_WIDTH, shown.top(), left + AXIS_WIDTH, shown.bottom())
        label_font = QFont(self.font())
        label_font.setPointSizeF(max(8.0, self.font().pointSizeF() - 1))
        painter.setFont(label_font)
        first_hour = -(-self._model.open_minute // 60) * 60
        for minute in range(first_hour, self._model.close_minute + 1, 60):
            y = int(self._y(minute))
            if y < shown.top() - 20 or y > shown.bottom() + 20:
                continue
            painter.setPen(QPen(QColor("#d1d5db")))
            painter.drawLine(left + AXIS_WIDTH - 8, y, left + AXIS_WIDTH, y)
            painter.setPen(QColor("#374151"))
            hour = minute // 60
            label = f"{(hour - 1) % 12 + 1}:00 {'am' if hour < 12 else 'pm'}"
            painter.drawText(
                QRect(left + 4, y - 2, AXIS_WIDTH - 14, 18), Qt.AlignmentFlag.AlignRight, label
            )

    def _paint_header(self, painter: QPainter) -> None:
        """The operatory names, at the top of what is shown whatever the scroll."""
        assert self._model is not None
        width = self._column_width()
        top = self.header_top()
        painter.fillRect(QRect(0, top, self.width(), HEADER_HEIGHT), QColor("#f8fafc"))
        painter.setPen(QColor("#cbd5e1"))
        painter.drawLine(0, top + HEADER_HEIGHT - 1, self.width(), top + HEADER_HEIGHT - 1)
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        metrics = QFontMetrics(bold)
        painter.setPen(QColor("#111827"))
        for i, column in enumerate(self._model.columns):
            rect = QRect(int(AXIS_WIDTH + i * width) + 6, top, int(width) - 12, HEADER_HEIGHT)
            text = metrics.elidedText(column.title, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        # The corner over the time axis: names scrolled left pass beneath it.
        corner = QRect(self.axis_left(), top, AXIS_WIDTH, HEADER_HEIGHT - 1)
        painter.fillRect(corner, QColor("#f8fafc"))

    def _paint_blocks(self, painter: QPainter, clip: QRect) -> None:
        title_font = QFont(self.font())
        title_font.setBold(True)
        detail_font = QFont(self.font())
        detail_font.setPointSizeF(max(8.0, self.font().pointSizeF() - 1))
        title_metrics = QFontMetrics(title_font)
        detail_metrics = QFontMetrics(detail_font)
        line = title_metrics.height()
        clip_f = QRectF(clip)
        for rect, block in self._rects:
            if not rect.intersects(clip_f):
                continue
            state = state_of(block)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(FILL[state])
            painter.drawRoundedRect(rect, 4, 4)
            painter.fillRect(QRectF(rect.left(), rect.top(), 4, rect.height()), EDGE[state])
            if block.key == self._selected:
                painter.setPen(QPen(QColor("#111827"), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
            inner = rect.adjusted(8, 2, -4, -2).toRect()
            if inner.height() < line - 4:
                continue
            painter.setPen(QColor("#111827"))
            painter.setFont(title_font)
            title = block.title if state not in ("Broken",) else f"{block.title} · no-show"
            painter.drawText(
                QRect(inner.left(), inner.top(), inner.width(), line),
                Qt.AlignmentFlag.AlignLeft,
                title_metrics.elidedText(title, Qt.TextElideMode.ElideRight, inner.width()),
            )
            if block.detail and inner.height() >= line * 2:
                painter.setFont(detail_font)
                painter.setPen(QColor("#374151"))
                painter.drawText(
                    QRect(inner.left(), inner.top() + line, inner.width(), line),
                    Qt.AlignmentFlag.AlignLeft,
                    detail_metrics.elidedText(
                        block.detail, Qt.TextElideMode.ElideRight, inner.width()
                    ),
                )

    # -- interaction --------------------------------------------------------------

    def _select(self, key: int | None) -> None:
        if key != self._selected:
            self._selected = key
            self.update()
            if key is not None:
                self.selectionChanged.emit(key)

    def block_at(self, pos: QPointF) -> int | None:
        if self._under_margins(pos):
            return None
        return next((b.key for r, b in self._rects if r.contains(pos)), None)

    def block_rect(self, key: int) -> QRectF | None:
        return next((r for r, b in self._rects if b.key == key), None)

    def slot_at(self, pos: QPointF) -> tuple[int, int] | None:
        """(column key, minute of day rounded down to 5) under `pos`, or None off the grid."""
        if self._model is None or self._under_margins(pos):
            return None
        index = int((pos.x() - AXIS_WIDTH) // self._column_width())
        if index >= len(self._model.columns):
            return None
        minute = self._model.open_minute + (pos.y() - HEADER_HEIGHT) / PX_PER_MINUTE
        if minute >= self._model.close_minute:
            return None
        return self._model.columns[index].key, int(minute) - int(minute) % 5

    def slot_point(self, column_key: int, minute: int) -> QPointF:
        """The middle of a column at `minute` (for tests and keyboard use)."""
        width = self._column_width()
        return QPointF(
            AXIS_WIDTH + self._column_index[column_key] * width + width / 2, self._y(minute) + 2
        )

    def selected_slot(self) -> tuple[int, int] | None:
        return self._slot

    def _minute_at(self, y: float) -> float:
        assert self._model is not None
        return self._model.open_minute + (y - HEADER_HEIGHT) / PX_PER_MINUTE

    def mousePressEvent(self, event: QMouseEvent) -> None:
        key = self.block_at(event.position())
        self._select(key)
        self._slot = None if key is not None else self.slot_at(event.position())
        self._end_drag()
        block = self._block(key) if key is not None else None
        if self._draggable and block is not None and event.button() == Qt.MouseButton.LeftButton:
            start = block.start.hour * 60 + block.start.minute
            self._press = (
                block.key,
                event.position(),
                self._minute_at(event.position().y()) - start,
            )
        self.update()

    def _block(self, key: int) -> Block | None:
        return next((b for _, b in self._rects if b.key == key), None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        key, origin, offset = self._press
        block = self._block(key)
        if block is None or self._model is None:
            self._end_drag()
            return
        pos = event.position()
        if (
            self._drag is None
            and (pos - origin).manhattanLength() < QApplication.startDragDistance()
        ):
            return
        x = min(max(pos.x(), AXIS_WIDTH + 1.0), self.width() - 2.0)
        index = int((x - AXIS_WIDTH) // self._column_width())
        index = min(index, len(self._model.columns) - 1)
        raw = self._minute_at(pos.y()) - offset
        minute = int(round(raw / 5) * 5)
        latest = self._model.close_minute - block.minutes
        minute = max(self._model.open_minute, min(minute, max(latest, self._model.open_minute)))
        self._drag = (block, self._model.columns[index].key, minute)
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag = self._drag
        self._end_drag()
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        block, column, minute = drag
        if (column, minute) != (block.column, block.start.hour * 60 + block.start.minute):
            self.blockDropped.emit(block.key, column, minute)

    def _end_drag(self) -> None:
        if self._press is not None or self._drag is not None:
            self._press = self._drag = None
            self.unsetCursor()
            self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.mousePressEvent(event)
        if self._selected is not None:
            self.blockActivated.emit(self._selected)
            return
        slot = self.slot_at(event.position())
        if slot is not None:
            self.slotActivated.emit(*slot)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        pos = QPointF(event.pos())
        key = self.block_at(pos)
        self._select(key)
        slot = self.slot_at(pos)
        if key is None and slot is None:
            return
        column, minute = slot if slot is not None else (0, 0)
        self.contextRequested.emit(key or 0, column, minute, event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        order = sorted(self._rects, key=lambda rb: (rb[0].left(), rb[0].top()))
        keys = [b.key for _, b in order]
        if not keys:
            super().keyPressEvent(event)
            return
        key = event.key()
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self._end_drag()  # the drag is called off; nothing moves
            return
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Left):
            step = 1 if key in (Qt.Key.Key_Down, Qt.Key.Key_Right) else -1
            index = keys.index(self._selected) + step if self._selected in keys else 0
            self._select(keys[max(0, min(len(keys) - 1, index))])
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._selected is not None:
            self.blockActivated.emit(self._selected)
            return
        super().keyPressEvent(event)
