"""What the first-run wizard asks the app to do, and the helper that runs it in the background."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWizardPage

from ui.operations import Run


@dataclass(frozen=True)
class PmsChoice:
    """Where Open Dental is, as IT chose it on the PMS page (the modes of 'enamel-admin pms set')."""

    mode: str  # remote | service | local | url
    address: str = ""  # the server's name for "service", the full API URL for "url"
    allow_http: bool = False  # plain http to that server (it is on the office network)


@dataclass(frozen=True)
class ArchiveChoice:
    kind: str  # folder | s3
    folder: str = ""
    removable: bool = False  # IT says the folder is on a removable or network drive
    endpoint: str = ""
    bucket: str = ""
    access: str = ""
    secret: str = ""
    ca_file: str = ""  # the private CA's PEM file for the S3 endpoint; empty: the system's


@dataclass
class FirstRunActions:
    """Each returns a short result or raises an EnamelError whose message the page shows."""

    create_practice: Callable[[str], str]  # practice id -> recovery passphrase
    test_pms: Callable[[PmsChoice, str, str], str]  # choice, developer key, customer key
    test_archive: Callable[[ArchiveChoice], str]
    create_manager: Callable[[str, str, str], tuple[str, str]]  # login, name, pw -> uri, secret
    confirm_manager: Callable[[str, str], None]  # login, code
    default_archive_folder: Callable[[], str]  # where batches go while no archive is chosen
    join_practice: Callable[[str, str], str] | None = None  # code, PC name -> passphrase


class Background:
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


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("errorBanner")
    label.setWordWrap(True)
    label.hide()
    return label


def note_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setObjectName("pageSubtitle")
    return label


def show_result(label: QLabel, ok: bool, text: str) -> None:
    label.setText(("✔ " if ok else "✘ ") + text)
    label.setStyleSheet("color: #166534; font-weight: 600;" if ok else "color: #b91c1c;")
