"""The archive through the practice's web proxy: a real CONNECT proxy on 127.0.0.1 in front of
a real S3 server (moto) that speaks only TLS 1.3, under a name only the proxy can resolve.

Without the proxy setting the archive cannot be reached at all (its name does not resolve
here), so every passing request went through the tunnel; the proxy also records each CONNECT.
"""

from __future__ import annotations

import datetime
import selectors
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from app.bootstrap import Services
from services.archive.backends import S3Backend
from services.archive.settings import proxy_problem
from services.archive.tls import TlsTooOld, require_tls13
from services.provisioning import ProvisioningError, parse
from tests.archive.conftest import ACCESS, REGION, SECRET, add_entries
from tests.archive.tls_server import https_moto, make_pki, serve_https
from tests.support import admin, admin_recovery, known_passphrase

# Resolvable by the proxy only; one label, so moto reads the bucket from the path.
ARCHIVE_HOST = "archive-behind-proxy"
BUCKET = "proxied-audit"

# -- the pieces: a test CA, an HTTPS-only moto server, a CONNECT proxy ------------------------


@dataclass
class ConnectProxy:
    """An HTTP proxy that only tunnels (CONNECT), as an office's web proxy does for HTTPS."""

    routes: dict[str, tuple[str, int]]  # "host:port" asked for -> where it really is
    connects: list[str] = field(default_factory=list)
    server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> ConnectProxy:
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                request = self.rfile.readline().decode("latin-1").split()
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                if len(request) < 2 or request[0] != "CONNECT":
                    self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                    return
                proxy.connects.append(request[1])
                where = proxy.routes.get(request[1])
                if where is None:
                    self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
                    return
                with socket.create_connection(where, timeout=10) as upstream:
                    self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    self.wfile.flush()
                    pump(self.connection, upstream)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def pump(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    with selectors.DefaultSelector() as sel:
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        while True:
            for key, _ in sel.select(timeout=30):
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = source.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                key.data.sendall(data)


@dataclass
class ProxiedArchive:
    endpoint: str
    ca: Path
    proxy: ConnectProxy
    target: str  # what the proxy is asked to CONNECT to


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[ProxiedArchive]:
    ca, cert, key = make_pki(tmp_path, ARCHIVE_HOST)
    moto = https_moto(cert, key)
    port = int(moto.server_address[1])
    target = f"{ARCHIVE_HOST}:{port}"
    proxy = ConnectProxy({target: ("127.0.0.1", port)}).start()
    endpoint = f"https://{target}"
    # The bucket is made through the proxy too, as any client behind it would; its CONNECT
    # is not counted.
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        verify=str(ca),
        config=Config(proxies={"https": proxy.url}, s3={"addressing_style": "path"}),
    ).create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    proxy.connects.clear()
    try:
        yield ProxiedArchive(endpoint, ca, proxy, target)
    finally:
        proxy.stop()
        moto.shutdown()
        moto.server_close()


def backend(archive: ProxiedArchive, *, proxy: bool) -> S3Backend:
    return S3Backend(
        archive.endpoint,
        BUCKET,
        REGION,
        ACCESS,
        SECRET,
        ca_file=str(archive.ca),
        proxy=archive.proxy.url if proxy else None,
    )


# -- the tests ----------------------------------------------------------------------------


def test_the_s3_archive_is_reached_only_through_the_proxy_with_tls13(
    proxied: ProxiedArchive,
) -> None:
    direct = backend(proxied, proxy=False)
    with pytest.raises(TlsTooOld, match="cannot be reached"):
        direct.check()  # the name resolves nowhere but at the proxy
    assert proxied.proxy.connects == []

    through = backend(proxied, proxy=True)
    assert "Object Lock" in through.check()
    assert proxied.proxy.connects and set(proxied.proxy.connects) == {proxied.target}
    assert (
        require_tls13(
            ARCHIVE_HOST,
            int(proxied.target.rsplit(":", 1)[1]),
            str(proxied.ca),
            proxy=proxied.proxy.url,
        )
        == "TLSv1.3"
    )
    name = "p/w/000000000001-000000000002"
    now = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    assert through.put_new(name, b"sealed", now).value == "created"
    assert through.get(name) == b"sealed"
    assert through.put_new(name, b"other", now).value == "exists_different"
    assert "through the proxy" in through.describe()


