"""After an administrator's reset: the person chooses their own password before going on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from services.auth.passwords import MIN_LENGTH
from ui.auth.signin.card import card_layout


class NewPasswordPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self,
            "Choose a new password",
            "Your password was reset by an administrator. Choose your own before you continue: "
            f"at least {MIN_LENGTH} characters. A short sentence you will remember works well.",
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
