"""The first-run wizard: practice, recovery passphrase, PMS, archive, first office manager with MFA."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from ui.auth.qr import qr_pixmap
from ui.operations import Run, user_message


@dataclass
class FirstRunActions:
    """What the wizard asks the app to do; each returns a short result or raises an EnamelError."""

    create_practice: Callable[[str], str]  # practice id -> recovery passphrase
    test_pms: Callable[[str, str, str], str]  # base url, developer key, customer key -> summary
    test_archive: Callable[[str, dict[str, str]], str]  # "folder"|"s3", options -> summary
    create_manager: Callable[
        [str, str, str], tuple[str, str]
    ]  # login, name, password -> (uri, secret)
    confirm_manager: Callable[[str, str], None]  # login, code
    default_archive_folder: Callable[[], str]


class _Background:
    """Runs a wizard step off the UI thread with a wait cursor and the page's controls held."""

    def __init__(self, run: Run, page: QWizardPage) -> None:
        self._run = run
        self._page = page
        self.busy = False

    def __call__(
        self,
        work: Callable[[], Any],
        success: Callable[[Any], None],
        failure: Callable[[Exception], None],
    ) -> None:
        if self.busy:
            return
        self.busy = True
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._page.setEnabled(False)

        def settle() -> None:
            self.busy = False
            QGuiApplication.restoreOverrideCursor()
            self._page.setEnabled(True)

        def ok(value: Any) -> None:
            settle()
            success(value)

        def failed(error: Exception) -> None:
            settle()
            failure(error)

        self._run(work, ok, failed, owner=self._page)


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorBanner")
    label.setWordWrap(True)
    label.hide()
    return label


class PracticePage(QWizardPage):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = _Background(run, self)
        self.setTitle("Set up this practice")
        self.setSubTitle(
            "Enamel keeps its data encrypted on this computer. Start with the practice's id."
        )
        form = QFormLayout(self)
        self.practice = QLineEdit()
        self.practice.setPlaceholderText("for example smile-dental-01")
        form.addRow("&Practice id", self.practice)
        self.error = _error_label()
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
        self.error = _error_label()
        layout.addWidget(self.error)

    def initializePage(self) -> None:
        self.shown.setText(self._practice.passphrase)

    def validatePage(self) -> bool:
        def norm(text: str) -> str:
            return "".join(c for c in text.upper() if c.isalnum())

        if norm(self.typed.text()) != norm(self._practice.passphrase):
            self.error.setText("That is not the passphrase shown above. Check each group of five.")
            self.error.show()
            return False
        self.shown.clear()  # the passphrase leaves the screen for good
        return True


class PmsPage(QWizardPage):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = _Background(run, self)
        self.setTitle("Connect to Open Dental")
        self.setSubTitle(
            "Enamel reads the schedule from the practice's Open Dental API. You can do this "
            "later with 'enamel-admin pms set'."
        )
        form = QFormLayout(self)
        self.url = QLineEdit("http://localhost:30222/api/v1")
        self.developer = QLineEdit()
        self.customer = QLineEdit()
        for field in (self.developer, self.customer):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("API &address", self.url)
        form.addRow("&Developer key", self.developer)
        form.addRow("&Customer key", self.customer)
        self.test = QPushButton("&Test the connection")
        form.addRow(self.test)
        self.result = QLabel()
        self.result.setWordWrap(True)
        form.addRow(self.result)
        self.test.clicked.connect(self.run_test)
        self.ok = False

    def run_test(self) -> None:
        url, developer = self.url.text().strip(), self.developer.text().strip()
        customer = self.customer.text().strip()
        self.result.setStyleSheet("")
        self.result.setText("Testing the connection…")

        def passed(summary: str) -> None:
            self.ok = True
            self.result.setText(f"✔ {summary}")
            self.result.setStyleSheet("color: #166534; font-weight: 600;")

        def failed(exc: Exception) -> None:
            self.ok = False
            self.result.setText(f"✘ {user_message(exc)} Nothing was saved.")
            self.result.setStyleSheet("color: #b91c1c;")

        self._background(lambda: self._actions.test_pms(url, developer, customer), passed, failed)


