"""The clipboard guard: what Enamel copies is cleared on lock, on quit and 30 seconds later."""

from __future__ import annotations

import hashlib

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication

from services.clock import Clock, Stopwatch, SystemClock

COPY_LIFETIME_SECONDS = 30


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ClipboardGuard(QObject):
    """Every copy from Enamel goes through `copy`: Ctrl+C in any table or list is routed here,
    and other text this process puts on the clipboard (a field's Copy) is adopted when the
    platform says the clipboard is ours. Only text whose hash is remembered is ever cleared,
    so what another program copied stays. `expire()` (the idle lock's tick) clears it once
    `lifetime_seconds` have passed on the injected clock, time asleep included."""

    def __init__(
        self, clock: Clock | None = None, *, lifetime_seconds: float = COPY_LIFETIME_SECONDS
    ) -> None:
        super().__init__()
        self._clock: Clock = clock or SystemClock()
        self._lifetime = lifetime_seconds
        self._ours: set[str] = set()
        self._copied: Stopwatch | None = None
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            QGuiApplication.clipboard().dataChanged.connect(self._changed)

    @property
    def holding(self) -> bool:
        """Something Enamel copied is waiting for its lifetime to pass."""
        return self._copied is not None

    def copy(self, text: str) -> None:
        self._remember(text)
        QGuiApplication.clipboard().setText(text)

    def _remember(self, text: str) -> None:
        self._ours.add(_digest(text))
        if self._copied is None:
            self._copied = Stopwatch(self._clock)
        else:
            self._copied.restart()

    def _changed(self) -> None:
        board = QGuiApplication.clipboard()
        text = board.text()
        if text and board.ownsClipboard() and _digest(text) not in self._ours:
            self._remember(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(watched, QAbstractItemView)
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            # What Qt's item views would copy themselves (the current cell), through the guard.
            value = watched.currentIndex().data()
            if value is not None and str(value):
                self.copy(str(value))
            return True
        return False

    def expire(self) -> bool:
        """Clear our text once it has been on the clipboard for the lifetime."""
        if self._copied is None or self._copied.elapsed() < self._lifetime:
            return False
        self._copied = None
        return self.clear_ours()

    def clear_ours(self) -> bool:
        board = QGuiApplication.clipboard()
        current = board.text()
        if current and _digest(current) in self._ours:
            board.clear()
            self._ours.clear()
            self._copied = None
            return True
        return False
