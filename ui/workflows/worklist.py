"""A worklist screen: a title, a toolbar, a table of rows and actions on the selected row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.operations import Run, user_message

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Any], object]


@dataclass(frozen=True)
class Action:
    label: str
    run: Callable[[Any], None]
    primary: bool = False


class RowTable(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column]) -> None:
        super().__init__()
        self.columns = list(columns)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        value = self.columns[index.column()].value(self.rows[index.row()])
        return "" if value is None else str(value)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


class WorklistPage(QWidget):
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
    ) -> None:
        """`load()` runs off the UI thread; with `query`, `load(text)` gets what `query()`
        read from the page's widgets on the UI thread when the reload began."""
        super().__init__()
        self.setObjectName("page")
        self._load: Callable[..., list[Any]] = load
        self._query = query
        self._run = runner
        self._empty = empty_text
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
        bar = QHBoxLayout()
        for widget in toolbar:
            bar.addWidget(widget)
        bar.addStretch(1)
        self.status = QLabel()
        self.status.setObjectName("pageSubtitle")
        bar.addWidget(self.status)
        self.refresh_button = QPushButton("&Refresh")
        bar.addWidget(self.refresh_button)
        outer.addLayout(bar)
        self.banner = QLabel()
        self.banner.setObjectName("errorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        outer.addWidget(self.banner)
        self.model = RowTable(columns)
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
        outer.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.action_buttons: dict[str, QPushButton] = {}
        for action in actions:
            button = QPushButton(action.label)
            if action.primary:
                button.setObjectName("primary")
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, a=action: self._act(a))
            buttons.addWidget(button)
            self.action_buttons[action.label.replace("&", "")] = button
        outer.addLayout(buttons)
        self.refresh_button.clicked.connect(lambda: self.reload())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        if actions:
            first = actions[0]
            self.table.doubleClicked.connect(lambda _: self._act(first))
        self.reload()

    def selected(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def select_row(self, index: int) -> None:
        self.table.selectRow(index)

    def _selection_changed(self) -> None:
        has = self.selected() is not None
        for button in self.action_buttons.values():
            button.setEnabled(has)

    def _act(self, action: Action) -> None:
        row = self.selected()
        if row is not None:
            action.run(row)

    def reload(self, then_message: str = "") -> None:
        self._then_message = then_message
        self.loading = True
        self.status.setText("Loading…")
        self.refresh_button.setEnabled(False)
        if self._query is None:
            work = self._load
        else:
            text = self._query()  # widgets are read here, on the UI thread
            load = self._load

            def work() -> list[Any]:
                return load(text)

        self._run(work, self._loaded, self._failed, owner=self)

    def _loaded(self, rows: list[Any]) -> None:
        self.loading = False
        self.banner.hide()
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        self.status.setText(
            f"{len(rows)} item{'s' if len(rows) != 1 else ''}" if rows else self._empty
        )
        self.refresh_button.setEnabled(True)
        self._selection_changed()
        if self._then_message:
            self.show_message(self._then_message)

    def _failed(self, error: Exception) -> None:
        self.loading = False
        self.model.set_rows([])
        self.banner.setText(user_message(error))
        self.banner.show()
        self.status.setText("")
        self.refresh_button.setEnabled(True)

    def show_failure(self, message: str) -> None:
        """Where the page's background work reports a failure by default."""
        self.show_message(message, error=True)

    def show_message(self, text: str, error: bool = False) -> None:
        self.banner.setObjectName("errorBanner" if error else "banner")
        self.banner.setText(text)
        self.banner.style().polish(self.banner)
        self.banner.show()
