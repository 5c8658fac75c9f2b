"""The patient look-up and the patient card it opens (name, chart number, birth date,
contact, and the last and next appointment)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.access import Actor
from services.pms.records import Appointment, PatientContact
from services.workflows.lookup import LookupService
from services.workflows.patient_card import PatientCard
from ui.operations import Run, user_message
from ui.workflows.worklist import Action, Column, WorklistPage


def visit_line(a: Appointment | None, names: dict[int, str] | None = None) -> str:
    if a is None:
        return "None on the book"
    who = (names or {}).get(a.prov_num, "")
    what = a.appointment_type or "Appointment"
    return f"{a.start:%a %d %b %Y %H:%M} · {what} · {a.minutes} min" + (f" · {who}" if who else "")


class PatientCardDialog(QDialog):
    """Read in the background; shows 'Loading…' until the card lands."""

    def __init__(
        self,
        parent: QWidget,
        runner: Run,
        patient: PatientContact,
        load: Callable[[], PatientCard],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("patientCard")
        self.setWindowTitle("Patient card")
        self.setMinimumWidth(520)
        self.loading = True
        self.card: PatientCard | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        heading = QLabel(patient.name or "Patient")
        heading.setObjectName("pageTitle")
        layout.addWidget(heading)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.fields: dict[str, QLabel] = {}
        born = f"{patient.birthdate:%d %b %Y}" if patient.birthdate else "—"
        for label, value in (
            ("Chart number", str(patient.pat_num)),
            ("Birth date", born),
            ("Phone", patient.phone or "—"),
            ("Email", patient.email or "—"),
            ("Last visit", "Loading…"),
            ("Next appointment", "Loading…"),
        ):
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[label] = shown
            form.addRow(f"{label}:", shown)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        runner(load, self._loaded, self._failed, owner=self)

    def _loaded(self, card: PatientCard) -> None:
        self.loading = False
        self.card = card
        self.fields["Last visit"].setText(visit_line(card.last))
        self.fields["Next appointment"].setText(visit_line(card.next))

    def _failed(self, error: Exception) -> None:
        self.loading = False
        for name in ("Last visit", "Next appointment"):
            self.fields[name].setText("—")
        self.error.setText(user_message(error))
        self.error.show()


class LookupPage(WorklistPage):
    card_dialog: PatientCardDialog | None = None


def lookup_page(
    service: LookupService,
    actor: Callable[[], Actor],
    runner: Run,
    card: Callable[[PatientContact], PatientCard] | None = None,
) -> LookupPage:
    """With `card` (a role that may read the schedule), a chosen patient opens their card."""
    box = QLineEdit()
    box.setPlaceholderText("Last name (or 'Last, First'), birth date YYYY-MM-DD, or phone")
    box.setAccessibleName("Search for a patient")
    box.setMinimumWidth(380)
    search = QPushButton("&Search")
    search.setObjectName("primary")
    page: LookupPage

    def open_card(patient: PatientContact) -> None:
        assert card is not None
        if page.card_dialog is not None:
            page.card_dialog.close()
        page.card_dialog = PatientCardDialog(page.window(), runner, patient, lambda: card(patient))
        page.card_dialog.open()

    page = LookupPage(
        "Patients",
        "Find a patient by name, birth date or phone. Only contact details are shown; the card "
        "adds the last and next appointment.",
        [
            Column("Name", lambda p: p.name),
            Column("Chart", lambda p: p.pat_num),
            Column("Birth date", lambda p: p.birthdate),
            Column("Phone", lambda p: p.phone),
            Column("Email", lambda p: p.email),
        ],
        lambda text: service.find(actor(), text),
        runner,
        [Action("Open &card…", open_card, primary=True)] if card is not None else [],
        toolbar=[box, search],
        empty_text="Type a name, birth date or phone and press Enter.",
        query=box.text,
        filterable=False,  # a search: its own box asks the PMS
    )
    box.returnPressed.connect(page.reload)
    search.clicked.connect(page.reload)
    return page
