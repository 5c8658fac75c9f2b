"""The main window: the frame every screen of the desk lives in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget


class MainWindow(QMainWindow):
    def __init__(self, practice_id: str, workstation_id: str, demo: bool) -> None:
        super().__init__()
        title = "Enamel — demo practice" if demo else "Enamel"
        self.setWindowTitle(title)
        self.setObjectName("mainWindow")
        body = QWidget()
        layout = QVBoxLayout(body)
        heading = QLabel(f"<h1>Enamel</h1><p>Practice <b>{practice_id}</b></p>")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        self.setCentralWidget(body)
        self.statusBar().showMessage(f"Workstation {workstation_id}")
        self.resize(1280, 800)
