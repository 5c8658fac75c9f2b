"""Breaking an appointment (missed or cancelled, to the Unscheduled List or not) and
setting its confirmation: small dialogs owned by the main window, asked before written."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from services.pms.records import Appointment, ConfirmStatus
from services.workflows.booking import BreakReason
from ui.operations import Run, user_message


class _Change(QDialog):
    changed = Signal(str)

    def __init__(self, parent: QWidget, runner: Run, title: str, text: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setStyleSheet("QDialog { background: #f8fafc; }")
        self.setMinimumWidth(440)
        self._run = runner
        self.busy = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 20, 24, 18)
        heading = QLabel(title)
        heading.setObjectName("pageTitle")
        self.layout_.addWidget(heading)
        body = QLabel(text)
        body.setWordWrap(True)
        self.layout_.addWidget(body)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()

    def finish(self, ok_text: str) -> QPushButton:
        self.layout_.addWidget(self.error)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        ok = QPushButton(ok_text)
        ok.setDefault(True)
        row.addWidget(cancel)
        row.addWidget(ok)
        self.layout_.addLayout(row)
        self.ok_button = ok
        return ok

    def send(self, work: Callable[[], object], notice: str) -> None:
        """`work` returning False: Open Dental cannot be reached and the change is kept."""
        self.busy = True
        self.ok_button.setEnabled(False)

        def landed(result: object) -> None:
            self.busy = False
            self.changed.emit(
                "Open Dental cannot be reached: the change is kept and will be sent when it "
                "answers again."
                if result is False
                else notice
            )
            self.accept()

        def failed(error: Exception) -> None:
            self.busy = False
            self.ok_button.setEnabled(True)
            self.error.setText(user_message(error))
            self.error.show()

        self._run(work, landed, failed, owner=self)


def _who(a: Appointment) -> str:
    return f"{a.patient_name or 'The appointment'}, {a.start:%a %d %b %H:%M}"


class BreakDialog(_Change):
    def __init__(
        self,
        parent: QWidget,
        runner: Run,
        appointment: Appointment,
        send: Callable[[Appointment, BreakReason, bool], None],
    ) -> None:
        super().__init__(
            parent,
            runner,
            "Break the appointment",
            f"{_who(appointment)}. Breaking frees the time; Open Dental records the reason.",
        )
        self.missed = QRadioButton("Missed (did not come)")
        self.cancelled = QRadioButton("Cancelled (called to cancel)")
        self.cancelled.setChecked(True)
        self.to_list = QCheckBox("Send it to the Unscheduled List (to rebook later)")
        self.to_list.setChecked(True)
        for w in (self.missed, self.cancelled, self.to_list):
            self.layout_.addWidget(w)
        ok = self.finish("Break the appointment")

        def go() -> None:
            reason = BreakReason.MISSED if self.missed.isChecked() else BreakReason.CANCELLED
            listed = self.to_list.isChecked()
            where = " and sent to the Unscheduled List" if listed else ""
            self.send(
                lambda: send(appointment, reason, listed),
                f"Broken ({reason.value.lower()}){where}: {_who(appointment)}.",
            )

        ok.clicked.connect(go)


class ConfirmDialog(_Change):
    def __init__(
        self,
        parent: QWidget,
        runner: Run,
        appointment: Appointment,
        send: Callable[[Appointment, ConfirmStatus], bool],
    ) -> None:
        super().__init__(parent, runner, "Confirmation", f"{_who(appointment)}.")
        self.status_box = QComboBox()
        self.status_box.setAccessibleName("Confirmation status")
        for status in ConfirmStatus:
            self.status_box.addItem(status.value, status.value)
        self.status_box.setCurrentIndex(self.status_box.findData(ConfirmStatus.CONFIRMED.value))
        self.layout_.addWidget(self.status_box)
        ok = self.finish("Set the confirmation")

        def go() -> None:
            status = ConfirmStatus(self.status_box.currentData())
            self.send(
                lambda: send(appointment, status),
                f"Confirmation set to {status.value}: {_who(appointment)}.",
            )

        ok.clicked.connect(go)
