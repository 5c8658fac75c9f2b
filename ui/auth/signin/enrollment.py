"""First sign-in: set up the authenticator from a QR code, then note the recovery codes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.auth.signin import Enrollment
from ui.auth.qr import qr_pixmap
from ui.auth.signin.card import card_layout


class EnrollmentPage(QWidget):
    """The QR code and the key to type by hand, and the code that confirms them."""

    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self,
            "Set up your authenticator",
            "Scan this code with an authenticator app (Microsoft Authenticator, "
            "Google Authenticator, 1Password…), then type the 6-digit code it shows.",
        )
        row = QHBoxLayout()
        self.qr_label = QLabel()
        self.qr_label.setAccessibleName("QR code for the authenticator app")
        self.qr_label.setFixedSize(220, 220)
        self.qr_label.setScaledContents(True)
        row.addWidget(self.qr_label, 0, Qt.AlignmentFlag.AlignTop)
        row.addSpacing(12)
        side = QVBoxLayout()
        side.addWidget(QLabel("Cannot scan? Type this key by hand:"))
        self.secret_label = QLabel()
        self.secret_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret_label.setStyleSheet("font-family: monospace; font-size: 11pt;")
        self.secret_label.setWordWrap(True)
        side.addWidget(self.secret_label)
        side.addStretch(1)
        row.addLayout(side, 1)
        layout.addLayout(row)
        self.enroll_code_edit = QLineEdit()
        self.enroll_code_edit.setPlaceholderText("123 456")
        self.enroll_code_edit.setAccessibleName("Code from the app")
        self.enroll_code_edit.setMaxLength(7)
        self.enroll_code_edit.setFixedWidth(160)
        code_label = QLabel("Code from the &app")
        code_label.setBuddy(self.enroll_code_edit)
        self.confirm_button = QPushButton("&Confirm")
        self.confirm_button.setObjectName("primary")
        confirm_row = QHBoxLayout()
        confirm_row.addWidget(code_label)
        confirm_row.addWidget(self.enroll_code_edit)
        confirm_row.addStretch(1)
        confirm_row.addWidget(self.confirm_button)
        layout.addSpacing(4)
        layout.addLayout(confirm_row)

    def show_enrollment(self, enrollment: Enrollment) -> None:
        self.qr_label.setPixmap(qr_pixmap(enrollment.uri))
        secret = enrollment.secret
        self.secret_label.setText(" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
        self.enroll_code_edit.clear()
        self.enroll_code_edit.setFocus()

    def take_code(self) -> str:
        code = self.enroll_code_edit.text()
        self.enroll_code_edit.clear()
        return code

    def set_busy(self, busy: bool) -> None:
        self.confirm_button.setEnabled(not busy)


class RecoveryCodesPage(QWidget):
    """The ten recovery codes, shown once; Continue only after "I have written them down"."""

    def __init__(self) -> None:
        super().__init__()
        layout = card_layout(
            self,
            "Your recovery codes",
            "Each code signs you in once if your phone is lost. Write them down and "
            "keep them somewhere safe. They will not be shown again.",
        )
        self.codes_view = QPlainTextEdit()
        self.codes_view.setReadOnly(True)
        self.codes_view.setStyleSheet("font-family: monospace; font-size: 12pt;")
        self.codes_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.codes_view.setAccessibleName("Recovery codes")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSize(12)  # as in the style sheet above, which wins over setFont
        lines = QFontMetrics(mono).lineSpacing()
        self.codes_view.setFixedHeight(lines * 5 + 40)
        layout.addWidget(self.codes_view)
        self.saved_box = QCheckBox("I have &written these codes down")
        layout.addWidget(self.saved_box)
        self.continue_button = QPushButton("C&ontinue")
        self.continue_button.setObjectName("primary")
        self.continue_button.setEnabled(False)
        layout.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        self.saved_box.toggled.connect(self.continue_button.setEnabled)

    def show_codes(self, codes: list[str]) -> None:
        """Numbered, in two columns: five rows fit the card without scrolling."""
        numbered = [f"{i + 1:>2}.  {c}" for i, c in enumerate(codes)]
        half = (len(numbered) + 1) // 2
        rows = [
            f"{left}        {right}" if right else left
            for left, right in zip(
                numbered[:half], numbered[half:] + [""] * (half * 2 - len(numbered)), strict=True
            )
        ]
        self.codes_view.setPlainText("\n".join(rows))
        self.saved_box.setChecked(False)

    def forget_codes(self) -> None:
        self.codes_view.clear()  # recovery codes leave the screen for good
