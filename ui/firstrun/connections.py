"""The wizard's connection pages: Open Dental (the modes of 'enamel-admin pms set') and the archive."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
    QWizardPage,
)

from services.pms.opendental import Mode, base_url_for
from ui.firstrun.actions import (
    ArchiveChoice,
    Background,
    FirstRunActions,
    PmsChoice,
    note_label,
    show_result,
)
from ui.operations import Run, user_message

PMS_MODES = (
    ("The Open Dental API Service on the office server", Mode.SERVICE),
    ("Open Dental on this PC (its local API)", Mode.LOCAL),
    ("Open Dental's cloud API (remote)", Mode.REMOTE),
    ("Another address (full API URL)", Mode.URL),
)
CA_FILES = "Certificates (*.pem *.crt *.cer);;All files (*)"
NOT_SAVED = (
    "Nothing on this page is saved yet: the connection test has not passed with what is "
    "typed here. Test again, or press Next once more to go on without it (set it later "
    "with '{command}'); what you typed stays in the fields until then."
)


class _Page(QWizardPage):
    """A page whose settings are saved only by a passing test; Next warns once otherwise."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self._background = Background(run, self)
        self.form = QFormLayout(self)
        self.saved: str | None = None  # the summary of what a passing test saved
        self._saved_values: tuple[object, ...] | None = None
        self._warned_for: tuple[object, ...] | None = None
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Test result")

    def values(self) -> tuple[object, ...]:
        raise NotImplementedError

    def typed_anything(self) -> bool:
        raise NotImplementedError

    def command(self) -> str:
        raise NotImplementedError

    def _test(self, work: Callable[[], str], what: str) -> None:
        values = self.values()
        self.result.setStyleSheet("")
        self.result.setText(f"Testing {what}…")

        def passed(summary: str) -> None:
            self.saved, self._saved_values = summary, values
            show_result(self.result, True, summary)

        def failed(exc: Exception) -> None:
            if self._saved_values is not None:
                summary = "The earlier settings that passed are still the saved ones."
            else:
                summary = "Nothing was saved."
            show_result(self.result, False, f"{user_message(exc)} {summary}")

        self._background(work, passed, failed)

    def forget_result(self) -> None:
        """Another kind or mode chosen: the last test's verdict was about something else."""
        self.result.clear()
        self.result.setStyleSheet("")

    def validatePage(self) -> bool:
        values = self.values()
        if values == self._saved_values or not self.typed_anything():
            return True
        if self._warned_for == values:  # told once: IT chose to go on without it
            return True
        self._warned_for = values
        show_result(self.result, False, NOT_SAVED.format(command=self.command()))
        return False


class PmsPage(_Page):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__(run)
        self._actions = actions
        self.setTitle("Connect to Open Dental")
        self.setSubTitle(
            "Enamel reads the schedule from the practice's Open Dental API. You can do this "
            "later with 'enamel-admin pms set'."
        )
        form = self.form
        self.mode = QComboBox()
        for label, mode in PMS_MODES:
            self.mode.addItem(label, mode.value)
        self.mode.setAccessibleName("Where Open Dental is")
        self.host = QLineEdit()
        self.host.setPlaceholderText("the server's name or IP address, e.g. od-server")
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://…/api/v1")
        self.allow_http = QCheckBox(
            "This server is on the office's own network: allow plain http to it"
        )
        self.address = note_label()
        self.developer = QLineEdit()
        self.customer = QLineEdit()
        for field in (self.developer, self.customer):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Open Dental is", self.mode)
        form.addRow("&Server", self.host)
        form.addRow("API &address", self.url)
        form.addRow(self.allow_http)
        form.addRow(self.address)
        form.addRow("&Developer key", self.developer)
        form.addRow("&Customer key", self.customer)
        self.test = QPushButton("&Test the connection")
        form.addRow(self.test)
        form.addRow(self.result)
        self.test.clicked.connect(self.run_test)
        self.mode.currentIndexChanged.connect(self._show_fields)
        self.mode.currentIndexChanged.connect(self.forget_result)
        self.host.textChanged.connect(self._show_fields)
        self._show_fields()

    @property
    def ok(self) -> bool:
        return self.saved is not None

    def choice(self) -> PmsChoice:
        mode = Mode(str(self.mode.currentData()))
        address = self.url.text() if mode is Mode.URL else self.host.text()
        return PmsChoice(mode.value, address.strip(), self.allow_http.isChecked())

    def values(self) -> tuple[object, ...]:
        return (self.choice(), self.developer.text().strip(), self.customer.text().strip())

    def typed_anything(self) -> bool:
        return bool(self.developer.text().strip() or self.customer.text().strip())

    def command(self) -> str:
        return "enamel-admin pms set"

    def _show_fields(self) -> None:
        mode = Mode(str(self.mode.currentData()))
        self.form.setRowVisible(self.host, mode is Mode.SERVICE)
        self.form.setRowVisible(self.url, mode is Mode.URL)
        self.form.setRowVisible(self.allow_http, mode in (Mode.SERVICE, Mode.URL))
        if mode is Mode.URL:
            self.address.setText("Enamel connects to the address typed above.")
        else:
            where = base_url_for(mode, self.host.text().strip() or "SERVER")
            self.address.setText(f"Enamel connects to {where}")

    def run_test(self) -> None:
        choice = self.choice()
        developer, customer = self.developer.text().strip(), self.customer.text().strip()
        self._test(lambda: self._actions.test_pms(choice, developer, customer), "the connection")


