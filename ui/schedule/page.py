"""The schedule screen: day navigation, provider filter, the grid and the offline banner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from services.workflows.appointment import AppointmentAction
from ui.operations import Run
from ui.schedule.actions import ScheduleActions
from ui.schedule.appointment_window import AppointmentWindow
from ui.schedule.day_view import DayView
from ui.schedule.flows import ScheduleFlows
from ui.schedule.model import DayModel


@dataclass(frozen=True)
class DayResult:
    model: DayModel
    from_cache: bool = False
    fetched_at: datetime | None = None


@dataclass(frozen=True)
class ProviderChoice:
    key: int | None  # None: all providers
    label: str


@dataclass(frozen=True)
class ProviderList:
    """The provider box's choices (after "All providers") and the one to start on."""

    choices: list[ProviderChoice]
    default: int | None = None


class SchedulePage(QWidget):
    """Shows one day. `load(day, provider_key)` returns a DayResult (it may raise).

    Nothing is read on the UI thread: the providers come from `providers()` in the
    background, then the day is loaded (on the default provider, if there is one).
    """

    def __init__(
        self,
        load: Callable[[date, int | None], DayResult],
        runner: Run,
        providers: Callable[[], ProviderList],
        *,
        today: date,
        title: str = "Schedule",
        load_week: Callable[[date, int], DayResult] | None = None,
        actions: ScheduleActions | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("page")
        self._now = now
        if now is not None:  # the "now" line moves with the practice's clock (a repaint only)
            self._now_timer = QTimer(self)
            self._now_timer.timeout.connect(self._tick_now)
            self._now_timer.start(60_000)
        self._actions = actions
        self.appointment_window: AppointmentWindow | None = None
        self.menu: QMenu | None = None
        self._load = load
        self._load_week = load_week
        self._run = runner
        self._today = today
        self._day = today
        self._loading = False
        self._seen = False
        self._request = 0
        # What the grid shows (day, provider, week?): another key never keeps its blocks.
        self._shown: tuple[date, int | None, bool] | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 12)
        outer.setSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        outer.addWidget(heading)

        bar = QHBoxLayout()
        self.prev_button = QPushButton("◀ &Previous")
        self.today_button = QPushButton("&Today")
        self.next_button = QPushButton("&Next ▶")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setAccessibleName("Date")
        self.provider_box = QComboBox()
        self.provider_box.setAccessibleName("Provider")
        self.provider_box.setMinimumWidth(200)
        self.provider_box.addItem("All providers", None)
        self.mode_box = QComboBox()
        self.mode_box.setAccessibleName("View")
        self.mode_box.addItem("Day, all operatories", "day")
        if load_week is not None:
            self.mode_box.addItem("Week, one provider", "week")
        self.day_label = QLabel()
        self.day_label.setObjectName("pageSubtitle")
        # What was just done, in the bar (a neutral colour, and the grid does not move).
        self.notice = QLabel()
        self.notice.setObjectName("scheduleNotice")
        self.notice.setStyleSheet("color: #1e3a8a;")
        self.notice.setMinimumWidth(80)
        provider_label = QLabel("Pro&vider:")
        provider_label.setBuddy(self.provider_box)
        for widget in (self.prev_button, self.today_button, self.next_button, self.date_edit):
            bar.addWidget(widget)
        bar.addSpacing(16)
        bar.addWidget(provider_label)
        bar.addWidget(self.provider_box)
        bar.addWidget(self.mode_box)
        bar.addSpacing(12)
        bar.addWidget(self.notice, 1)
        bar.addWidget(self.day_label)
        outer.addLayout(bar)

        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)

        self.view = DayView()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.view)
        outer.addWidget(self.scroll_area, 1)

        legend = QLabel(
            "<span style='color:#2563eb'>■</span> Scheduled &nbsp; "
            "<span style='color:#16a34a'>■</span> Confirmed &nbsp; "
            "<span style='color:#ea580c'>■</span> ASAP &nbsp; "
            "<span style='color:#6b7280'>■</span> Complete &nbsp; "
            "<span style='color:#dc2626'>■</span> No-show (broken)"
        )
        legend.setObjectName("pageSubtitle")
        outer.addWidget(legend)

        self.prev_button.clicked.connect(lambda: self.show_day(self._day - timedelta(days=1)))
        self.next_button.clicked.connect(lambda: self.show_day(self._day + timedelta(days=1)))
        self.today_button.clicked.connect(lambda: self.show_day(self._today))
        self.date_edit.dateChanged.connect(self._date_picked)
        self.provider_box.currentIndexChanged.connect(lambda _: self.show_day(self._day))
        self.mode_box.currentIndexChanged.connect(lambda _: self.show_day(self._day))
        self.view.blockActivated.connect(self.open_appointment)
        self.view.contextRequested.connect(self._context_menu)
        self.flows: ScheduleFlows | None = None
        if actions is not None and actions.may_book:
            self.flows = ScheduleFlows(
                self.view, actions, runner, self.window, self.changed, self.show_failure
            )
            self.view.slotActivated.connect(self._book_at)
            if actions.move is not None:
                self.view.set_draggable(True)
                self.view.blockDropped.connect(self._dropped)
                self.mode_box.currentIndexChanged.connect(
                    lambda _: self.view.set_draggable(self.mode_box.currentData() != "week")
                )
            QShortcut(QKeySequence("Ctrl+X"), self, self._cut_selected)
            QShortcut(QKeySequence("Ctrl+V"), self, self._paste_at_slot)
            QShortcut(QKeySequence("Ctrl+B"), self, self._book_at_slot)
        QShortcut(QKeySequence("Alt+Left"), self, lambda: self.prev_button.click())
        QShortcut(QKeySequence("Alt+Right"), self, lambda: self.next_button.click())
        self._set_busy(True)
        self._run(providers, self._providers_loaded, self._providers_failed, owner=self)

    # -- the appointment window and the context menu -------------------------------

    def open_appointment(self, key: int) -> AppointmentWindow | None:
        """Double-click, Enter or the context menu on a block: the appointment window."""
        actions = self._actions
        if actions is None or self.mode_box.currentData() == "week":
            return None
        if self.appointment_window is not None:
            self.appointment_window.close()
        window = AppointmentWindow(lambda: actions.open_card(key), self._run, self.window())
        window.actionChosen.connect(lambda value: self._action_chosen(window, value))
        self.appointment_window = window
        window.open()
        return window

    def _action_chosen(self, window: AppointmentWindow, value: str) -> None:
        card = window.card
        if self.flows is None or card is None:
            return
        window.close()
        self.flows.act(card, AppointmentAction(value))

    def changed(self, message: str) -> None:
        """A write landed (or a block is cut): say so in the bar and read the day again."""
        self.notice.setText(message)
        self.notice.setToolTip(message)
        if not message.endswith("to move it."):
            self.show_day(self._day)

    def _book_at(self, column: int, minute: int) -> None:
        if self.flows is not None and self.mode_box.currentData() != "week":
            self.flows.book_at(column, minute)

    def _book_at_slot(self) -> None:
        slot = self.view.selected_slot()
        if slot is not None:
            self._book_at(*slot)

    def _cut_selected(self) -> None:
        key = self.view.selected()
        if self.flows is not None and key is not None:
            self.flows.cut_block(key)

    def _dropped(self, key: int, column: int, minute: int) -> None:
        """A block dragged to another time or chair (the day view only): the same check
        and question as a cut and paste."""
        if self.flows is not None and self.mode_box.currentData() != "week":
            self.flows.move_block(key, column, minute)

    def _paste_at_slot(self) -> None:
        slot = self.view.selected_slot()
        if self.flows is not None and slot is not None and self.flows.cut is not None:
            self.flows.paste_at(*slot)

    def _context_menu(self, key: int, column: int, minute: int, where: QPoint) -> None:
        menu = QMenu(self.window())
        self.menu = menu
        if key:
            menu.addAction("Open appointment…", lambda: self.open_appointment(key))
        self._more_menu(menu, key, column, minute)
        if not menu.isEmpty():
            menu.popup(where)

    def _more_menu(self, menu: QMenu, key: int, column: int, minute: int) -> None:
        if self.flows is not None and self.mode_box.currentData() != "week":
            self.flows.add_to_menu(menu, key, column, minute)

    def _tick_now(self) -> None:
        if self._now is not None:
            self.view.set_now(self._now())

    def _providers_loaded(self, providers: ProviderList) -> None:
        self.provider_box.blockSignals(True)
        for choice in providers.choices:
            self.provider_box.addItem(choice.label, choice.key)
        if providers.default is not None:
            index = self.provider_box.findData(providers.default)
            if index >= 0:
                self.provider_box.setCurrentIndex(index)
        self.provider_box.blockSignals(False)
        self.show_day(self._today)

    def _providers_failed(self, error: Exception) -> None:
        # The day's own load says why the PMS cannot be read (or shows the cached day).
        self.show_day(self._today)

    def show_failure(self, message: str) -> None:
        self.banner.setObjectName("errorBanner")
        self.banner.setText(message)
        self.banner.style().polish(self.banner)
        self.banner.show()

    # -- loading ----------------------------------------------------------------

    def current_day(self) -> date:
        return self._day

    def provider(self) -> int | None:
        data = self.provider_box.currentData()
        return None if data is None else int(data)

    def is_loading(self) -> bool:
        return self._loading

    def showEvent(self, event: QShowEvent) -> None:
        """Shown again (a booking may have been made from a list meanwhile): the day is
        read again, in place. A window back from the task bar is not a new look."""
        super().showEvent(event)
        if event.spontaneous():
            return
        if self._seen and not self._loading and self._shown is not None:
            self.show_day(self._day)
        self._seen = True

    def _date_picked(self, qdate: QDate) -> None:
        picked = date(qdate.year(), qdate.month(), qdate.day())
        if picked != self._day:
            self.show_day(picked)

    def show_day(self, day: date) -> None:
        self._day = day
        self.date_edit.blockSignals(True)
        self.date_edit.setDate(QDate(day.year, day.month, day.day))
        self.date_edit.blockSignals(False)
        requested = (day, self.provider())
        week = self.mode_box.currentData() == "week"
        key = (day, requested[1], week)
        if week and requested[1] is None:
            self._shown = None
            self.view.set_model(None, "Choose a provider to see their week.")
            self.banner.setObjectName("banner")
            self.banner.setText("Choose a provider to see their week.")
            self.banner.style().polish(self.banner)
            self.banner.show()
            return
        if key != self._shown:
            # Another day (or provider): its grid starts empty, so no patient of the day
            # before is ever shown under this day's date, however slow the answer.
            self._shown = None
            what = f"the week of {day:%d %B}" if week else f"{day:%A %d %B}"
            self.view.show_loading(f"Loading the schedule for {what}…")
            self.banner.hide()
        self._set_busy(True)
        self._request += 1
        token = self._request
        load_week = self._load_week

        def fetch() -> DayResult:
            if week and load_week is not None and requested[1] is not None:
                return load_week(day, requested[1])
            return self._load(*requested)

        self._run(
            fetch,
            lambda result: self._loaded(token, key, result),
            lambda error: self._failed(token, error),
            owner=self,
        )

    def _set_busy(self, busy: bool) -> None:
        self._loading = busy
        self.day_label.setText("Loading…" if busy else self._describe_day())
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    def _describe_day(self) -> str:
        model = self.view.model()
        count = len(model.blocks) if model else 0
        return f"{count} appointment{'s' if count != 1 else ''}"

    def _loaded(self, token: int, key: tuple[date, int | None, bool], result: DayResult) -> None:
        if token != self._request:
            return  # the user has moved on; a newer request is on its way
        self._shown = key
        self.view.set_model(result.model)
        if self._now is not None:
            self.view.set_now(self._now())
        if result.from_cache:
            when = result.fetched_at.strftime("%H:%M on %d %b") if result.fetched_at else "earlier"
            self.banner.setObjectName("banner")
            self.banner.setText(
                f"The practice-management system cannot be reached. This is the schedule as "
                f"it was read at {when}; it is read-only and may be out of date."
            )
            self.banner.show()
        else:
            self.banner.hide()
        self.banner.style().polish(self.banner)
        self._set_busy(False)

    def _failed(self, token: int, error: Exception) -> None:
        if token != self._request:
            return
        self._shown = None
        self.view.set_model(None, f"The schedule for {self._day:%A %d %B} could not be loaded.")
        message = getattr(error, "message", None) or "The schedule could not be loaded."
        self.banner.setObjectName("errorBanner")
        self.banner.setText(str(message))
        self.banner.style().polish(self.banner)
        self.banner.show()
        self._set_busy(False)
