"""Python's cycle collector, run on the UI thread only.

The automatic collector runs in whichever thread happens to allocate. When it frees a Qt
object caught in a reference cycle (a timer, a dialog, an idle lock) from an operation's
worker thread, Qt cannot unregister that object's timers there, and a later timer event
reaches freed memory: a crash after minutes or hours. So the automatic collector is off and
this timer runs the same generational collection on the UI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_installed: UiThreadCollector | None = None


class UiThreadCollector(QObject):
    def __init__(self, interval_ms: int = 500) -> None:
        super().__init__()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose counts passed their thresholds, as gc itself would."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        freed = 0
        for generation in (2, 1, 0):
            if counts[generation] > thresholds[generation]:
                freed += gc.collect(generation)
                break  # collecting a generation collects the younger ones too
        return freed


def collect_on_the_ui_thread() -> UiThreadCollector:
    """Install the collector once per process (call on the UI thread, after QApplication)."""
    global _installed
    if _installed is None:
        _installed = UiThreadCollector()
    return _installed
