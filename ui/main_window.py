"""The main window: a navigation rail with the screens the role may use, and a status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from services.jobs import JobState, JobStatus
from ui.auth.lock import LockScreen
from ui.status_counts import SCAN, WorklistCounts
from ui.workflows.worklist import WorklistPage


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
        self.jobs = QLabel()
        self.jobs.setObjectName("statusJobs")
        self.hub = QLabel()  # empty (hidden) for a single PC
        self.hub.setObjectName("statusHub")
        self.hub.hide()
        self._jobs: dict[str, JobStatus] = {}
        self.counts = WorklistCounts(self.jobs)
        for name, label in (
            ("statusUser", self.user),
            ("statusPractice", self.practice),
            ("statusPms", self.pms),
            ("statusArchive", self.archive),
        ):
            label.setObjectName(name)
        bar.addWidget(self.user)
        bar.addWidget(self.practice)
        bar.addWidget(self.jobs)
        bar.addPermanentWidget(self.hub)
        bar.addPermanentWidget(self.pms)
        bar.addPermanentWidget(self.archive)

    def set_hub(self, text: str, ok: bool = True) -> None:
        """ "Practice hub: connected" or "Practice hub: offline (cached sign-in)"; nothing
        for a single PC."""
        self.hub.setText(text)
        self.hub.setVisible(bool(text))
        self.hub.setStyleSheet("" if ok else "color: #b45309; font-weight: 600;")

    def set_pms(self, text: str, ok: bool) -> None:
        self.pms.setText(f"PMS: {text}")
        self.pms.setStyleSheet("" if ok else "color: #b91c1c; font-weight: 600;")

    def set_archive(self, text: str, ok: bool) -> None:
        self.archive.setText(f"Archive: {text}")
        self.archive.setStyleSheet("" if ok else "color: #b91c1c; font-weight: 600;")

    def show_job(self, status: JobStatus) -> None:
        """A background job's state: the archive has its own place, the others share one."""
        self._jobs[status.name] = status
        archive = self._jobs.get("archive")
        if archive is not None:
            self.set_archive(_archive_text(archive), archive.state is not JobState.FAILING)
        troubled = [
            s for n, s in self._jobs.items() if n != "archive" and s.state is JobState.FAILING
        ]
        if status.name == SCAN:
            self.counts.show(status)
        if troubled:
            self.jobs.setText(" · ".join(s.describe() for s in troubled))
            self.jobs.setStyleSheet("color: #b91c1c; font-weight: 600;")
        else:
            self.counts.paint()


def _archive_text(status: JobStatus) -> str:
    if status.state is JobState.FAILING and status.failing_since is not None:
        since = status.failing_since.astimezone().strftime("%H:%M")
        return f"failing since {since} — {status.message}"
    if status.state is JobState.PAUSED:
        return "paused"
    if status.last_success is None:
        return "sending…" if status.state is JobState.RUNNING else "not synced yet"
    at = status.last_success.astimezone().strftime("%H:%M")
    return f"synced {at}, {status.message}"


