"""The first password a person chooses, after an administrator set one for them (new or reset)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from ui.auth.signin.card import card_layout

MIN_LENGTH = 12  # services.auth.passwords.MIN_LENGTH; a test holds them equal


class NewPasswordPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self,
            "Choose a new password",
            "The password you signed in with was set by an administrator. Choose your own "
            f"before you continue: at least {MIN_LENGTH} characters. A short sentence you will "
            "remember works well.",
        )
        form = QFormLayout()
        form.setSpacing(10)
        self.new_password_edit = QLineEdit()
        self.new_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password_edit.setAccessibleName("New password")
        self.repeat_password_edit = QLineEdit()
        self.repeat_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password_edit.setAccessibleName("Repeat the new password")
        new_label = QLabel("&New password")
        new_label.setBuddy(self.new_password_edit)
        repeat_label = QLabel("&Repeat it")
        repeat_label.setBuddy(self.repeat_password_edit)
        form.addRow(new_label, self.new_password_edit)
        form.addRow(repeat_label, self.repeat_password_edit)
        layout.addLayout(form)
        self.save_password_button = QPushButton("&Save and continue")
        self.save_password_button.setObjectName("primary")
        layout.addWidget(self.save_password_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self.new_password_edit.returnPressed.connect(self.repeat_password_edit.setFocus)

    def start(self) -> None:
        self.new_password_edit.clear()
        self.repeat_password_edit.clear()
        self.new_password_edit.setFocus()

    def retype(self) -> None:
        """The two did not match: type the repeat again."""
        self.repeat_password_edit.clear()
        self.repeat_password_edit.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.save_password_button.setEnabled(not busy)
