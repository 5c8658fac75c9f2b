"""The compliance dashboard: the reference checklist, each checkable item met or not from live state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from services.compliance.checklist import ChecklistItem, Status
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
from ui.compliance.documents import checklist_html, write_pdf

_COLOURS = {Status.MET: GREEN, Status.NOT_MET: RED, Status.MANUAL: GREY}


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
    ) -> None:
        super().__init__()
        self._zone = zone
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
        self.table = make_table(["Phase", "Item", "Status", "Detail"])
        outer.addWidget(self.table, 4)
        heading = QLabel("Credential ages (rotate every 90 days)")
        heading.setStyleSheet("font-weight: 600; margin-top: 8px;")
        outer.addWidget(heading)
        self.credentials = make_table(["Credential", "Set on", "Age", "Rotation"])
        self.credentials.setMaximumHeight(170)
        outer.addWidget(self.credentials, 1)
        self.refresh_button.clicked.connect(self.refresh)
        self.pdf_button.clicked.connect(self.save)
        self.refresh()

    def refresh(self) -> None:
        self.error.hide()
        call(
            self._runner,
            lambda: (self._load(), self._reminders()),
            self._show,
            lambda e: show_error(self.error, e),
        )

    def _show(self, result: tuple[list[ChecklistItem], list[RotationReminder]]) -> None:
        self.items, reminders = result
        fill_table(
            self.table,
            [[i.phase, i.text, i.status.label, i.detail] for i in self.items],
            [[None, None, _COLOURS[i.status], None] for i in self.items],
        )
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
