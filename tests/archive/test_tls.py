"""TLS 1.3 minimum for the archive: a test CA, a TLS 1.2-only server refused, TLS 1.3 accepted."""

from __future__ import annotations

import datetime
import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from services.archive.backends import ArchiveMisconfigured, ArchiveUnavailable, S3Backend
from services.archive.tls import TlsTooOld, require_tls13


def make_ca_and_cert(tmp: Path) -> tuple[Path, Path, Path]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Enamel test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = tmp / "ca.pem", tmp / "server.pem", tmp / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


def serve(cert: Path, key: Path, maximum: ssl.TLSVersion) -> tuple[int, threading.Event]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = maximum
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    stop = threading.Event()

    def loop() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                pass
        listener.close()

    threading.Thread(target=loop, daemon=True).start()
    return port, stop


@pytest.fixture
def pki(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    yield make_ca_and_cert(tmp_path)


def test_a_tls12_only_server_is_refused(pki: tuple[Path, Path, Path]) -> None:
    ca, cert, key = pki
    port, stop = serve(cert, key, ssl.TLSVersion.TLSv1_2)
    try:
        with pytest.raises(TlsTooOld, match=r"does not offer TLS 1\.3"):
            require_tls13("localhost", port, str(ca))
    finally:
        stop.set()


def test_tls13_is_accepted(pki: tuple[Path, Path, Path]) -> None:
    ca, cert, key = pki
    port, stop = serve(cert, key, ssl.TLSVersion.TLSv1_3)
    try:
        assert require_tls13("localhost", port, str(ca)) == "TLSv1.3"
    finally:
        stop.set()


def test_an_unknown_ca_is_refused_too(pki: tuple[Path, Path, Path]) -> None:
    _, cert, key = pki
    port, stop = serve(cert, key, ssl.TLSVersion.TLSv1_3)
    try:
        with pytest.raises(TlsTooOld):
            require_tls13("localhost", port, None)
    finally:
        stop.set()


def serve_https(cert: Path, key: Path, maximum: ssl.TLSVersion) -> http.server.ThreadingHTTPServer:
    """A tiny HTTPS server that answers every GET with the same bytes, like a stored object."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"stored-batch"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = maximum
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


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
