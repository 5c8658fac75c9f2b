"""The audit viewer's choice of workstation: every one whose entries can be shown, by name."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox

from services.audit.sources import workstation_label

ALL = "All workstations"
HUB_AWAY_NOTE = (
    "The practice hub cannot be reached: only this PC's entries can be shown. The other "
    "workstations are offered again when the hub is back."
)
CHOICE_NOTE = "Show the entries of one workstation, or of all of them."


def station_label(workstation_id: str, names: dict[str, str], here: str) -> str:
    label = workstation_label(workstation_id, names)
    return f"{label} — this PC" if workstation_id == here else label


class WorkstationBox(QComboBox):
    """ "All workstations" (the default) and each workstation; Return asks for the entries, as
    it does in the filter boxes beside it. Its data is the workstation id ("" for all)."""

    submitted = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.addItem(ALL, "")
        self.setToolTip(CHOICE_NOTE)

    def chosen(self) -> str:
        return str(self.currentData() or "")

    def fill(
        self, stations: tuple[str, ...], names: dict[str, str], here: str, *, practice_wide: bool
    ) -> None:
        """The choices for the entries a load could show; the chosen one kept while offered.
        With the hub away only this PC is offered, and the box says why."""
        chosen = self.chosen()
        self.blockSignals(True)
        self.clear()
        if practice_wide:
            self.addItem(ALL, "")
            listed = sorted(
                stations, key=lambda ws: (ws != here, (names.get(ws) or ws).lower(), ws)
            )
            for ws in listed:
                self.addItem(station_label(ws, names, here), ws)
        else:  # "" as for all: when the hub is back, the next load offers every one again
            self.addItem(station_label(here, names, here), "")
        note = CHOICE_NOTE if practice_wide else HUB_AWAY_NOTE
        self.setToolTip(note)
        self.setAccessibleDescription(note)
        self.setCurrentIndex(max(0, self.findData(chosen)))
        self.blockSignals(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit()
            return
        super().keyPressEvent(event)
