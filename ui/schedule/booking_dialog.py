"""Book a patient into a time, or move an appointment: the time is checked as the fields
change, a start inside the free range is offered, and nothing is written before a yes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from services.pms.records import Appointment, Operatory, PatientContact, Provider
from services.workflows.booking import BookingCheck, BookingRequest
from ui.operations import Run, user_message


def patient_line(p: PatientContact) -> str:
    born = f" · born {p.birthdate:%d %b %Y}" if p.birthdate else ""
    return f"{p.name or 'Patient'} · chart {p.pat_num}{born}"


class BookingDialog(QDialog):
    """`commit(pat_num, request)` books or moves; `changed` carries the page's notice."""

    changed = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        runner: Run,
        *,
        request: BookingRequest,
        providers: list[Provider],
        operatories: list[Operatory],
        check: Callable[[BookingRequest], BookingCheck],
        commit: Callable[[int, BookingRequest], object],
        find_patients: Callable[[str], list[PatientContact]] | None = None,
        moving: Appointment | None = None,
        patient: PatientContact | None = None,
        heading: str | None = None,
        verbs: tuple[str, str] | None = None,
    ) -> None:
        """`patient` books that patient (no search); `heading` replaces the title's text
        and `verbs` the words of the question and the notice, e.g. ("Rebook", "Rebooked")
        (a no-show is rebooked, a waiting patient booked)."""
        super().__init__(parent)
        self._verbs = verbs or (("Move", "Moved") if moving else ("Book", "Booked"))
        self.setObjectName("bookingDialog")
        self.setStyleSheet("QDialog { background: #f8fafc; }")
        self.setMinimumWidth(560)
        self._run = runner
        self._check = check
        self._commit = commit
        self._find = find_patients
        self._moving = moving
        self._providers = {p.prov_num: p for p in providers}
        self._operatories = {o.op_num: o for o in operatories}
        self._token = 0
        self.checking = False
        self.last_check: BookingCheck | None = None
        self.question: QMessageBox | None = None
        self.patient: PatientContact | None = patient
        self.committing = False
        self.kept = False  # the last write waits for Open Dental

        title = "Move the appointment" if moving else "Book an appointment"
        self.setWindowTitle(heading or title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)
        if heading is None:
            heading = (
                f"Move {moving.patient_name or 'the appointment'}"
                if moving
                else "Book an appointment"
            )
        title_label = QLabel(heading)
        title_label.setObjectName("pageTitle")
        layout.addWidget(title_label)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        if moving is None and patient is not None:
            form.addRow("Patient:", QLabel(patient_line(patient)))
        elif moving is None:
            search = QHBoxLayout()
            self.search_edit = QLineEdit()
            self.search_edit.setPlaceholderText('Last name, "Last, First", birth date or phone')
            self.search_edit.setAccessibleName("Find a patient")
            self.search_button = QPushButton("&Find")
            search.addWidget(self.search_edit, 1)
            search.addWidget(self.search_button)
            form.addRow("Patient:", search)
            self.results = QListWidget()
            self.results.setMaximumHeight(110)
            self.results.setAccessibleName("Patients found")
            form.addRow("", self.results)
            self.search_button.clicked.connect(self.search)
            self.search_edit.returnPressed.connect(self.search)
            self.results.currentItemChanged.connect(self._patient_chosen)
        self.date_edit = QDateEdit()
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setCalendarPopup(True)
        self.time_edit = QTimeEdit()
        self.time_edit.setDisplayFormat("HH:mm")
        self.length = QSpinBox()
        self.length.setRange(5, 480)
        self.length.setSingleStep(5)
        self.length.setSuffix(" minutes")
        self.op_box = QComboBox()
        for op in operatories:
            if not op.is_hidden:
                self.op_box.addItem(op.name, op.op_num)
        self.prov_box = QComboBox()
        self.hyg_box = QComboBox()
        self.hyg_box.addItem("None", 0)
        for p in providers:
            if p.is_hidden:
                continue
            self.prov_box.addItem(f"{p.abbr} — {p.name}", p.prov_num)
            if p.is_hygienist:
                self.hyg_box.addItem(f"{p.abbr} — {p.name}", p.prov_num)
        self.hygiene = QCheckBox("Hygiene visit (needs a hygiene operatory)")
        form.addRow("Date:", self.date_edit)
        form.addRow("Start:", self.time_edit)
        form.addRow("Length:", self.length)
        form.addRow("Operatory:", self.op_box)
        form.addRow("Provider:", self.prov_box)
        form.addRow("Hygienist:", self.hyg_box)
        form.addRow("", self.hygiene)
        layout.addLayout(form)
        self.verdict = QLabel("Checking the time…")
        self.verdict.setWordWrap(True)
        self.verdict.setObjectName("checkResult")
        layout.addWidget(self.verdict)
        self.error = QLabel()  # why the last write was refused; stays while the time is rechecked
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.offer_button = QPushButton("Use the offered start")
        self.offer_button.setEnabled(False)
        self.commit_button = QPushButton(f"&{self._verbs[0]}…")
        self.commit_button.setEnabled(False)
        self.commit_button.setDefault(True)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        buttons.addWidget(self.offer_button)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.commit_button)
        layout.addLayout(buttons)
        self.offer_button.clicked.connect(self.use_offer)
        self.commit_button.clicked.connect(self.ask)

        self._fill(request)
        if moving is not None:  # a move keeps the visit's length, kind and hygienist
            for widget in (self.length, self.hygiene, self.hyg_box):
                widget.setEnabled(False)
        for signal in (
            self.date_edit.dateChanged,
            self.time_edit.timeChanged,
            self.length.valueChanged,
            self.op_box.currentIndexChanged,
            self.prov_box.currentIndexChanged,
            self.hyg_box.currentIndexChanged,
            self.hygiene.toggled,
        ):
            signal.connect(self.recheck)
        self.recheck()

    # -- the fields ---------------------------------------------------------------------

    def _fill(self, r: BookingRequest) -> None:
        self.date_edit.setDate(QDate(r.start.year, r.start.month, r.start.day))
        self.time_edit.setTime(QTime(r.start.hour, r.start.minute))
        self.length.setValue(r.minutes)
        for box, value in ((self.op_box, r.op_num), (self.prov_box, r.prov_num)):
            index = box.findData(value)
            if index >= 0:
                box.setCurrentIndex(index)
        index = self.hyg_box.findData(r.prov_hyg)
        self.hyg_box.setCurrentIndex(max(0, index))
        self.hygiene.setChecked(r.is_hygiene)

    def request(self) -> BookingRequest:
        d, t = self.date_edit.date(), self.time_edit.time()
        return BookingRequest(
            datetime(d.year(), d.month(), d.day(), t.hour(), t.minute()),
            self.length.value(),
            int(self.op_box.currentData() or 0),
            int(self.prov_box.currentData() or 0),
            int(self.hyg_box.currentData() or 0),
            self.hygiene.isChecked(),
            self._moving.apt_num if self._moving else 0,
        )

    # -- the patient --------------------------------------------------------------------

    def search(self) -> None:
        find, text = self._find, self.search_edit.text().strip()
        if find is None or not text:
            return
        self.results.clear()
        self._run(lambda: find(text), self._found, self._failed, owner=self)

    def _found(self, patients: list[PatientContact]) -> None:
        self.results.clear()
        for p in patients[:50]:
            item = QListWidgetItem(patient_line(p))
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(patient_line(p))
            self.results.addItem(item)
        if not patients:
            self.results.addItem("No patient found.")

    def _patient_chosen(self, item: QListWidgetItem | None) -> None:
        data = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.patient = data if isinstance(data, PatientContact) else None
        self._update_commit()

    # -- the check ------------------------------------------------------------------------

    def recheck(self) -> None:
        self._token += 1
        token, request = self._token, self.request()
        self.checking = True
        self.commit_button.setEnabled(False)
        self.verdict.setText("Checking the time…")
        check = self._check
        self._run(
            lambda: check(request),
            lambda found: self._checked(token, found),
            lambda error: self._check_failed(token, error),
            owner=self,
        )

    def _checked(self, token: int, found: BookingCheck) -> None:
        if token != self._token:
            return  # the fields changed meanwhile; a newer check is on its way
        self.checking = False
        self.last_check = found
        request = found.request
        lines = []
        if found.ok:
            self.verdict.setObjectName("banner")
            lines.append(f"Free: {request.start:%a %d %b %H:%M}–{request.end:%H:%M}.")
        else:
            self.verdict.setObjectName("errorBanner")
            lines.append("This time cannot be booked: " + " ".join(found.problems))
        if found.offered is not None and found.free_from and found.free_until:
            lines.append(
                f"Free range: {found.free_from:%H:%M}–{found.free_until:%H:%M}; "
                f"offered start {found.offered:%H:%M}."
            )
        elif not found.ok:
            lines.append("No free time of that length on this day for this chair and provider.")
        self.verdict.setText("\n".join(lines))
        self.verdict.style().polish(self.verdict)
        self.offer_button.setEnabled(found.offered is not None and found.offered != request.start)
        self._update_commit()

    def _check_failed(self, token: int, error: Exception) -> None:
        if token == self._token:
            self.checking = False
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        self.verdict.setObjectName("errorBanner")
        self.verdict.setText(user_message(error))
        self.verdict.style().polish(self.verdict)

    def use_offer(self) -> None:
        found = self.last_check
        if found is not None and found.offered is not None:
            self.time_edit.setTime(QTime(found.offered.hour, found.offered.minute))

    def _update_commit(self) -> None:
        ready = self.last_check is not None and self.last_check.ok and not self.checking
        needs_patient = self._moving is None
        self.commit_button.setEnabled(
            ready and not self.committing and (self.patient is not None or not needs_patient)
        )

    # -- asking, then writing ----------------------------------------------------------------

    def describe(self, r: BookingRequest) -> str:
        op = self._operatories.get(r.op_num)
        prov = self._providers.get(r.prov_num)
        who = (
            self._moving.patient_name
            if self._moving
            else (self.patient.name if self.patient else "")
        )
        return (
            f"{who or 'the patient'} on {r.start:%A %d %B} at {r.start:%H:%M}–{r.end:%H:%M}, "
            f"{op.name if op else 'operatory'} with {prov.abbr if prov else 'the provider'}"
        )

    def ask(self) -> None:
        found = self.last_check
        if found is None or not found.ok:
            return
        request = found.request
        verb = self._verbs[0]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            f"{verb} this appointment?",
            f"{verb} {self.describe(request)}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        self.question = box
        box.finished.connect(lambda answer: self._answered(answer, request))
        box.open()

    def _answered(self, answer: int, request: BookingRequest) -> None:
        self.question = None
        if answer != QMessageBox.StandardButton.Yes:
            return
        pat_num = (
            self._moving.pat_num if self._moving else (self.patient.pat_num if self.patient else 0)
        )
        self.committing = True
        self._update_commit()
        commit, text = self._commit, self.describe(request)
        verb = self._verbs[1]

        def landed(result: object) -> None:
            self.committing = False
            # False (a move) or 0 (a new appointment): Open Dental cannot be reached and the
            # write is kept for the "pms_writes" job, which checks the time again first.
            self.kept = result is False or (type(result) is int and result == 0)
            self.changed.emit(
                f"Open Dental cannot be reached: {verb.lower()} {text} is kept and will be "
                "sent when it answers again (the time is checked again first)."
                if self.kept
                else f"{verb} {text}."
            )
            self.accept()

        def refused(error: Exception) -> None:
            self.committing = False
            self.error.setText(user_message(error))
            self.error.show()
            self.recheck()

        self._run(lambda: commit(pat_num, request), landed, refused, owner=self)
