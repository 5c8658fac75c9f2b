"""The main window: a navigation rail with the screens the role may use, and a status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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

from services.calendar import PracticeCalendar
from services.jobs import JobState, JobStatus, short_time
from ui.auth.lock import LockScreen
from ui.status_counts import SCAN, WorklistCounts
from ui.workflows.worklist import WorklistPage


@dataclass(frozen=True)
class PageSpec:
    """One screen in the rail. `factory` builds it the first time it is opened."""

    key: str
    title: str
    factory: Callable[[], QWidget]


HUB_JOB = "hub"  # the joined PC's round with the practice hub (app/jobs_setup.py)
FAILING_STYLE = "color: #b91c1c; font-weight: 600;"
AWAY_STYLE = "color: #b45309; font-weight: 600;"


class StatusStrip:
    """The status bar's facts: who, which practice, the hub, the PMS and the archive.

    Each label is short enough to read whole at 1366 pixels with the hub, the PMS and the
    archive all failing: a job says since when ("failing since 14:02", or "30 Nov 14:02"
    for an earlier day, in the practice's time), and why goes in the label's tooltip and
    accessible description."""

    def __init__(self, window: QMainWindow, calendar: PracticeCalendar | None = None) -> None:
        bar = window.statusBar()
        bar.setSizeGripEnabled(False)  # its room is a label's; the window's edges still resize
        self._calendar = calendar
        self.user = QLabel()
        self.practice = QLabel()
        self.pms = QLabel("PMS: not checked yet")
        self.archive = QLabel("Archive: not checked yet")
        self.jobs = QLabel()
        self.jobs.setObjectName("statusJobs")
        self.hub = QLabel()  # empty (hidden) for a single PC
        self.hub.setObjectName("statusHub")
        self.hub.hide()
        self._hub_mode = ""
        self._hub_ok = True
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
        self._hub_mode, self._hub_ok = text, ok
        self._paint_hub()

    def set_pms(self, text: str, ok: bool) -> None:
        self.pms.setText(f"PMS: {text}")
        self.pms.setStyleSheet("" if ok else FAILING_STYLE)

    def set_archive(self, text: str, ok: bool, why: str = "") -> None:
        self.archive.setText(f"Archive: {text}")
        self.archive.setStyleSheet("" if ok else FAILING_STYLE)
        _explain(self.archive, why)

    def show_job(self, status: JobStatus) -> None:
        """A background job's state: the archive and the hub have their own places, the
        others share one."""
        self._jobs[status.name] = status
        archive = self._jobs.get("archive")
        if archive is not None:
            failing = _failing(archive)
            self.set_archive(
                self._archive_text(archive),
                not failing,
                self._long_failure(archive) if failing else "",
            )
        if status.name == HUB_JOB:
            self._paint_hub()
        troubled = [
            s for n, s in self._jobs.items() if n not in ("archive", HUB_JOB) and _failing(s)
        ]
        if status.name == SCAN:
            self.counts.show(status)
        if len(troubled) == 1:
            self.jobs.setText(self._headline(troubled[0]))
        elif troubled:
            self.jobs.setText(f"{len(troubled)} jobs failing")
        if troubled:
            self.jobs.setStyleSheet(FAILING_STYLE)
            _explain(self.jobs, "\n".join(self._long_failure(s) for s in troubled))
        else:
            self.jobs.setAccessibleDescription("")
            self.counts.paint()

    def _paint_hub(self) -> None:
        """One label for the hub: its connection's state wins when the hub is away (a wrong
        certificate says more than "failing since"); the job's failure otherwise."""
        job = self._jobs.get(HUB_JOB)
        failing = job is not None and _failing(job)
        if job is not None and failing and (self._hub_ok or not self._hub_mode):
            text = self._headline(job)
        else:
            text = self._hub_mode
        why = []  # with the round failing: both the connection's state and the round's why
        if job is not None and failing:
            why = [t for t in (self._hub_mode, self._long_failure(job)) if t]
        self.hub.setText(text)
        self.hub.setVisible(bool(text))
        self.hub.setStyleSheet("" if self._hub_ok and not failing else AWAY_STYLE)
        _explain(self.hub, "\n".join(why))

    def _when(self, moment: datetime) -> str:
        """ "14:02" today at the practice, "30 Nov 14:02" another day. A window built
        without the practice's calendar (a script, a test of another screen) cannot say
        which day is today, so it always names the day, in this computer's zone."""
        if self._calendar is not None:
            return short_time(moment, self._calendar)
        local = moment.astimezone()
        return f"{local.day} {local.strftime('%b %H:%M')}"

    def _headline(self, status: JobStatus) -> str:
        assert status.failing_since is not None
        return f"{status.label}: failing since {self._when(status.failing_since)}"

    def _long_failure(self, status: JobStatus) -> str:
        assert status.failing_since is not None
        moment = status.failing_since
        local = moment.astimezone() if self._calendar is None else self._calendar.local(moment)
        return (
            f"{status.label}: failing since {local.strftime('%Y-%m-%d %H:%M')} — {status.message}"
        )

    def _archive_text(self, status: JobStatus) -> str:
        if _failing(status):
            assert status.failing_since is not None
            return f"failing since {self._when(status.failing_since)}"
        if status.state is JobState.PAUSED:
            return "paused"
        if status.last_success is None:
            return "sending…" if status.state is JobState.RUNNING else "not synced yet"
        return f"synced {self._when(status.last_success)}, {status.message}"


def _failing(status: JobStatus) -> bool:
    return status.state is JobState.FAILING and status.failing_since is not None


def _explain(label: QLabel, why: str) -> None:
    label.setToolTip(why)
    label.setAccessibleDescription(why)


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
        calendar: PracticeCalendar | None = None,
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

        self.status = StatusStrip(self, calendar)
        # Who without "Signed in:": at 1366 pixels the bar needs the room for what is failing.
        self.status.user.setText(f"{user_label} ({role_label})")
        self.status.user.setToolTip(f"Signed in: {user_label} ({role_label})")
        self.status.user.setAccessibleName("Signed in")
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
