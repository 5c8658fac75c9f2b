"""The wizard's first pages: a new practice (its id) or joining the hub (a code), and the passphrase."""

from __future__ import annotations

import platform

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QVBoxLayout,
    QWizardPage,
)

from errors import EnamelError
from ui.firstrun.actions import Background, FirstRunActions, error_label, note_label
from ui.operations import Run, user_message


class PracticePage(QWizardPage):
    """A new practice on this PC, or this PC joins the practice hub with IT's join code."""

    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = Background(run, self)
        self.setTitle("Set up this practice")
        self.setSubTitle(
            "Enamel keeps its data encrypted on this computer. Start a new practice here, or "
            "join the practice this office already has."
        )
        form = QFormLayout(self)
        self.new_choice = QRadioButton("Set up a &new practice on this PC")
        self.join_choice = QRadioButton("&Join this practice: the office has a practice hub")
        self.new_choice.setChecked(True)
        self.join_choice.setEnabled(actions.join_practice is not None)
        choices = QButtonGroup(self)
        for button in (self.new_choice, self.join_choice):
            choices.addButton(button)
            form.addRow(button)
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
        self.code = QLineEdit()
        self.code.setPlaceholderText("EJ1-…")
        self.code.setAccessibleName("Join code")
        form.addRow("Join &code", self.code)
        self.pc_name = QLineEdit()
        self.pc_name.setPlaceholderText(platform.node() or "PC-FRONT-1")
        self.pc_name.setAccessibleName("This PC's name")
        form.addRow("This PC's &name", self.pc_name)
        self.join_explained = note_label(
            "IT makes the code on the hub with <b>enamel-admin hub invite --name PC-NAME</b>: "
            "one code per PC, used once, valid for an hour. It carries the hub's address and "
            "the fingerprint of the practice's certificate, so this PC talks to the practice's "
            "own hub and nothing else. Accounts and sign-in are the hub's from then on."
        )
        self.join_explained.setTextFormat(Qt.TextFormat.RichText)
        form.addRow(self.join_explained)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: how long the hub takes is not known
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Progress")
        self.progress_text = note_label()
        form.addRow(self.progress_text)
        form.addRow(self.progress)
        self.error = error_label()
        form.addRow(self.error)
        self.passphrase = ""
        self.joined = False  # this PC joined the practice hub (not a new practice)
        self._form = form
        self.join_choice.toggled.connect(self._show_choice)
        self._show_choice()
        self._working("")

    def _show_choice(self) -> None:
        joining = self.join_choice.isChecked()
        for widget, shown in (
            (self.practice, not joining),
            (self.explained, not joining),
            (self.code, joining),
            (self.pc_name, joining),
            (self.join_explained, joining),
        ):
            self._form.setRowVisible(widget, shown)
        self.error.hide()

    def _working(self, text: str) -> None:
        self.progress_text.setText(text)
        self._form.setRowVisible(self.progress, bool(text))
        self._form.setRowVisible(self.progress_text, bool(text))

    def validatePage(self) -> bool:
        """Creating or joining (keys, Argon2, the hub) runs in the background, then moves on."""
        if self.passphrase:
            return True
        joining = self.join_choice.isChecked()

        def done(passphrase: str) -> None:
            self._working("")
            self.passphrase = passphrase
            self.joined = joining
            for widget in (self.practice, self.code, self.pc_name):
                widget.setReadOnly(True)
            self.new_choice.setEnabled(False)
            self.join_choice.setEnabled(False)
            self.error.hide()
            self.wizard().next()

        def failed(exc: Exception) -> None:
            self._working("")
            self.error.setText(user_message(exc))
            self.error.show()

        self.error.hide()
        if joining and self._actions.join_practice is not None:
            join, code, name = self._actions.join_practice, self.code.text(), self.pc_name.text()
            if not code.strip():
                failed(JoinCodeMissing("Type the join code IT made for this PC (EJ1-…)."))
                return False
            self._working(
                "Joining the practice hub: checking its certificate, then this PC's keys…"
            )
            self._background(lambda: join(code, name), done, failed)
        else:
            practice_id = self.practice.text().strip()
            self._working("Creating the practice's keys and encrypted database…")
            self._background(lambda: self._actions.create_practice(practice_id), done, failed)
        return False


class JoinCodeMissing(EnamelError):
    """Nothing typed in the join code field."""


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
