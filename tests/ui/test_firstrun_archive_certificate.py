"""The wizard's archive page with an S3 endpoint whose certificate this PC does not trust: the
page says it is the certificate (not the protocol, not the network) and what to do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.archive.test_tls_certificates import RAW, serve
from tests.archive.tls_server import make_pki
from tests.ui.test_firstrun import Setup, setup

__all__ = ["setup"]  # the fixture
pytestmark = pytest.mark.ui


def test_an_archive_with_an_untrusted_certificate_says_so_on_the_page(
    setup: Setup, tmp_path: Path, qtbot: Any
) -> None:
    setup.to_pms_page()
    setup.next()
    w, archive = setup.wizard, setup.wizard.archive_page
    assert w.currentPage() is archive
    _, cert, key = make_pki(tmp_path)
    with serve(cert, key) as port:
        archive.kind.setCurrentIndex(archive.kind.findData("s3"))
        archive.endpoint.setText(f"https://localhost:{port}")
        archive.bucket.setText("audit")
        archive.access.setText("AKIA-typed")
        archive.secret.setText("secret-typed")
        setup.click(archive.test)
    said = archive.result.text()
    assert said.startswith("✘"), said
    assert "not signed by a certificate authority this PC trusts" in said
    # the page's own field, not the command line (`archive check` still names the command)
    assert "'CA certificate file' above" in said and "nothing was sent" in said
    assert "--ca-file" not in said
    assert "does not offer TLS 1.3" not in said and not any(raw in said for raw in RAW)
    assert archive.result.wordWrap()
    w.resize(1366, 768)
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    w.grab().save(str(shots / "firstrun-4-archive-certificate.png"))
