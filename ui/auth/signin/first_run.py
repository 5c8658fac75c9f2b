"""A new installation with no accounts: how IT creates the first one, and "Check again"."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from ui.auth.signin.card import card_layout


class FirstRunPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self,
            "No one can sign in yet",
            "This installation has no user accounts. Your IT administrator creates the first "
            "one (an office manager, who can then add everyone else) on this computer with:",
        )
        command = QLabel(
            "enamel-admin user add NAME \\\n    --role office_manager --password-stdin"
        )
        command.setObjectName("command")
        command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        command.setStyleSheet(
            "QLabel#command { font-family: monospace; background: #f1f5f9; "
            "border: 1px solid #e2e8f0; border-radius: 6px; padding: 10px 12px; }"
        )
        layout.addWidget(command)
        after = QLabel(
            "It prints a link for the person's authenticator app. Then choose Check again."
        )
        after.setWordWrap(True)
        after.setObjectName("pageSubtitle")
        layout.addWidget(after)
        self.check_again_button = QPushButton("&Check again")
        self.check_again_button.setObjectName("primary")
        layout.addWidget(self.check_again_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
