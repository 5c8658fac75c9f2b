"""The wizard's manager page: the first office manager, with the authenticator key as QR and text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from ui.auth.qr import qr_pixmap
from ui.firstrun.actions import Background, FirstRunActions, error_label
from ui.operations import Run, user_message


class ManagerPage(QWizardPage):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = Background(run, self)
        self.confirmed = False
        self.created = False
        self.setTitle("Create the first office manager")
        self.setSubTitle(
            "This person adds everyone else. Their sign-in needs a password and an "
            "authenticator app."
        )
        form = QFormLayout(self)
        self.login = QLineEdit()
        self.name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&User name", self.login)
        form.addRow("&Full name", self.name)
        form.addRow("&Password (12+ characters)", self.password)
        self.create_button = QPushButton("&Create and show the authenticator code")
        form.addRow(self.create_button)
        self.enrollment = QWidget()
        row = QHBoxLayout(self.enrollment)
        row.setContentsMargins(0, 0, 0, 0)
        self.qr = QLabel()
        self.qr.setAccessibleName("QR code for the authenticator app")
        self.qr.setFixedSize(180, 180)
        self.qr.setScaledContents(True)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        side.addWidget(QLabel("Scan it with the authenticator app, or type this key by hand:"))
        self.key = QLabel()
        self.key.setAccessibleName("Authenticator key")
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setStyleSheet("font-family: monospace; font-size: 12pt; font-weight: 600;")
        self.key.setWordWrap(True)
        side.addWidget(self.key)
        self.account = QLabel()
        self.account.setWordWrap(True)
        side.addWidget(self.account)
        side.addStretch(1)
        row.addLayout(side, 1)
        self.enrollment.hide()
        form.addRow(self.enrollment)
        self.code = QLineEdit()
        self.code.setPlaceholderText("6-digit code from the app")
        self.code.setEnabled(False)
        form.addRow("Code", self.code)
        self.error = error_label()
        form.addRow(self.error)
        self.create_button.clicked.connect(self.make)

    def make(self) -> None:
        login, name = self.login.text().strip(), self.name.text().strip()
        password = self.password.text()
        self._background(
            lambda: self._actions.create_manager(login, name, password),
            self._made,
            self._show_error,
        )

    def _show_error(self, exc: Exception) -> None:
        self.error.setText(user_message(exc))
        self.error.show()

    def _made(self, made: tuple[str, str]) -> None:
        uri, secret = made
        self.password.clear()
        self.created = True
        self.error.hide()
        self.qr.setPixmap(qr_pixmap(uri))
        self.key.setText(" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
        self.account.setText(
            f"Account: {self.login.text().strip()} · time-based, 6 digits, every 30 seconds"
        )
        self.enrollment.show()
        self.create_button.setEnabled(False)
        self.login.setReadOnly(True)
        self.code.setEnabled(True)
        self.code.setFocus()

    def validatePage(self) -> bool:
        """The code is checked in the background; on success the wizard shows the summary."""
        if self.confirmed:
            return True
        if not self.created:
            self.error.setText("Create the account first.")
            self.error.show()
            return False
        login, code = self.login.text().strip(), self.code.text()

        def confirmed(_: object) -> None:
            self.confirmed = True
            self.error.hide()
            self.code.setEnabled(False)
            self.wizard().next()

        self._background(
            lambda: self._actions.confirm_manager(login, code), confirmed, self._show_error
        )
        return False
