"""Mark a checklist item done: the date, a note and where the proof is kept (a reference)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.compliance.checklist import ChecklistItem
from services.compliance.evidence import Evidence


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class EvidenceDialog(QDialog):
    """Emits `submitted(Evidence)` on OK; the page records it and closes the dialog only when
    the service accepted it (`done_ok`), or shows the refusal here (`refused`)."""

    submitted = Signal(object)

    def __init__(self, item: ChecklistItem, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Mark checklist item done")
        self.setObjectName("evidenceDialog")
        self.item = item
        layout = QVBoxLayout(self)
        heading = QLabel(item.text)
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: 600;")
        layout.addWidget(heading)
        ref = QLabel(f"HIPAA checklist: {item.reference}")
        ref.setWordWrap(True)
        ref.setStyleSheet("color: #475569;")
        layout.addWidget(ref)
        form = QFormLayout()
        self.done_on = QDateEdit()
        self.done_on.setCalendarPopup(True)
        self.done_on.setDisplayFormat("yyyy-MM-dd")
        self.done_on.setMaximumDate(_qdate(today))
        self.done_on.setDate(_qdate(item.evidence.done_on if item.evidence else today))
        self.done_on.setAccessibleName("Date done")
        form.addRow("&Done on:", self.done_on)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(
            "What was done, by whom, what it found (e.g. 'Annual risk "
            "analysis with our IT company; three fixes planned')."
        )
        self.note.setAccessibleName("Note")
        self.note.setTabChangesFocus(True)
        if item.evidence:
            self.note.setPlainText(item.evidence.note)
        form.addRow("&Note:", self.note)
        self.attachment = QLineEdit(item.evidence.attachment if item.evidence else "")
        self.attachment.setPlaceholderText(
            "A file path, a document number, or where the paper copy is kept"
        )
        self.attachment.setAccessibleName("Where the evidence is kept")
        browse = QPushButton("&Choose file…")
        browse.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.addWidget(self.attachment, 1)
        row.addWidget(browse)
        where = QLabel("&Evidence kept at:")
        where.setBuddy(self.attachment)
        form.addRow(where, row)
        layout.addLayout(form)
        hint = QLabel(
            "Enamel keeps the reference only, not the file: keep the document where it says. "
            + (
                "This item needs the reference to the written report."
                if item.key == "risk_analysis"
                else ""
            )
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #475569;")
        layout.addWidget(hint)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Mark &done" if item.evidence is None else "&Replace evidence")
        self.note.textChanged.connect(self.error.hide)
        self.attachment.textChanged.connect(self.error.hide)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(560, 380)

    def evidence(self) -> Evidence:
        d = self.done_on.date()
        return Evidence(
            date(d.year(), d.month(), d.day()),
            self.note.toPlainText(),
            self.attachment.text(),
        )

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Where the evidence is kept")
        if path:
            self.attachment.setText(path)  # the path only: the file is not read or copied

    def _submit(self) -> None:
        self.error.hide()
        self.buttons.setEnabled(False)
        self.submitted.emit(self.evidence())

    def refused(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(message)
        self.error.show()

    def done_ok(self) -> None:
        self.buttons.setEnabled(True)
        self.accept()
