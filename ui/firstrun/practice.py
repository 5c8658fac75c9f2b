"""The wizard's first pages: the practice id (the same on every PC) and the recovery passphrase."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWizardPage

from ui.firstrun.actions import Background, FirstRunActions, error_label, note_label
from ui.operations import Run, user_message


class PracticePage(QWizardPage):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = Background(run, self)
        self.setTitle("Set up this practice")
        self.setSubTitle(
            "Enamel keeps its data encrypted on this computer. Start with the practice's id."
        )
        form = QFormLayout(self)
        self.practice = QLineEdit()
        self.practice.setPlaceholderText("for example smile-dental-01")
        self.practice.setAccessibleName("Practice id")
        form.addRow("&Practice id", self.practice)
        self.explained = note_label(
            "The practice id names this practice in Enamel: in its audit records and their "
            "archive, and in each person's authenticator app. <b>Every PC of the practice uses "
            "the same practice id</b>: on the practice's other PCs, type exactly this one. "
            "Lower-case letters, digits and hyphens, 2 to 63 characters."
        )
        self.explained.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(self.explained)
        self.error = error_label()
        form.addRow(self.error)
        self.passphrase = ""

    def validatePage(self) -> bool:
        """Creating the practice (keys, Argon2) runs in the background; then the wizard moves on."""
        if self.passphrase:
            return True
        practice_id = self.practice.text().strip()

        def created(passphrase: str) -> None:
            self.passphrase = passphrase
            self.practice.setReadOnly(True)
            self.error.hide()
            self.wizard().next()

        def failed(exc: Exception) -> None:
            self.error.setText(user_message(exc))
            self.error.show()

        self._background(lambda: self._actions.create_practice(practice_id), created, failed)
        return False


class PassphrasePage(QWizardPage):
    def __init__(self, practice: PracticePage) -> None:
        super().__init__()
        self._practice = practice
        self.confirmed = False
        self.setTitle("Write down the recovery passphrase")
        self.setSubTitle(
            "It is shown once. Without it, a new PC or a lost credential store means the "
            "data cannot be read. Keep it locked away, not on this computer."
        )
        layout = QVBoxLayout(self)
        self.shown = QLabel()
        self.shown.setStyleSheet(
            "font-family: monospace; font-size: 18pt; padding: 12px; "
            "background: white; border: 1px solid #cbd5e1; border-radius: 8px;"
        )
        self.shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.shown)
        layout.addWidget(QLabel("To show you have it, type the passphrase again:"))
        self.typed = QLineEdit()
        self.typed.setAccessibleName("Passphrase again")
        layout.addWidget(self.typed)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addStretch(1)

    def initializePage(self) -> None:
        if not self.confirmed:
            self.shown.setText(self._practice.passphrase)

    def validatePage(self) -> bool:
        def norm(text: str) -> str:
            return "".join(c for c in text.upper() if c.isalnum())

        if self.confirmed:
            return True
        if norm(self.typed.text()) != norm(self._practice.passphrase):
            self.error.setText("That is not the passphrase shown above. Check each group of five.")
            self.error.show()
            return False
        self.error.hide()
        self.confirmed = True
        self.shown.setText("(written down and checked; it is not shown again)")
        self.typed.clear()  # the passphrase leaves the screen for good
        self.typed.setEnabled(False)
        return True
