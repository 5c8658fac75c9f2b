"""First sign-in: set up the authenticator from a QR code, then keep the recovery codes."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.auth.clipboard import COPY_LIFETIME_SECONDS, ClipboardGuard
from ui.auth.signin.card import card_layout

CONTINUE_NEEDS_TICK = (
    "Continue opens once you tick “I have written these codes down”: the codes are not shown again."
)


if TYPE_CHECKING:
    from services.auth.signin import Enrollment


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
        from ui.auth.qr import qr_pixmap  # the QR library loads when a code is first shown

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
    """The ten recovery codes, shown once; Continue only after "I have written them down".

    Copy goes through the clipboard guard (cleared 30 s later); Print opens Qt's own print
    dialog, owned by the sign-in window, so `cancel_print` (at a restart) can cancel it."""

    def __init__(self, clipboard: ClipboardGuard | None = None) -> None:
        super().__init__()
        # No guard of its own until a copy needs one: a guard filters every event of the
        # application in Python, which would slow the sign-in window's first frame.
        self._clipboard: ClipboardGuard | None = clipboard
        self._codes: list[str] = []
        self._heading = ""
        self._print_dialog: QDialog | None = None
        # Before a session there is no idle lock to tick the guard: this page does, until
        # what it copied is cleared (after sign-in the idle lock's tick clears it as well).
        self._expiry = QTimer(self)
        self._expiry.setInterval(1000)
        self._expiry.timeout.connect(self._expire_copy)
        layout = card_layout(
            self,
            "Your recovery codes",
            "Each code signs you in once if your phone is lost. Write them down, print them "
            "or copy them into your password manager, and keep them somewhere safe. They will "
            "not be shown again.",
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
        tools = QHBoxLayout()
        self.copy_button = QPushButton("&Copy codes")
        self.copy_button.setToolTip(
            "Copy the ten codes, for a password manager. The clipboard is cleared after "
            f"{COPY_LIFETIME_SECONDS} seconds."
        )
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Print the ten codes on paper.")
        self.copied = QLabel()
        self.copied.setObjectName("pageSubtitle")
        self.copied.setWordWrap(True)
        self.copied.hide()
        tools.addWidget(self.copy_button)
        tools.addWidget(self.print_button)
        tools.addStretch(1)
        layout.addLayout(tools)
        layout.addWidget(self.copied)
        self.saved_box = QCheckBox("I have &written these codes down")
        layout.addWidget(self.saved_box)
        self.continue_button = QPushButton("C&ontinue")
        self.continue_button.setObjectName("primary")
        self.why_disabled = QLabel(CONTINUE_NEEDS_TICK)
        self.why_disabled.setObjectName("pageSubtitle")
        self.why_disabled.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.why_disabled, 1)
        bottom.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(bottom)
        self.saved_box.toggled.connect(self._saved_changed)
        self.copy_button.clicked.connect(self.copy_codes)
        self.print_button.clicked.connect(self.print_codes)
        self._saved_changed(False)

    def use_clipboard(self, clipboard: ClipboardGuard) -> None:
        """Copy through this guard from now on (the shell's, once the services are up)."""
        self._clipboard = clipboard

    def _saved_changed(self, saved: bool) -> None:
        self.continue_button.setEnabled(saved)
        self.continue_button.setToolTip("" if saved else CONTINUE_NEEDS_TICK)
        self.why_disabled.setVisible(not saved)

    def show_codes(self, codes: list[str], heading: str = "") -> None:
        """Numbered, in two columns: five rows fit the card without scrolling. `heading` (the
        account and practice) goes on the printed page."""
        self._codes = list(codes)
        self._heading = heading
        numbered = [f"{i + 1:>2}.  {c}" for i, c in enumerate(codes)]
        half = (len(numbered) + 1) // 2
        rows = [
            f"{left}        {right}" if right else left
            for left, right in zip(
                numbered[:half], numbered[half:] + [""] * (half * 2 - len(numbered)), strict=True
            )
        ]
        self.codes_view.setPlainText("\n".join(rows))
        self.copied.hide()
        self.saved_box.setChecked(False)

    def copy_codes(self) -> None:
        if not self._codes:
            return
        if self._clipboard is None:
            self._clipboard = ClipboardGuard()
        self._clipboard.copy("\n".join(self._codes))
        self._expiry.start()
        self.copied.setText(
            f"Copied. Enamel clears the clipboard in {COPY_LIFETIME_SECONDS} seconds."
        )
        self.copied.show()

    def _expire_copy(self) -> None:
        if self._clipboard is not None:
            self._clipboard.expire()
        if self._clipboard is None or not self._clipboard.holding:
            self._expiry.stop()
            self.copied.hide()

    def print_codes(self) -> None:
        """Qt's own print dialog (a printer, or a PDF file), owned by the sign-in window."""
        if not self._codes or self._print_dialog is not None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter  # loaded when first used

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self.window())
        dialog.setWindowTitle("Print your recovery codes")
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintToFile, True)
        self._print_dialog = dialog
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not self._codes:
                return  # cancelled, by the person or by a restart of the sign-in
            printed_codes(self._heading, self._codes).print_(printer)
            self.copied.setText("Sent to the printer.")
            self.copied.show()
        finally:
            self._print_dialog = None
            dialog.deleteLater()

    def cancel_print(self) -> None:
        if self._print_dialog is not None:
            self._print_dialog.reject()

    def forget_codes(self) -> None:
        self.cancel_print()
        self._codes = []
        self.codes_view.clear()  # recovery codes leave the screen for good
        self.copied.hide()


def printed_codes(heading: str, codes: list[str]) -> QTextDocument:
    """The page: what the codes are for, the codes in large monospace, how to use them."""
    items = "".join(f"<li><tt>{html.escape(c)}</tt></li>" for c in codes)
    document = QTextDocument()
    document.setHtml(
        "<h2>Enamel recovery codes</h2>"
        f"<p>{html.escape(heading)}</p>"
        "<p>If your phone is lost, type one of these at the code step of Enamel's sign-in. "
        "Each code works once. Keep this page locked away.</p>"
        f"<ol style='font-size:14pt'>{items}</ol>"
    )
    return document
