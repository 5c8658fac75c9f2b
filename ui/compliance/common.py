"""Pieces the compliance pages share: the page header, tables, running calls, saving PDFs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.compliance.documents import write_pdf
from ui.operations import Operations, user_message
from ui.save_path import ask_save_path

Runner = Operations

RED = QColor("#b91c1c")
GREEN = QColor("#166534")
GREY = QColor("#475569")


def page_layout(page: QWidget, title: str, subtitle: str) -> QVBoxLayout:
    page.setObjectName("page")
    outer = QVBoxLayout(page)
    outer.setContentsMargins(20, 16, 20, 12)
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    sub = QLabel(subtitle)
    sub.setObjectName("pageSubtitle")
    sub.setWordWrap(True)
    outer.addWidget(heading)
    outer.addWidget(sub)
    return outer


def error_banner() -> QLabel:
    label = QLabel()
    label.setObjectName("errorBanner")
    label.setWordWrap(True)
    label.hide()
    return label


def make_table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAlternatingRowColors(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def fill_table(
    table: QTableWidget,
    rows: Sequence[Sequence[str]],
    colours: Sequence[Sequence[QColor | None]] | None = None,
    data: Sequence[Any] | None = None,
) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            colour = colours[i][j] if colours else None
            if colour is not None:
                item.setForeground(colour)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if data is not None and j == 0:
                item.setData(Qt.ItemDataRole.UserRole, data[i])
            table.setItem(i, j, item)


def call(
    runner: Runner,
    fn: Callable[[], Any],
    on_success: Callable[[Any], None],
    on_error: Callable[[Exception], None],
) -> None:
    """Off the UI thread through the application's operations; the outcome lands on it."""
    runner.run(fn, on_success, on_error)


def show_error(banner: QLabel, error: Exception) -> None:
    banner.setText(user_message(error))
    banner.show()


def save_pdf(parent: QWidget, html_text: str, title: str, suggested: str) -> Path | None:
    chosen = ask_save_path(parent, "Save as PDF", suggested, "PDF (*.pdf)")
    if chosen is None:
        return None
    name = str(chosen)
    path = Path(name if name.lower().endswith(".pdf") else name + ".pdf")
    try:
        write_pdf(html_text, path, title)
    except OSError as exc:
        QMessageBox.warning(
            parent, "Save as PDF", f"The PDF could not be written ({exc.strerror})."
        )
        return None
    return path
