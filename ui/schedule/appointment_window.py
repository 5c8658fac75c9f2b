"""The appointment window: one appointment as the role may see it, and the actions it may take."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.pms.records import Provider
from services.workflows.appointment import AppointmentAction, AppointmentCard
from ui.operations import Run, user_message

NOT_SHOWN = "not shown for your role"


def provider_text(provider: Provider | None) -> str:
    return f"{provider.abbr} — {provider.name}" if provider else "—"


class AppointmentWindow(QDialog):
    """Owned by the main window (the idle lock closes it); the appointment is read in the
    background when it opens, so nothing is shown until the read is recorded."""

    actionChosen = Signal(str)  # an AppointmentAction's value; the card is `card`

    def __init__(self, load: Callable[[], AppointmentCard], runner: Run, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("appointmentWindow")
        self.setWindowTitle("Appointment")
        self.setStyleSheet("QDialog { background: #f8fafc; }")
        self.setMinimumWidth(520)
        self.card: AppointmentCard | None = None
        self.loading = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        self.heading = QLabel("Opening the appointment…")
        self.heading.setObjectName("pageTitle")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setHorizontalSpacing(16)
        self.fields: dict[str, QLabel] = {}
        for name in (
            "Patient",
            "Chart number",
            "Age",
            "Phone",
            "Email",
            "When",
            "Length",
            "Provider",
            "Hygienist",
            "Operatory",
            "Procedure",
            "Status",
            "Confirmation",
            "Note",
        ):
            value = QLabel("…")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = value
            self.form.addRow(f"{name}:", value)
        layout.addLayout(self.form)
        self.buttons = QHBoxLayout()
        self.action_buttons: dict[AppointmentAction, QPushButton] = {}
        self.buttons.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        self.buttons.addWidget(self.close_button)
        layout.addLayout(self.buttons)
        runner(load, self._loaded, self._failed, owner=self)

    def show_failure(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()

    def _failed(self, error: Exception) -> None:
        self.loading = False
        self.heading.setText("The appointment could not be opened")
        for value in self.fields.values():
            value.setText("")
        self.show_failure(user_message(error))

    def _loaded(self, card: AppointmentCard) -> None:
        self.loading = False
        self.card = card
        a = card.appointment
        name = a.patient_name or "Patient"
        self.heading.setText(f"{name} — {a.start:%a %d %b, %H:%M}")
        contact = card.contact
        age = card.age
        values = {
            "Patient": a.patient_name or NOT_SHOWN,
            "Chart number": card.chart_number or NOT_SHOWN,
            "Age": str(age) if age is not None else NOT_SHOWN,
            "Phone": (contact.phone if contact else a.phone) or NOT_SHOWN,
            "Email": (contact.email if contact else a.email) or NOT_SHOWN,
            "When": f"{a.start:%A %d %B %Y, %H:%M}–{a.end:%H:%M}",
            "Length": f"{a.minutes} minutes",
            "Provider": provider_text(card.provider),
            "Hygienist": provider_text(card.hygienist),
            "Operatory": card.operatory.name if card.operatory else f"#{a.op_num}",
            "Procedure": a.appointment_type or "—",
            "Status": "No-show (broken)" if a.status.value == "Broken" else a.status.value,
            "Confirmation": (
                NOT_SHOWN
                if a.confirmed is None
                else "Confirmed"
                if a.confirmed
                else "Not confirmed"
            ),
            "Note": a.note if a.note is not None else NOT_SHOWN,
        }
        for key, text in values.items():
            self.fields[key].setText(text or "—")
            self.fields[key].setEnabled(text != NOT_SHOWN)
        if a.note is None:  # the note is for clinical roles: no row at all for the others
            self.form.setRowVisible(self.fields["Note"], False)
        for action in card.actions:
            button = QPushButton(action.label)
            button.clicked.connect(lambda _=False, act=action: self.actionChosen.emit(act.value))
            self.action_buttons[action] = button
            self.buttons.insertWidget(self.buttons.count() - 1, button)
        if not card.actions:
            note = QLabel("Your role views this schedule; the front desk books and changes it.")
            note.setObjectName("pageSubtitle")
            self.buttons.insertWidget(0, note)
