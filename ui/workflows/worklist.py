"""A worklist screen: a title, a toolbar, a table of rows and actions on the selected row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.lists import Column, FilterBox, RowTable
from ui.operations import Run, user_message

__all__ = ["Action", "Column", "RowTable", "WorklistPage"]


@dataclass(frozen=True)
class Action:
    label: str
    run: Callable[[Any], None]
    primary: bool = False


class WorklistPage(QWidget):
    """A list screen: sortable columns, a filter box (Ctrl+F, Esc clears), actions enabled
    once a row is chosen, a reload each time the page is shown again, and messages in a
    line of their own below the table, so the table never moves."""

    changed = Signal()  # a reload after a change (a reload with a message): counts are stale

    def __init__(
        self,
        title: str,
        subtitle: str,
        columns: Sequence[Column],
        load: Callable[..., list[Any]],
        runner: Run,
        actions: Sequence[Action] = (),
        toolbar: Sequence[QWidget] = (),
        empty_text: str = "Nothing to do here.",
        query: Callable[[], str] | None = None,
        filterable: bool = True,
        note: Callable[[list[Any]], str] | None = None,
        refresh_load: Callable[..., list[Any]] | None = None,
    ) -> None:
        """`load()` runs off the UI thread; with `query`, `load(text)` gets what `query()`
        read from the page's widgets on the UI thread when the reload began (a search page,
        which has its own box and no filter). `note(rows)`, if given, is said after the count
        (how old what the rows show is). `refresh_load`, if given, is what Refresh runs
        instead of `load` (a person asked for what the PMS holds now: nothing from a kept
        copy); the reloads the page does by itself keep `load`."""
        super().__init__()
        self.setObjectName("page")
        self._load: Callable[..., list[Any]] = load
        self._refresh_load = refresh_load
        self._query = query
        self._run = runner
        self._empty = empty_text
        self._note = note
        self._note_text = ""
        self._shown_once = False
        self.loading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 12)
        outer.setSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        sub = QLabel(subtitle)
        sub.setObjectName("pageSubtitle")
        sub.setWordWrap(True)
        outer.addWidget(heading)
        outer.addWidget(sub)
        self.model = RowTable(columns)
        bar = QHBoxLayout()
        self.filter: FilterBox | None = None
        if filterable:
            self.filter = FilterBox(self.model)
            self.filter.attach_find(self)
            self.filter.textChanged.connect(lambda _: self._show_count())
            bar.addWidget(self.filter)
        for widget in toolbar:
            bar.addWidget(widget)
        bar.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("pageSubtitle")
        bar.addWidget(self.status)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip(
            "Read the list again, all of it as it is now (reading it again when shown may use "
            "what was read minutes ago)"
            if refresh_load is not None
            else "Read the list again (it is read again each time it is shown)"
        )
        bar.addWidget(self.refresh_button)
        outer.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as loaded until clicked
        header.setSortIndicatorShown(True)
        self.table.setSortingEnabled(True)
        outer.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        # Successes and failures both land here, in a place of their own: showing one
        # never pushes the table down.
        self.banner = QLabel()
        self.banner.setObjectName("notice")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setFixedHeight(2 * self.banner.fontMetrics().lineSpacing() + 18)
        self.banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        policy = self.banner.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.banner.setSizePolicy(policy)
        self.banner.hide()
        buttons.addWidget(self.banner, 1)
        self.action_buttons: dict[str, QPushButton] = {}
        for action in actions:
            button = QPushButton(action.label)
            if action.primary:
                button.setObjectName("primary")
            button.setEnabled(False)
            button.setToolTip("Choose a row first")
            button.clicked.connect(lambda _=False, a=action: self._act(a))
            buttons.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
            self.action_buttons[action.label.replace("&", "")] = button
        outer.addLayout(buttons)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)  # a filter clears the choice
        if actions:
            first = actions[0]
            self.table.doubleClicked.connect(lambda _: self._act(first))
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        """Shown again (another screen was open): read the list again, so it is never
        yesterday's. A window coming back from the task bar is not a new look."""
        super().showEvent(event)
        if event.spontaneous():
            return
        if self._shown_once and not self.loading:
            self.reload()
        self._shown_once = True

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_row(self, index: int) -> None:
        """Select the view's row `index` (the loaded order until a column is sorted)."""
        self.table.selectRow(index)

    def _selection_changed(self) -> None:
        has = self.selected() is not None
        for button in self.action_buttons.values():
            button.setEnabled(has)
            button.setToolTip("" if has else "Choose a row first")

    def _act(self, action: Action) -> None:
        row = self.selected()
        if row is not None:
            action.run(row)

    def refresh(self) -> None:
        """The Refresh button (Alt+R): read the list again, as the PMS holds it now."""
        self.reload(fresh=True)

    def reload(self, then_message: str = "", *, fresh: bool = False) -> None:
        self._then_message = then_message
        if then_message:
            self.changed.emit()
        self.loading = True
        self.status.setText("Loading…")
        self.refresh_button.setEnabled(False)
        load = self._refresh_load if fresh and self._refresh_load is not None else self._load
        if self._query is None:
            work = load
        else:
            text = self._query()  # widgets are read here, on the UI thread

            def work() -> list[Any]:
                return load(text)

        self._run(work, self._loaded, self._failed, owner=self)

    def _show_count(self) -> None:
        if self.loading:
            return
        total, shown = len(self.model.rows), self.model.rowCount()
        if not total:
            text = self._empty
        elif shown == total:
            text = f"{total} item{'s' if total != 1 else ''}"
        else:
            text = f"{shown} of {total} shown"
        self.status.setText(f"{text} · {self._note_text}" if self._note_text else text)

    def _loaded(self, rows: list[Any]) -> None:
        self.loading = False
        self.banner.hide()
        self._note_text = self._note(rows) if self._note is not None else ""
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self._show_count()
        self.refresh_button.setEnabled(True)
        self._selection_changed()
        if self._then_message:
            self.show_message(self._then_message)

    def _failed(self, error: Exception) -> None:
        self.loading = False
        self.model.set_rows([])
        self.show_message(user_message(error), error=True)
        self.status.setText("")
        self.refresh_button.setEnabled(True)

    def show_failure(self, message: str) -> None:
        """Where the page's background work reports a failure by default."""
        self.show_message(message, error=True)

    def show_message(self, text: str, error: bool = False) -> None:
        self.banner.setObjectName("errorBanner" if error else "notice")
        self.banner.setText(text)
        self.banner.setToolTip(text)
        self.banner.style().polish(self.banner)
        self.banner.show()
