"""The status bar's worklist counts: the time they were counted in their tooltip, and
marked as being counted again the moment a list page changes something (they are never
shown as current when they may not be)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from services.jobs import JobState, JobStatus

SCAN = "worklist_scan"  # the job that counts (app/jobs_setup.py)
STALE_STYLE = "color: #64748b; font-style: italic;"


class WorklistCounts:
    def __init__(self, label: QLabel) -> None:
        self._label = label
        self._scan: JobStatus | None = None
        self.stale = False
        self._recounting = False

    def show(self, scan: JobStatus | None) -> None:
        """The scan's state as the queue publishes it; a round that ends well is current."""
        if scan is not None and self.stale:
            if scan.state is JobState.RUNNING:
                self._recounting = True  # a round that began after the change
            elif self._recounting and scan.state is not JobState.FAILING:
                self.stale = self._recounting = False
        self._scan = scan
        self.paint()

    def changed(self) -> None:
        """Something on a list was changed here: the counts may be out of date until the
        scan has counted again."""
        if self._scan is not None and self._scan.last_success is not None:
            self.stale = True
            self._recounting = False
            self.paint()

    def paint(self) -> None:
        scan = self._scan
        if scan is None or scan.last_success is None:
            self._label.setText("")
            self._label.setToolTip("")
            self._label.setStyleSheet("")
            return
        at = scan.last_success.astimezone().strftime("%H:%M")
        # The time goes in the tooltip: at 1366 pixels the bar has room for the counts only.
        if self.stale:
            self._label.setText(f"{scan.message} · recounting")
            self._label.setToolTip(
                f"Counted at {at}; a list was changed since, the counts follow shortly."
            )
            self._label.setStyleSheet(STALE_STYLE)
        else:
            self._label.setText(scan.message)
            self._label.setToolTip(
                f"Counted at {at}: every half hour, and again after each change made on a list."
            )
            self._label.setStyleSheet("")
