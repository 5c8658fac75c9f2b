"""F1: the keyboard shortcuts of the desk, listed over the main window (which owns it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("F1", "This list of shortcuts"),
    ("Ctrl+1 … Ctrl+9", "Open the screens of the rail, in order"),
    ("Ctrl+L", "Lock the screen"),
    ("Ctrl+Q", "Sign out and quit Enamel"),
    ("Alt+Left / Alt+Right", "Schedule: the day before / after"),
    ("Arrow keys", "Schedule: the next or previous appointment"),
    ("Enter / double-click", "Schedule: open the appointment (or book free time)"),
    ("Ctrl+B", "Schedule: book the free time clicked"),
    (
        "Ctrl+X, then Ctrl+V",
        "Schedule: cut an appointment, paste it at the free time clicked (move)",
    ),
    ("Right-click", "Schedule: open, cut, book here, paste here"),
    ("Ctrl+F", "Lists: filter the rows (Esc clears the filter)"),
    ("Click a column title", "Lists: sort by it (again: the other way)"),
)


class HelpOverlay(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setWindowTitle("Keyboard shortcuts")
        self.setStyleSheet("QDialog { background: #f8fafc; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        heading = QLabel("Keyboard shortcuts")
        heading.setObjectName("pageTitle")
        layout.addWidget(heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        for row, (keys, what) in enumerate(SHORTCUTS):
            key_label = QLabel(f"<b>{keys}</b>")
            key_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(key_label, row, 0)
            grid.addWidget(QLabel(what), row, 1)
        layout.addLayout(grid)
        close = QPushButton("Close")
        close.setDefault(True)
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)

    def texts(self) -> list[str]:
        return [f"{keys}: {what}" for keys, what in SHORTCUTS]
