"""Lists that behave like lists: a row model sorted by value (dates as dates, numbers as
numbers), filtered by what is typed, and the filter box that drives it (Ctrl+F, Esc).

Every list screen uses these (ui/workflows/worklist.py builds its pages on them), so a
column sorts and a filter works the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QWidget

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """`value(row)` is what the column sorts by; it is shown as `shown(value)` when given,
    a date and time as 'Tue 01 Dec 09:00', anything else as its text."""

    title: str
    value: Callable[[Any], object]
    shown: Callable[[Any], str] | None = None


def display(column: Column, row: Any) -> str:
    value = column.value(row)
    if column.shown is not None:
        return column.shown(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%a %d %b %H:%M}"
    return str(value)


_DIGITS = re.compile(r"(\d+)")


def sort_key(value: object) -> tuple[int, Any]:
    """Numbers before dates before text, empty cells last; text in natural order ('9 min'
    before '10 min'), without regard to case."""
    if value is None or value == "":
        return (3, 0)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, datetime):
        return (1, value.replace(tzinfo=None).isoformat())
    if isinstance(value, date):
        return (1, datetime.combine(value, time()).isoformat())
    parts = _DIGITS.split(str(value).casefold())
    return (2, tuple(int(p) if i % 2 else p for i, p in enumerate(parts)))


class RowTable(QAbstractTableModel):
    """`rows` are the rows as loaded; the view shows those that match the filter, in the
    order of the column sorted by (as loaded until a header is clicked)."""

    def __init__(self, columns: Sequence[Column]) -> None:
        super().__init__()
        self.columns = list(columns)
        self.rows: list[Any] = []
        self._shown: list[int] = []  # indices into rows, in the order the view shows them
        self._sorted_by: tuple[int, Qt.SortOrder] | None = None
        self._words: list[str] = []

    # -- what the page sets --------------------------------------------------------

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self._arrange()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        words = text.casefold().split()
        if words == self._words:
            return
        self.beginResetModel()
        self._words = words
        self._arrange()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        # The selection follows its row: an action must never land on another patient.
        before = self.persistentIndexList()
        rows = [self._shown[i.row()] if i.isValid() else -1 for i in before]
        self._sorted_by = (column, order) if 0 <= column < len(self.columns) else None
        self._arrange()
        at = {r: n for n, r in enumerate(self._shown)}
        self.changePersistentIndexList(
            before,
            [
                self.index(at[r], i.column()) if r in at else QModelIndex()
                for r, i in zip(rows, before, strict=True)
            ],
        )
        self.layoutChanged.emit()

    def row_at(self, view_row: int) -> Any:
        return self.rows[self._shown[view_row]]

    def view_row_of(self, row: Any) -> int | None:
        return next((i for i, r in enumerate(self._shown) if self.rows[r] is row), None)

    def shown_rows(self) -> list[Any]:
        """The rows the view shows, in its order."""
        return [self.rows[i] for i in self._shown]

    def _matches(self, row: Any) -> bool:
        if not self._words:
            return True
        text = " ".join(display(c, row) for c in self.columns).casefold()
        return all(word in text for word in self._words)

    def _arrange(self) -> None:
        shown = [i for i, row in enumerate(self.rows) if self._matches(row)]
        if self._sorted_by is not None:
            column, order = self._sorted_by
            value = self.columns[column].value
            shown.sort(
                key=lambda i: sort_key(value(self.rows[i])),
                reverse=order == Qt.SortOrder.DescendingOrder,
            )
        self._shown = shown

    # -- Qt's model ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return display(self.columns[index.column()], self.row_at(index.row()))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None


class FilterBox(QLineEdit):
    """Type to filter the rows; Esc clears. `attach_find(page)` makes Ctrl+F focus it
    while the page is shown (a hidden page's shortcut does not fire)."""

    def __init__(self, model: RowTable, placeholder: str = "Filter (Ctrl+F)") -> None:
        super().__init__()
        self.setObjectName("listFilter")
        self.setPlaceholderText(placeholder)
        self.setAccessibleName("Filter the list")
        self.setClearButtonEnabled(True)
        self.setMinimumWidth(220)
        self.textChanged.connect(model.set_filter)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)

    def attach_find(self, page: QWidget) -> QShortcut:
        def find() -> None:
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.selectAll()

        return QShortcut(QKeySequence.StandardKey.Find, page, find)