class ArchivePage(QWizardPage):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = _Background(run, self)
        self.setTitle("Choose the audit archive")
        self.setSubTitle(
            "Encrypted, signed audit records leave the office only for this write-once archive "
            "and are kept six years."
        )
        form = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.addItem("A folder (network share or disk)", "folder")
        self.kind.addItem("S3-compatible storage with Object Lock", "s3")
        self.folder = QLineEdit()
        self.endpoint = QLineEdit()
        self.bucket = QLineEdit()
        self.access = QLineEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Kind", self.kind)
        form.addRow("&Folder", self.folder)
        form.addRow("S3 &endpoint", self.endpoint)
        form.addRow("&Bucket", self.bucket)
        form.addRow("Access key &id", self.access)
        form.addRow("&Secret key", self.secret)
        self.test = QPushButton("Test the &archive")
        form.addRow(self.test)
        self.result = QLabel()
        self.result.setWordWrap(True)
        form.addRow(self.result)
        self.test.clicked.connect(self.run_test)

    def initializePage(self) -> None:
        if not self.folder.text():
            self.folder.setText(self._actions.default_archive_folder())

    def run_test(self) -> None:
        kind = str(self.kind.currentData())
        options = {
            "path": self.folder.text().strip(),
            "endpoint": self.endpoint.text().strip(),
            "bucket": self.bucket.text().strip(),
            "access": self.access.text().strip(),
            "secret": self.secret.text().strip(),
        }
        self.result.setStyleSheet("")
        self.result.setText("Testing the archive…")

        def passed(summary: str) -> None:
            self.result.setText(f"✔ {summary}")
            self.result.setStyleSheet("color: #166534; font-weight: 600;")

        def failed(exc: Exception) -> None:
            self.result.setText(f"✘ {user_message(exc)} Nothing was saved.")
            self.result.setStyleSheet("color: #b91c1c;")

        self._background(lambda: self._actions.test_archive(kind, options), passed, failed)


class ManagerPage(QWizardPage):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self._background = _Background(run, self)
        self.confirmed = False
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
        self.qr = QLabel()
        self.qr.setFixedSize(180, 180)
        self.qr.setScaledContents(True)
        self.qr.hide()
        form.addRow(self.qr)
        self.code = QLineEdit()
        self.code.setPlaceholderText("6-digit code from the app")
        self.code.setEnabled(False)
        form.addRow("Code", self.code)
        self.error = _error_label()
        form.addRow(self.error)
        self.create_button.clicked.connect(self.make)
        self.created = False

    def make(self) -> None:
        login, name = self.login.text().strip(), self.name.text().strip()
        password = self.password.text()
        self._background(
            lambda: self._actions.create_manager(login, name, password)[0],
            self._made,
            self._show_error,
        )

    def _show_error(self, exc: Exception) -> None:
        self.error.setText(user_message(exc))
        self.error.show()

    def _made(self, uri: str) -> None:
        self.password.clear()
        self.created = True
        self.error.hide()
        self.qr.setPixmap(qr_pixmap(uri))
        self.qr.show()
        self.create_button.setEnabled(False)
        self.login.setReadOnly(True)
        self.code.setEnabled(True)
        self.code.setFocus()

    def validatePage(self) -> bool:
        """The code is checked in the background; on success the wizard finishes."""
        if self.confirmed:
            return True
        if not self.created:
            self.error.setText("Create the account first.")
            self.error.show()
            return False
        login, code = self.login.text().strip(), self.code.text()

        def confirmed(_: object) -> None:
            self.confirmed = True
            self.wizard().button(QWizard.WizardButton.FinishButton).click()

        self._background(
            lambda: self._actions.confirm_manager(login, code), confirmed, self._show_error
        )
        return False


class FirstRunWizard(QWizard):
    """Every step that touches the disk, a server or Argon2 runs through `run` in the background."""

    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self.setWindowTitle("Enamel — first-run set-up")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.practice_page = PracticePage(actions, run)
        self.passphrase_page = PassphrasePage(self.practice_page)
        self.pms_page = PmsPage(actions, run)
        self.archive_page = ArchivePage(actions, run)
        self.manager_page = ManagerPage(actions, run)
        for page in (
            self.practice_page,
            self.passphrase_page,
            self.pms_page,
            self.archive_page,
            self.manager_page,
        ):
            self.addPage(page)
        self.resize(820, 620)
