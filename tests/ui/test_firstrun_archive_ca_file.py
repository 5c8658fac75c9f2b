"""The wizard's archive page with an S3 archive under the practice's own CA (an on-premises
MinIO, say): the 'CA certificate file' field, its Browse… dialog, the Test that uses it and
the setting Finish leaves, against moto's S3 behind TLS 1.3 on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget, QWizard

from services.archive.settings import S3_CA_FILE
from services.auth import totp
from services.installation import open_installation
from storage.keystore import KeyringKeyStore
from tests.archive.tls_server import https_moto, make_pki
from tests.ui.test_firstrun import PASSWORD, Setup, setup
from ui.firstrun.connections import ArchivePage

__all__ = ["setup"]  # the fixture
pytestmark = pytest.mark.ui
BUCKET, ACCESS, SECRET = "audit", "AKIA-typed", "secret-typed"
RAW = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "_ssl.c", "[SSL", "Traceback")


@dataclass
class PrivateArchive:
    endpoint: str
    ca: Path
    key: Path  # the server's private key: a PEM file, but no certificate


@pytest.fixture
def private(tmp_path: Path) -> Iterator[PrivateArchive]:
    """moto's S3 (TLS 1.3 only) whose certificate the practice's own test CA signed, with a
    bucket under Object Lock."""
    ca, cert, key = make_pki(tmp_path)
    moto = https_moto(cert, key)
    endpoint = f"https://localhost:{moto.server_address[1]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        verify=str(ca),
        config=Config(s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    try:
        yield PrivateArchive(endpoint, ca, key)
    finally:
        moto.shutdown()
        moto.server_close()


def s3_page(setup: Setup, archive: PrivateArchive) -> ArchivePage:
    setup.to_pms_page()
    setup.next()
    page = setup.wizard.archive_page
    assert setup.wizard.currentPage() is page
    page.kind.setCurrentIndex(page.kind.findData("s3"))
    page.endpoint.setText(archive.endpoint)
    page.bucket.setText(BUCKET)
    page.access.setText(ACCESS)
    page.secret.setText(SECRET)
    return page


def saved_ca_file(setup: Setup) -> str:
    assert setup.first.services is not None
    return setup.first.services.installation.settings.get(S3_CA_FILE, "<unset>")


def tab_from(widget: QWidget) -> QWidget:
    """Where Tab goes from `widget`: the next widget in the focus chain that takes Tab focus
    and is shown (what QWidget.focusNextPrevChild picks)."""
    step = widget.nextInFocusChain()
    while not (
        step.focusPolicy() & Qt.FocusPolicy.TabFocus and step.isVisible() and step.isEnabled()
    ):
        step = step.nextInFocusChain()
    return step


def test_without_the_ca_file_the_test_says_untrusted_and_points_at_the_field(
    setup: Setup, private: PrivateArchive
) -> None:
    page = s3_page(setup, private)
    assert page.ca_file.isVisibleTo(setup.wizard) and page.browse_ca.isVisibleTo(setup.wizard)
    setup.click(page.test)
    said = page.result.text()
    assert said.startswith("✘"), said
    assert "not signed by a certificate authority this PC trusts" in said
    assert "'CA certificate file' above" in said and "nothing was sent" in said
    assert "--ca-file" not in said and "Nothing was saved" in said
    assert not any(raw in said for raw in RAW)
    assert saved_ca_file(setup) == "<unset>"


def test_a_missing_file_or_one_without_a_certificate_is_refused_on_the_page(
    setup: Setup, private: PrivateArchive, tmp_path: Path
) -> None:
    page = s3_page(setup, private)
    missing = tmp_path / "no-such-ca.pem"
    page.ca_file.setText(str(missing))
    setup.click(page.test)
    said = page.result.text()
    assert said.startswith("✘") and "does not exist" in said and str(missing) in said, said
    assert "Nothing was saved" in said and not any(raw in said for raw in RAW)
    page.ca_file.setText(str(private.key))  # PEM, but a key: no certificate in it
    setup.click(page.test)
    said = page.result.text()
    assert said.startswith("✘") and "holds no PEM certificate" in said, said
    assert "PRIVATE KEY" not in said and not any(raw in said for raw in RAW)
    assert saved_ca_file(setup) == "<unset>"


def test_browse_fills_the_field_and_the_keyboard_reaches_it_after_the_secret_key(
    setup: Setup, private: PrivateArchive, qtbot: Any
) -> None:
    page = s3_page(setup, private)
    label = page.form.labelForField(page.ca_row)
    assert isinstance(label, QLabel) and label.text() == "&CA certificate file"
    assert label.buddy() is page.ca_file  # Alt+C lands in the field
    assert tab_from(page.secret) is page.ca_file
    assert tab_from(page.ca_file) is page.browse_ca
    assert tab_from(page.browse_ca) is page.test
    assert page.browse_ca.text() == "Bro&wse…"
    page.browse_ca.click()
    dialog = page.ca_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert any("*.pem *.crt *.cer" in f for f in dialog.nameFilters()), dialog.nameFilters()
    dialog.setDirectory(str(private.ca.parent))
    dialog.selectFile(str(private.ca))
    dialog.accept()
    assert page.ca_file.text() == str(private.ca)
    assert not dialog.isVisible()


def test_with_the_ca_file_the_test_passes_and_finish_keeps_the_path(
    setup: Setup, private: PrivateArchive, tmp_path: Path
) -> None:
    w = setup.wizard
    page = s3_page(setup, private)
    page.ca_file.setText(str(private.ca))
    setup.click(page.test)
    said = page.result.text()
    assert said.startswith("✔"), said
    assert f"Bucket {BUCKET} has Object Lock enabled" in said and "Saved" in said
    w.resize(1366, 768)
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    w.grab().save(str(shots / "firstrun-4-archive-ca-file.png"))
    setup.next()
    manager = w.manager_page
    manager.login.setText("maria")
    manager.name.setText("Maria Office")
    manager.password.setText(PASSWORD)
    setup.click(manager.create_button)
    manager.code.setText(totp.code_at(setup.first.secrets["maria"], setup.first.clock.now()))
    setup.next()
    assert w.currentPage() is w.summary_page
    w.button(QWizard.WizardButton.FinishButton).click()
    assert w.result() == 1
    installation = open_installation(setup.layout, KeyringKeyStore())
    try:
        assert installation.settings.get(S3_CA_FILE) == str(private.ca)
        assert installation.settings.get("archive.s3.endpoint") == private.endpoint
    finally:
        installation.close()


def test_a_ca_file_of_another_ca_says_the_file_is_not_the_one_that_signed_it(
    setup: Setup, private: PrivateArchive, tmp_path: Path
) -> None:
    other, _, _ = make_pki(tmp_path, prefix="other-")  # a real CA, but not the archive's
    page = s3_page(setup, private)
    page.ca_file.setText(str(other))
    setup.click(page.test)
    said = page.result.text()
    assert said.startswith("✘") and "not signed by a certificate authority" in said, said
    assert "is not the CA that signed it" in said and "--ca-file" not in said
    assert saved_ca_file(setup) == "<unset>"
