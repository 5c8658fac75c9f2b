"""TLS 1.3 minimum for the archive: a test CA, a TLS 1.2-only server refused, TLS 1.3 accepted."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from services.archive.backends import ArchiveMisconfigured, ArchiveUnavailable, S3Backend
from services.archive.tls import TlsTooOld, require_tls13
from tests.archive.tls_server import handshake_server, make_pki, serve_https, server_context


def serve(cert: Path, key: Path, maximum: ssl.TLSVersion) -> AbstractContextManager[int]:
    return handshake_server(server_context(cert, key, maximum=maximum))


@pytest.fixture
def pki(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    yield make_pki(tmp_path)


def test_a_tls12_only_server_is_refused(pki: tuple[Path, Path, Path]) -> None:
    ca, cert, key = pki
    refused = pytest.raises(TlsTooOld, match=r"does not offer TLS 1\.3")
    with serve(cert, key, ssl.TLSVersion.TLSv1_2) as port, refused:
        require_tls13("localhost", port, str(ca))


def test_tls13_is_accepted(pki: tuple[Path, Path, Path]) -> None:
    ca, cert, key = pki
    with serve(cert, key, ssl.TLSVersion.TLSv1_3) as port:
        assert require_tls13("localhost", port, str(ca)) == "TLSv1.3"


def test_an_unknown_ca_is_refused_too(pki: tuple[Path, Path, Path]) -> None:
    _, cert, key = pki
    with serve(cert, key, ssl.TLSVersion.TLSv1_3) as port, pytest.raises(TlsTooOld):
        require_tls13("localhost", port, None)


@pytest.mark.parametrize("maximum", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_the_s3_client_itself_refuses_tls12_and_speaks_tls13(
    pki: tuple[Path, Path, Path], maximum: ssl.TLSVersion
) -> None:
    """Not only `archive check`: every request the S3 backend sends has the TLS 1.3 floor."""
    ca, cert, key = pki
    server = serve_https(cert, key, maximum)
    try:
        backend = S3Backend(
            f"https://localhost:{server.server_address[1]}",
            "audit",
            "us-east-1",
            "testing-access",
            "testing-secret",
            ca_file=str(ca),
        )
        if maximum is ssl.TLSVersion.TLSv1_2:
            with pytest.raises(ArchiveUnavailable, match="SSLError"):
                backend.get("p/w/000000000001-000000000001")
        else:
            assert backend.get("p/w/000000000001-000000000001") == b"stored-batch"
    finally:
        server.shutdown()
        server.server_close()


def test_plain_http_is_refused_off_this_computer() -> None:
    with pytest.raises(ArchiveMisconfigured, match="https"):
        S3Backend("http://archive.example.com", "audit", "us-east-1", "a", "b")