class ArchivePage(_Page):
    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__(run)
        self._actions = actions
        self.setTitle("Choose the audit archive")
        self.setSubTitle(
            "Encrypted, signed audit records leave the office only for this write-once archive "
            "and are kept six years. Choose a place that does not share this PC's fate."
        )
        form = self.form
        self.kind = QComboBox()
        self.kind.addItem("A folder on a network share or removable drive", "folder")
        self.kind.addItem("S3-compatible storage with Object Lock", "s3")
        self.kind.setAccessibleName("Kind of archive")
        self.folder = QLineEdit()
        self.folder.setPlaceholderText(r"for example \\nas\enamel-audit or /mnt/nas/enamel-audit")
        self.removable = QCheckBox(
            "This folder is on a removable or network drive, not on this PC's own disk"
        )
        self.endpoint = QLineEdit()
        self.endpoint.setPlaceholderText("https://s3.us-west-002.backblazeb2.com")
        self.bucket = QLineEdit()
        self.access = QLineEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_file = QLineEdit()
        self.ca_file.setPlaceholderText("only for a private CA; empty: this PC's trusted CAs")
        self.ca_file.setAccessibleName("CA certificate file")
        self.browse_ca = QPushButton("Bro&wse…")
        self.browse_ca.setAccessibleName("Browse for the CA certificate file")
        self.ca_dialog: QFileDialog | None = None
        self.ca_row = QWidget()
        ca_line = QHBoxLayout(self.ca_row)
        ca_line.setContentsMargins(0, 0, 0, 0)
        ca_line.addWidget(self.ca_file, 1)
        ca_line.addWidget(self.browse_ca)
        self.ca_row.setFocusProxy(self.ca_file)
        form.addRow("&Kind", self.kind)
        form.addRow("&Folder", self.folder)
        form.addRow(self.removable)
        form.addRow("S3 &endpoint", self.endpoint)
        form.addRow("&Bucket", self.bucket)
        form.addRow("Access key &id", self.access)
        form.addRow("&Secret key", self.secret)
        ca_label = QLabel("&CA certificate file")
        ca_label.setBuddy(self.ca_file)
        form.addRow(ca_label, self.ca_row)
        self.test = QPushButton("Test the &archive")
        form.addRow(self.test)
        form.addRow(self.result)
        for first, then in (
            (self.secret, self.ca_file),
            (self.ca_file, self.browse_ca),
            (self.browse_ca, self.test),
        ):
            QWidget.setTabOrder(first, then)
        self.test.clicked.connect(self.run_test)
        self.browse_ca.clicked.connect(self.choose_ca_file)
        self.kind.currentIndexChanged.connect(self._show_fields)
        self.kind.currentIndexChanged.connect(self.forget_result)
        self._show_fields()

    def choice(self) -> ArchiveChoice:
        return ArchiveChoice(
            str(self.kind.currentData()),
            self.folder.text().strip(),
            self.removable.isChecked(),
            self.endpoint.text().strip(),
            self.bucket.text().strip(),
            self.access.text().strip(),
            self.secret.text().strip(),
            self.ca_file.text().strip(),
        )

    def values(self) -> tuple[object, ...]:
        return (self.choice(),)

    def typed_anything(self) -> bool:
        c = self.choice()
        if c.kind == "folder":
            return bool(c.folder)
        return bool(c.endpoint or c.bucket or c.access or c.secret or c.ca_file)

    def command(self) -> str:
        return "enamel-admin archive set"

    def _show_fields(self) -> None:
        folder = self.kind.currentData() == "folder"
        rows: tuple[QWidget, ...] = (self.folder, self.removable)
        for widget in rows:
            self.form.setRowVisible(widget, folder)
        for widget in (self.endpoint, self.bucket, self.access, self.secret, self.ca_row):
            self.form.setRowVisible(widget, not folder)

    def choose_ca_file(self) -> None:
        """Qt's own file dialog (so the idle lock can close it), for the private CA's file."""
        dialog = QFileDialog(self, "The practice CA's certificate", self.ca_file.text(), CA_FILES)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.fileSelected.connect(self.ca_file.setText)
        dialog.finished.connect(dialog.deleteLater)
        self.ca_dialog = dialog
        dialog.open()

    def run_test(self) -> None:
        choice = self.choice()
        self._test(lambda: self._actions.test_archive(choice), "the archive")
