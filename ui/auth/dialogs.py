"""Change password and emergency access ("break glass"): small dialogs over the desk."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from services.auth.breakglass import DEFAULT_MINUTES, MAX_MINUTES, MIN_MINUTES, MIN_REASON
from services.auth.passwords import MIN_LENGTH
from services.auth.signin import AuthService, Session
from ui.operations import Operations, user_message


def _header(layout: QVBoxLayout, title: str, text: str) -> None:
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    body = QLabel(text)
    body.setObjectName("pageSubtitle")
    body.setWordWrap(True)
    layout.addWidget(body)


def _frame(dialog: QDialog) -> QVBoxLayout:
    dialog.setStyleSheet("QDialog { background: #f8fafc; }")
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(28, 24, 28, 22)
    layout.setSpacing(12)
    return layout


def _plain(buttons: QDialogButtonBox) -> None:
    """No platform icons on the buttons: the house style is text only."""
    for button in buttons.buttons():
        button.setIcon(QIcon())


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorBanner")
    label.setWordWrap(True)
    label.hide()
    return label


class ChangePasswordDialog(QDialog):
    """The current password, then the new one twice. `session` is updated on success."""

    def __init__(
        self, auth: AuthService, runner: Operations, session: Session, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change password")
        self._auth = auth
        self._run = runner
        self.session = session
        layout = _frame(self)
        _header(
            layout,
            "Change your password",
            f"At least {MIN_LENGTH} characters, no other rules. A short sentence is easy to "
            "remember and hard to guess. Very common passwords are refused.",
        )
        form = QFormLayout()
        form.setSpacing(10)
        self.current_edit = QLineEdit()
        self.new_edit = QLineEdit()
        self.repeat_edit = QLineEdit()
        for edit, text in (
            (self.current_edit, "&Current password"),
            (self.new_edit, "&New password"),
            (self.repeat_edit, "&Repeat new password"),
        ):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setMinimumWidth(260)
            label = QLabel(text)
            label.setBuddy(edit)
            edit.setAccessibleName(text.replace("&", ""))
            form.addRow(label, edit)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Change password")
        self.save_button.setDefault(True)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        _plain(buttons)
        layout.addSpacing(4)
        layout.addWidget(buttons)
        self.setMinimumWidth(500)
        self.current_edit.setFocus()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _save(self) -> None:
        old, new = self.current_edit.text(), self.new_edit.text()
        if new != self.repeat_edit.text():
            self._show_error("The two new passwords are not the same. Type them again.")
            self.repeat_edit.clear()
            self.repeat_edit.setFocus()
            return
        self._show_error("")
        self.save_button.setEnabled(False)
        self.save_button.setText("Checking…")
        session = self.session

        def ok(updated: Session) -> None:
            self.session = updated
            self.accept()

        def failed(error: Exception) -> None:
            self.save_button.setEnabled(True)
            self.save_button.setText("&Change password")
            self.current_edit.clear()
            self._show_error(user_message(error))
            self.current_edit.setFocus()

        self._run.run(lambda: self._auth.change_password(session, old, new), ok, failed)


class BreakGlassDialog(QDialog):
    """Emergency access. The reason stays in the encrypted database and goes to the compliance
    officer; the audit trail records only that it happened and each access under it."""

    def __init__(
        self,
        auth: AuthService,
        runner: Operations,
        session: Session,
        on_granted: Callable[[Session], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Emergency access")
        self._auth = auth
        self._run = runner
        self._session = session
        self._on_granted = on_granted
        layout = _frame(self)
        _header(
            layout,
            "Emergency access",
            "Use only when a patient needs care now and your role does not show what you need. "
            "Every screen you open is recorded, and the compliance officer reviews the reason.",
        )
        reason_label = QLabel("&Why is it needed?")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("For example: patient in pain, the dentist is away")
        self.reason_edit.setFixedHeight(90)
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setAccessibleName("Reason")
        reason_label.setBuddy(self.reason_edit)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason_edit)
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes_spin.setValue(DEFAULT_MINUTES)
        self.minutes_spin.setSingleStep(15)
        self.minutes_spin.setSuffix(" minutes")
        self.minutes_spin.setFixedWidth(150)
        minutes_label = QLabel("Access &ends after")
        minutes_label.setBuddy(self.minutes_spin)
        row = QHBoxLayout()
        row.setSpacing(10)
        row.addWidget(minutes_label)
        row.addWidget(self.minutes_spin)
        row.addStretch(1)
        layout.addSpacing(4)
        layout.addLayout(row)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.grant_button = QPushButton("&Start emergency access")
        self.grant_button.setObjectName("primary")
        buttons.addButton(self.grant_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._grant)
        buttons.rejected.connect(self.reject)
        _plain(buttons)
        layout.addSpacing(4)
        layout.addWidget(buttons)
        self.setMinimumWidth(540)
        self.reason_edit.setFocus()

    def _grant(self) -> None:
        reason = self.reason_edit.toPlainText()
        if len(reason.strip()) < MIN_REASON:
            self.error.setText("Say why emergency access is needed (a short sentence).")
            self.error.show()
            return
        session, minutes = self._session, self.minutes_spin.value()
        self.grant_button.setEnabled(False)

        def ok(updated: Session) -> None:
            self.reason_edit.clear()
            self._on_granted(updated)
            self.accept()

        def failed(error: Exception) -> None:
            self.grant_button.setEnabled(True)
            self.error.setText(user_message(error))
            self.error.show()

        self._run.run(lambda: self._auth.break_glass(session, reason, minutes), ok, failed)
