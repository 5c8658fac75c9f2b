"""An archive endpoint that offers TLS 1.3 but whose certificate fails the checks (a CA this PC
does not trust, another name, expired) is told apart from an old protocol, with what to do,
in `require_tls13` and in `enamel-admin archive check`."""

from __future__ import annotations

import datetime
import socket
import ssl
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from app.bootstrap import Services
from services.archive.tls import TlsCertificateRefused, TlsTooOld, require_tls13
from tests.archive.tls_server import handshake_server, make_pki, server_context
from tests.support import admin, admin_recovery, known_passphrase

RAW = ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "_ssl.c", "[SSL")


def serve(cert: Path, key: Path) -> AbstractContextManager[int]:
    """A TLS 1.3 server on 127.0.0.1 that handshakes and reads; its port."""
    return handshake_server(server_context(cert, key, minimum=ssl.TLSVersion.TLSv1_3))


def refused(host: str, port: int, ca: Path | None) -> str:
    with pytest.raises(TlsCertificateRefused) as caught:
        require_tls13(host, port, str(ca) if ca else None)
    text = str(caught.value)
    assert "does not offer TLS 1.3" not in text  # the protocol was fine
    assert "could not prove it is the archive" in text and "nothing was sent" in text
    for raw in RAW:
        assert raw not in text
    return text


def test_a_certificate_of_a_ca_this_pc_does_not_trust_names_the_ca_file_setting(
    tmp_path: Path,
) -> None:
    _, cert, key = make_pki(tmp_path)
    with serve(cert, key) as port:
        text = refused("localhost", port, None)  # the system store only: the test CA is not in it
        assert "not signed by a certificate authority this PC trusts" in text
        assert "--ca-file FILE" in text and "archive.s3.ca_file" in text


def test_a_certificate_for_another_name_says_check_the_endpoint(tmp_path: Path) -> None:
    ca, cert, key = make_pki(tmp_path, name="archive.elsewhere.example")
    with serve(cert, key) as port:
        text = refused("localhost", port, ca)  # the CA is trusted, the name is not localhost
        assert "for another name than localhost" in text and "Check the endpoint address" in text


def test_an_expired_certificate_says_so(tmp_path: Path) -> None:
    start = datetime.datetime(1999, 1, 1, tzinfo=datetime.UTC)  # whatever this PC's clock says
    ca, cert, key = make_pki(tmp_path, valid=(start, start + datetime.timedelta(days=365)))
    with serve(cert, key) as port:
        assert "has expired" in refused("localhost", port, ca)


def test_a_closed_port_still_cannot_be_reached() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(TlsTooOld, match="cannot be reached") as caught:
        require_tls13("127.0.0.1", port, None, timeout=2.0)
    assert not isinstance(caught.value, TlsCertificateRefused)


def test_archive_check_says_what_is_wrong_with_the_certificate(
    services: Services, data_dir: Path, tmp_path: Path
) -> None:
    passphrase = known_passphrase(services)
    services.close()
    _, cert, key = make_pki(tmp_path)
    with serve(cert, key) as port:
        root = str(data_dir)
        configured = admin_recovery(
            "--data-dir", root, "archive", "set", "s3", "--endpoint", f"https://localhost:{port}",
            "--bucket", "audit", "--keys-stdin", passphrase=passphrase, stdin="access\nsecret\n",
        )  # fmt: skip
        assert configured.code == 0, configured.err + configured.out
        checked = admin("--data-dir", root, "archive", "check")
        said = checked.err + checked.out
        assert checked.code == 1, said
        assert "not signed by a certificate authority this PC trusts" in said
        assert "--ca-file FILE" in said and "does not offer TLS 1.3" not in said
        assert "Traceback" not in said and not any(raw in said for raw in RAW)
