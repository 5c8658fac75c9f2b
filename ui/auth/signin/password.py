"""The first sign-in step: user name and password (and, in the demo, today's hint)."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from ui.auth.signin.card import card_layout


class PasswordPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self, "Sign in", "Use your own user name and password. Never share them."
        )
        form = QFormLayout()
        form.setSpacing(10)
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        user_label = QLabel("&User name")
        user_label.setBuddy(self.user_edit)
        password_label = QLabel("&Password")
        password_label.setBuddy(self.password_edit)
        form.addRow(user_label, self.user_edit)
        form.addRow(password_label, self.password_edit)
        layout.addLayout(form)
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.setDefault(True)
        layout.addWidget(self.sign_in_button)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("pageSubtitle")
        layout.addWidget(self.hint)
        self.user_edit.returnPressed.connect(self.password_edit.setFocus)

    def show_hint(self, text: str) -> None:
        if text:  # selectable for the demo's code; `Qt` is not touched before the first frame
            from PySide6.QtCore import Qt

            self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText("Checking…" if busy else "Sign in")

    def focus(self) -> None:
        """The password when a name is already typed (after a wrong code), else the name."""
        (self.password_edit if self.user_edit.text() else self.user_edit).setFocus()