def test_the_tls13_floor_holds_inside_the_tunnel(tmp_path: Path) -> None:
    """A TLS 1.2-only archive behind the proxy is refused, by the check and by every request."""
    ca, cert, key = make_pki(tmp_path, ARCHIVE_HOST)
    old = serve_https(cert, key, ssl.TLSVersion.TLSv1_2)
    port = int(old.server_address[1])
    proxy = ConnectProxy({f"{ARCHIVE_HOST}:{port}": ("127.0.0.1", port)}).start()
    try:
        with pytest.raises(TlsTooOld, match=r"does not offer TLS 1\.3"):
            require_tls13(ARCHIVE_HOST, port, str(ca), proxy=proxy.url)
        s3 = S3Backend(
            f"https://{ARCHIVE_HOST}:{port}", BUCKET, REGION, ACCESS, SECRET,
            ca_file=str(ca), proxy=proxy.url,
        )  # fmt: skip
        from services.archive.backends import ArchiveUnavailable

        with pytest.raises(ArchiveUnavailable, match="SSLError"):
            s3.get("p/w/000000000001-000000000001")
        assert len(proxy.connects) >= 2  # both went through the tunnel, and both were refused
    finally:
        proxy.stop()
        old.shutdown()
        old.server_close()


def test_a_refusing_proxy_is_named(proxied: ProxiedArchive) -> None:
    proxied.proxy.routes.clear()
    with pytest.raises(TlsTooOld, match=r"refused to connect .* \(HTTP 502\)"):
        backend(proxied, proxy=True).check()


def test_archive_sync_and_verify_through_the_proxy_via_enamel_admin(
    proxied: ProxiedArchive, services: Services, data_dir: Path
) -> None:
    passphrase = known_passphrase(services)
    add_entries(services, 25)
    services.close()
    root = str(data_dir)
    common = ["--endpoint", proxied.endpoint, "--bucket", BUCKET, "--ca-file", str(proxied.ca)]
    bad = admin_recovery(
        "--data-dir", root, "archive", "set", "s3", *common, "--proxy", "https://proxy:3128",
        "--keys-stdin", passphrase=passphrase, stdin=f"{ACCESS}\n{SECRET}\n",
    )  # fmt: skip
    assert bad.code == 2 and "http://host:port" in bad.err + bad.out
    configured = admin_recovery(
        "--data-dir", root, "archive", "set", "s3", *common, "--proxy", proxied.proxy.url,
        "--keys-stdin", passphrase=passphrase, stdin=f"{ACCESS}\n{SECRET}\n",
    )  # fmt: skip
    assert configured.code == 0, configured.err + configured.out
    assert "through the proxy" in configured.out
    checked = admin("--data-dir", root, "archive", "check")
    assert checked.code == 0, checked.err + checked.out
    synced = admin("--data-dir", root, "archive", "sync")
    assert synced.code == 0, synced.err + synced.out
    assert "0 waiting" in synced.out
    verified = admin("--data-dir", root, "archive", "verify", "--full")
    assert verified.code == 0 and "Archive OK" in verified.out, verified.out
    assert set(proxied.proxy.connects) == {proxied.target}


def test_the_proxy_setting_is_checked_and_provisioned() -> None:
    assert proxy_problem("") is None
    assert proxy_problem("http://proxy.office.lan:3128") is None
    for wrong in (
        "https://proxy.office.lan:3128",
        "http://user:secret@proxy.office.lan:3128",
        "http://proxy.office.lan",
        "proxy.office.lan:3128",
        "http://proxy.office.lan:3128/path",
    ):
        assert proxy_problem(wrong) is not None, wrong
    base = {
        "format": "enamel-provision-v1",
        "practice_id": "smile-dental-01",
        "archive": {
            "backend": "s3",
            "endpoint": "https://s3.example.com",
            "bucket": "audit",
            "proxy": "http://proxy.office.lan:3128",
        },
    }
    assert parse(base).settings["archive.proxy"] == "http://proxy.office.lan:3128"
    base["archive"]["proxy"] = "http://user:pw@proxy.office.lan:3128"  # type: ignore[index]
    with pytest.raises(ProvisioningError, match=r"archive\.proxy"):
        parse(base)
    folder = {**base, "archive": {"backend": "folder", "proxy": "http://proxy:3128"}}
    with pytest.raises(ProvisioningError, match=r"only for archive\.backend .s3."):
        parse(folder)
