"""The main window: a navigation rail with the screens the role may use, and a status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)


@dataclass(frozen=True)
class PageSpec:
    """One screen in the rail. `factory` builds it the first time it is opened."""

    key: str
    title: str
    factory: Callable[[], QWidget]


class StatusStrip:
    """The status bar's four facts: who, which practice, the PMS and the archive."""

    def __init__(self, window: QMainWindow) -> None:
        bar = window.statusBar()
        self.user = QLabel()
        self.practice = QLabel()
        self.pms = QLabel("PMS: not checked yet")
        self.archive = QLabel("Archive: not checked yet")
        for name, label in (
            ("statusUser", self.user),
            ("statusPractice", self.practice),
            ("statusPms", self.pms),
            ("statusArchive", self.archive),
        ):
            label.setObjectName(name)
        bar.addWidget(self.user)
        bar.addWidget(self.practice)
        bar.addPermanentWidget(self.pms)
        bar.addPermanentWidget(self.archive)

    def set_pms(self, text: str, ok: bool) -> None:
        self.pms.setText(f"PMS: {text}")
        self.pms.setStyleSheet("" if ok else "color: #b91c1c; font-weight: 600;")

    def set_archive(self, text: str, ok: bool) -> None:
        self.archive.setText(f"Archive: {text}")
        self.archive.setStyleSheet("" if ok else "color: #b91c1c; font-weight: 600;")


class MainWindow(QMainWindow):
    """The desk. Pages are built lazily, so a role never even constructs a screen it may not use."""

    pageChanged = Signal(str)

    def __init__(
        self,
        *,
        practice_id: str,
        user_label: str,
        role_label: str,
        pages: list[PageSpec],
        demo: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Enamel — demo practice (synthetic data)" if demo else "Enamel")
        self._specs = pages
        self._built: dict[str, QWidget] = {}

        body = QWidget()
        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.rail = QListWidget()
        self.rail.setObjectName("navRail")
        self.rail.setAccessibleName("Screens")
        self.rail.setFixedWidth(200)
        self.stack = QStackedWidget()
        layout.addWidget(self.rail)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(body)

        for index, spec in enumerate(pages):
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if index < 9:
                item.setToolTip(f"{spec.title} (Ctrl+{index + 1})")
                shortcut = QShortcut(QKeySequence(f"Ctrl+{index + 1}"), self)
                shortcut.activated.connect(lambda i=index: self.rail.setCurrentRow(i))
            self.rail.addItem(item)
            placeholder = QWidget()
            self.stack.addWidget(placeholder)
        self.rail.currentRowChanged.connect(self._open)

        self.status = StatusStrip(self)
        self.status.user.setText(f"Signed in: {user_label} ({role_label})")
        self.status.practice.setText(f"Practice: {practice_id}")
        if pages:
            self.rail.setCurrentRow(0)
        else:
            empty = QLabel("Your role has no screens in Enamel. Ask your office manager.")
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.stack.addWidget(empty)
            self.stack.setCurrentWidget(empty)
        self.resize(1366, 768)

    def page_keys(self) -> list[str]:
        return [spec.key for spec in self._specs]

    def page(self, key: str) -> QWidget | None:
        return self._built.get(key)

    def open_page(self, key: str) -> QWidget:
        self.rail.setCurrentRow(self.page_keys().index(key))
        return self._built[key]

    def _open(self, row: int) -> None:
        if row < 0:
            return
        spec = self._specs[row]
        widget = self._built.get(spec.key)
        if widget is None:
            widget = spec.factory()
            widget.setObjectName(widget.objectName() or f"page_{spec.key}")
            old = self.stack.widget(row)
            if old is not None:
                self.stack.removeWidget(old)
                old.deleteLater()
            self.stack.insertWidget(row, widget)
            self._built[spec.key] = widget
        self.stack.setCurrentWidget(widget)
        self.pageChanged.emit(spec.key)