class MainWindow(QMainWindow):
    """The desk. Pages are built lazily, so a role never even constructs a screen it may not use."""

    pageChanged = Signal(str)
    lockRequested = Signal()
    switchUserRequested = Signal()
    changePasswordRequested = Signal()
    emergencyAccessRequested = Signal()
    quitRequested = Signal()  # Ctrl+Q
    countsStale = Signal()  # a list page changed something: the worklist counts are old

    def __init__(
        self,
        *,
        practice_id: str,
        user_label: str,
        role_label: str,
        pages: list[PageSpec],
        demo: bool = False,
        emergency: bool = False,
        banner: str = "",
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
        side = QWidget()
        side.setObjectName("railColumn")
        side.setStyleSheet("QWidget#railColumn { background: #0f172a; }")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 10)
        side_layout.addWidget(self.rail, 1)
        self.emergency_button = QPushButton("Emergency access…")
        self.emergency_button.setVisible(emergency)
        self.password_button = QPushButton("Change password…")
        self.lock_button = QPushButton("Lock screen  (Ctrl+L)")
        self.switch_button = QPushButton("Switch user")
        for button in (
            self.emergency_button,
            self.password_button,
            self.lock_button,
            self.switch_button,
        ):
            button.setStyleSheet(
                "QPushButton { background: #1e293b; color: #e2e8f0; border: 1px solid #334155; margin: 2px 10px; }"
                "QPushButton:hover { background: #334155; }"
            )
            side_layout.addWidget(button)
        self.lock_button.clicked.connect(self.lockRequested.emit)
        self.password_button.clicked.connect(self.changePasswordRequested.emit)
        self.emergency_button.clicked.connect(self.emergencyAccessRequested.emit)
        self.switch_button.clicked.connect(self.switchUserRequested.emit)
        QShortcut(QKeySequence("Ctrl+L"), self, self.lockRequested.emit)
        QShortcut(QKeySequence("Ctrl+Q"), self, self.quitRequested.emit)
        QShortcut(QKeySequence("F1"), self, self.show_help)
        self.help: QDialog | None = None
        layout.addWidget(side)
        main_column = QVBoxLayout()
        main_column.setContentsMargins(0, 0, 0, 0)
        self.banner = QLabel(banner)
        self.banner.setObjectName("errorBanner")
        self.banner.setVisible(bool(banner))
        main_column.addWidget(self.banner)
        self.failure = QLabel()
        self.failure.setObjectName("errorBanner")
        self.failure.setWordWrap(True)
        self.failure.hide()
        main_column.addWidget(self.failure)
        self.notice = QLabel()
        self.notice.setObjectName("banner")
        self.notice.setWordWrap(True)
        self.notice.hide()
        main_column.addWidget(self.notice)
        main_column.addWidget(self.stack, 1)
        layout.addLayout(main_column, 1)
        # The desk and the lock screen share one stack: locking swaps the whole desk out.
        self.desk = body
        self.root = QStackedWidget()
        self.root.addWidget(body)
        self.lock_screen = LockScreen()
        self.root.addWidget(self.lock_screen)
        self.setCentralWidget(self.root)

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

    def _list_changed(self) -> None:
        self.status.counts.changed()
        self.countsStale.emit()

    def show_help(self) -> QDialog:
        """F1: the shortcuts, in a dialog this window owns (the idle lock closes it)."""
        from ui.help_overlay import HelpOverlay

        if self.help is not None:
            self.help.close()
        overlay = HelpOverlay(self)
        self.help = overlay
        overlay.open()
        return overlay

    def show_failure(self, message: str) -> None:
        """Where background work reports a failure that no page shows itself."""
        self.failure.setText(message)
        self.failure.show()

    def show_notice(self, message: str) -> None:
        """Something the person should know that is not a failure (emergency access ended)."""
        self.notice.setText(message)
        self.notice.show()

    def lock(self, who: str) -> None:
        """Hide every PHI view at once and show the lock screen."""
        self.root.setCurrentWidget(self.lock_screen)
        self.desk.hide()
        self.rail.clearFocus()
        self.lock_screen.prepare(who)

    def unlock(self) -> None:
        self.root.setCurrentWidget(self.desk)
        self.desk.show()

    def is_locked(self) -> bool:
        return self.root.currentWidget() is self.lock_screen

    def page_keys(self) -> list[str]:
        return [spec.key for spec in self._specs]

    def set_page_title(self, key: str, title: str) -> None:
        """A screen's name in the rail, e.g. "Alerts (3)" once the count has been read."""
        for row in range(self.rail.count()):
            item = self.rail.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                item.setText(title)

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
            if isinstance(widget, WorklistPage):
                widget.changed.connect(self._list_changed)
        self.stack.setCurrentWidget(widget)
        self.pageChanged.emit(spec.key)
