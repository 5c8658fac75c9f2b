"""The second sign-in step: a code from the authenticator app, or a recovery code."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ui.auth.signin.card import card_layout


class CodePage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self,
            "Enter your code",
            "Type the 6-digit code from your authenticator app. If you do not have "
            "your phone, type one of your recovery codes instead.",
        )
        self.code_edit = QLineEdit()
        self.code_edit.setAccessibleName("Code")
        self.code_edit.setPlaceholderText("123 456  or  abcde-fghjk")
        self.code_edit.setMaxLength(16)
        layout.addWidget(self.code_edit)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("&Back")
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setObjectName("primary")
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.verify_button)
        layout.addLayout(buttons)
        # The demo's code of the moment, here where it is typed (demo only; empty otherwise).
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("pageSubtitle")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.hide()
        layout.addWidget(self.hint)
        layout.addStretch(1)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def take_code(self) -> str:
        """The typed code, cleared from the screen."""
        code = self.code_edit.text()
        self.code_edit.clear()
        return code

    def set_busy(self, busy: bool) -> None:
        self.verify_button.setEnabled(not busy)
