"""The compliance dashboard: the reference checklist, each checkable item met or not from live state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QWidget,
)

from services.compliance.checklist import ChecklistItem, Status
from services.compliance.evidence import Evidence
from services.keyrotation.reminders import RotationReminder
from ui.compliance.common import (
    GREEN,
    GREY,
    RED,
    Runner,
    call,
    error_banner,
    fill_table,
    make_table,
    page_layout,
    save_pdf,
    show_error,
)
from ui.compliance.documents import checklist_html, evidence_text, write_pdf
from ui.compliance.evidence_dialog import EvidenceDialog
from ui.operations import user_message

_COLOURS = {Status.MET: GREEN, Status.NOT_MET: RED, Status.MANUAL: GREY}


def _marked(item: ChecklistItem, zone: tzinfo) -> str:
    ev = item.evidence
    if ev is None:
        return ""
    return f"{ev.recorded_at.astimezone(zone):%Y-%m-%d %H:%M} by {ev.recorded_by_name}"


class ChecklistPage(QWidget):
    """`load()` returns the checklist; `reminders()` the credentials with their ages."""

    def __init__(
        self,
        load: Callable[[], list[ChecklistItem]],
        reminders: Callable[[], list[RotationReminder]],
        now: Callable[[], datetime],
        *,
        practice: str,
        runner: Runner,
        ask_path: Callable[[str], Path | None] | None = None,
        zone: tzinfo = UTC,
        record: Callable[[str, Evidence], object] | None = None,
        withdraw: Callable[[str, str], object] | None = None,
        ask_reason: Callable[[ChecklistItem], str | None] | None = None,
    ) -> None:
        """`record(key, evidence)` and `withdraw(key, reason)` are given to the compliance
        officer only (the services refuse anyone else)."""
        super().__init__()
        self._zone = zone
        self._record = record
        self._withdraw = withdraw
        self._ask_reason = ask_reason or self._reason_dialog
        self.dialog: EvidenceDialog | None = None
        self._load = load
        self._reminders = reminders
        self._now = now
        self._practice = practice
        self._runner = runner
        self._ask_path = ask_path
        self.items: list[ChecklistItem] = []
        outer = page_layout(
            self,
            "Compliance checklist",
            "The HIPAA checklist from the practice's reference. Items the software can check are "
            "read from this installation now; the others need a person and their evidence.",
        )
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("checklistSummary")
        self.summary.setStyleSheet("font-weight: 600;")
        self.refresh_button = QPushButton("&Refresh")
        self.pdf_button = QPushButton("Save as &PDF…")
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.pdf_button)
        outer.addLayout(bar)
        self.error = error_banner()
        outer.addWidget(self.error)
        self.table = make_table(["Phase", "Item", "Status", "Detail", "Marked done"])
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column, width in ((0, 150), (1, 390), (2, 112), (3, 300)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(column, width)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        outer.addWidget(self.table, 4)
        actions = QHBoxLayout()
        self.selected_label = QLabel()
        self.selected_label.setObjectName("checklistSelected")
        self.selected_label.setWordWrap(True)
        self.mark_button = QPushButton("&Mark done…")
        self.undo_button = QPushButton("&Undo mark…")
        self.mark_button.setEnabled(False)
        self.undo_button.setEnabled(False)
        actions.addWidget(self.selected_label, 1)
        if record is not None:
            actions.addWidget(self.mark_button)
        if withdraw is not None:
            actions.addWidget(self.undo_button)
        outer.addLayout(actions)
        heading = QLabel("Credential ages (rotate every 90 days)")
        heading.setStyleSheet("font-weight: 600; margin-top: 8px;")
        outer.addWidget(heading)
        self.credentials = make_table(["Credential", "Set on", "Age", "Rotation"])
        self.credentials.setMaximumHeight(170)
        outer.addWidget(self.credentials, 1)
        self.refresh_button.clicked.connect(self.refresh)
        self.pdf_button.clicked.connect(self.save)
        self.mark_button.clicked.connect(self.mark_selected)
        self.undo_button.clicked.connect(self.undo_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.refresh()

    # -- evidence ---------------------------------------------------------------------------

    def selected(self) -> ChecklistItem | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def select_item(self, key: str) -> None:
        for row, item in enumerate(self.items):
            if item.key == key:
                self.table.selectRow(row)
                self.table.scrollTo(self.table.model().index(row, 0))
                return

    def _selection_changed(self) -> None:
        item = self.selected()
        self.mark_button.setEnabled(bool(item and item.recordable))
        self.undo_button.setEnabled(bool(item and item.recordable and item.evidence))
        if item is None:
            self.selected_label.setText("")
            return
        parts = [f"HIPAA checklist: {item.reference}."]
        ev = item.evidence
        if ev is not None:
            said = evidence_text(item, self._zone)
            parts.append(said if said.endswith((".", "!", "?")) else said + ".")
            if ev.attachment:
                parts.append(f"Evidence kept at: {ev.attachment}")
        elif item.recordable and self._record is None:
            parts.append("The compliance officer marks this item done.")
        self.selected_label.setText("  ".join(parts))
        self.mark_button.setText("&Replace evidence…" if ev else "&Mark done…")

    def mark_selected(self) -> EvidenceDialog | None:
        """Open the evidence dialog for the selected item (window-modal, not blocking)."""
        item = self.selected()
        record = self._record
        if item is None or not item.recordable or record is None:
            return None
        dialog = EvidenceDialog(item, self._today(), self)
        self.dialog = dialog

        def recorded(_: object) -> None:
            dialog.done_ok()
            self.refresh()

        def submit(evidence: Evidence) -> None:
            call(
                self._runner,
                lambda: record(item.key, evidence),
                recorded,
                lambda e: dialog.refused(user_message(e)),
            )

        dialog.submitted.connect(submit)
        dialog.open()
        return dialog

    def undo_selected(self) -> None:
        item = self.selected()
        withdraw = self._withdraw
        if item is None or item.evidence is None or withdraw is None:
            return
        reason = self._ask_reason(item)
        if reason is None:
            return
        self.error.hide()
        call(
            self._runner,
            lambda: withdraw(item.key, reason),
            lambda _: self.refresh(),
            lambda e: show_error(self.error, e),
        )

    def _reason_dialog(self, item: ChecklistItem) -> str | None:
        text, ok = QInputDialog.getText(
            self,
            "Undo mark",
            "The item will no longer count as done. Why (optional)?",
        )
        return text if ok else None

    def _today(self) -> date:
        return self._now().astimezone(self._zone).date()

    def refresh(self) -> None:
        self.error.hide()
        call(
            self._runner,
            lambda: (self._load(), self._reminders()),
            self._show,
            lambda e: show_error(self.error, e),
        )

    def _show(self, result: tuple[list[ChecklistItem], list[RotationReminder]]) -> None:
        chosen = self.selected()
        self.items, reminders = result
        fill_table(
            self.table,
            [
                [i.phase, i.text, i.status.label, i.detail, _marked(i, self._zone)]
                for i in self.items
            ],
            [[None, None, _COLOURS[i.status], None, None] for i in self.items],
        )
        for row, item in enumerate(self.items):
            cell = self.table.item(row, 1)
            if cell is not None:
                cell.setToolTip(f"{item.text}\nHIPAA checklist: {item.reference}")
            marked = self.table.item(row, 4)
            if marked is not None and item.evidence is not None:
                marked.setToolTip(evidence_text(item, self._zone))
        if chosen is not None:
            self.select_item(chosen.key)
        self._selection_changed()
        met = sum(1 for i in self.items if i.status is Status.MET)
        missing = sum(1 for i in self.items if i.status is Status.NOT_MET)
        manual = sum(1 for i in self.items if i.status is Status.MANUAL)
        self.summary.setText(f"{met} met · {missing} not met · {manual} to check by hand")
        fill_table(
            self.credentials,
            [
                [
                    r.label,
                    f"{r.created_at:%Y-%m-%d}",
                    f"{r.age_days} days",
                    "due now" if r.due else f"due in {90 - r.age_days} days",
                ]
                for r in reminders
            ],
            [[None, None, None, RED if r.due else GREEN] for r in reminders],
        )

    def save(self) -> Path | None:
        html_text = checklist_html(self.items, self._practice, self._now(), zone=self._zone)
        if self._ask_path is None:
            return save_pdf(self, html_text, "Compliance checklist", "compliance-checklist.pdf")
        target = self._ask_path("compliance-checklist.pdf")
        return write_pdf(html_text, target, "Compliance checklist") if target else None
