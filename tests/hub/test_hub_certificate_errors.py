"""A server at the hub's address that cannot prove it is the practice's hub (a certificate of
another CA, one for another name, an expired one) is said so, apart from a hub that is away;
nothing is sent to it, and the words carry no exception text."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.bootstrap import Services
from services.clock import TEST_EPOCH, ManualClock
from services.hub import joincode, pki
from services.hub.client import HubClient, HubNotProven, HubUnreachable
from services.hub.directory import HubAccountDirectory, HubMode, NotSignedInHereRecently
from services.hub.join import HubIdentity, JoinFailed, join
from services.hub.membership import membership_of
from storage.accounts_repo import SqlAccountDirectory
from storage.hub_cache_repo import HubCacheRepository

NOT_PROVEN = "could not prove it is this practice's hub"
REJOIN = "'enamel-admin join CODE --again'"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


class Practice:
    def __init__(self, practice_id: str = "smile-dental-01") -> None:
        self.ca = pki.make_ca(practice_id, TEST_EPOCH)
        key = pki.new_private_key()
        cert = pki.issue_workstation_cert(
            self.ca, pki.make_csr("ws_test", key), "ws_test", TEST_EPOCH, pki.new_serial()
        )
        self.client = pki.IssuedKeyPair(cert, pki.private_key_pem(key))


def leaf(
    ca: pki.IssuedKeyPair, names: list[str], start: datetime, days: int, ip: str = ""
) -> pki.IssuedKeyPair:
    """A server certificate of `ca` for `names` (and `ip`), valid `days` from `start`."""
    key = pki.new_private_key()
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    if ip:
        sans.append(x509.IPAddress(ipaddress.ip_address(ip)))
    ca_cert = pki.load_cert(ca.cert_pem)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enamel-hub")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(pki.new_serial())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(pki.load_private_key(ca.key_pem), hashes.SHA256())
    )
    return pki.IssuedKeyPair(pki.cert_pem(cert), pki.private_key_pem(key))


class Impostor:
    """An HTTPS server on 127.0.0.1 that answers every request as a hub would, and counts them."""

    def __init__(self, ca: pki.IssuedKeyPair, server: pki.IssuedKeyPair, port: int = 0) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                seen.append(self.path)
                data = json.dumps({"result": None}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.http.socket = pki.server_context(ca.cert_pem, server).wrap_socket(
            self.http.socket, server_side=True
        )
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"https://127.0.0.1:{self.http.server_address[1]}"

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def practice() -> Practice:
    return Practice()


def serving(ca: pki.IssuedKeyPair, server: pki.IssuedKeyPair) -> Iterator[Impostor]:
    impostor = Impostor(ca, server)
    try:
        yield impostor
    finally:
        impostor.stop()


@pytest.fixture
def another_ca() -> Iterator[Impostor]:
    stranger = Practice("someone-else")  # another practice's CA, or someone posing as the hub
    yield from serving(stranger.ca, pki.issue_server_cert(stranger.ca, [], TEST_EPOCH))


@pytest.fixture
def another_name(practice: Practice) -> Iterator[Impostor]:
    # The practice's own CA, but a certificate that does not name 127.0.0.1 (a moved hub);
    # valid from 2000 to 2100, whatever this computer's clock says.
    yield from serving(practice.ca, leaf(practice.ca, ["hub.old-office.lan"], LONG_AGO, 36500))


@pytest.fixture
def expired(practice: Practice) -> Iterator[Impostor]:
    # For 127.0.0.1, of the practice's CA, expired in 2000 whatever this computer's clock says
    # (the TLS stack checks the dates against it).
    yield from serving(practice.ca, leaf(practice.ca, [], LONG_AGO, 365, ip="127.0.0.1"))


def client(practice: Practice, url: str) -> HubClient:
    return HubClient.for_workstation(
        url, practice.ca.cert_pem, practice.client.cert_pem, practice.client.key_pem
    )


def assert_not_proven(error: Exception) -> None:
    text = str(error)
    assert NOT_PROVEN in text and "nothing was sent" in text and REJOIN in text
    assert "cannot be reached" not in text
    for raw in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "SSL", "[", "Errno"):
        assert raw not in text  # no exception text for a person to puzzle over


@pytest.mark.parametrize("server", ["another_ca", "another_name", "expired"])
def test_a_server_that_cannot_prove_it_is_the_hub_is_said_so_and_told_nothing(
    practice: Practice,
    server: str,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    impostor: Impostor = request.getfixturevalue(server)
    caplog.set_level(logging.WARNING, logger="services.hub.client")
    with pytest.raises(HubNotProven) as refused:
        client(practice, impostor.url).post("/v1/directory/by_login", {"args": {"login": "x"}})
    assert_not_proven(refused.value)
    assert "not the one this PC joined with" in str(refused.value)
    assert isinstance(refused.value, HubUnreachable)  # whatever waits for the hub keeps waiting
    assert impostor.requests == []  # fail closed: the request never left this PC
    logged = [r for r in caplog.records if r.getMessage() == "hub.not_proven"]
    assert [getattr(r, "error_class", None) for r in logged] == ["SSLCertVerificationError"]


def test_a_closed_port_still_cannot_be_reached(practice: Practice) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(HubUnreachable, match="cannot be reached") as away:
        client(practice, f"https://127.0.0.1:{port}").get("/v1/health")
    assert not isinstance(away.value, HubNotProven)


def test_a_server_without_tls_1_3_is_not_the_hub_either(practice: Practice) -> None:
    server = pki.issue_server_cert(practice.ca, [], TEST_EPOCH)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    pki._load_chain(context, server.cert_pem, server.key_pem)
    http = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    http.socket = context.wrap_socket(http.socket, server_side=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        with pytest.raises(HubNotProven, match="did not set up the practice's secure connection"):
            client(practice, f"https://127.0.0.1:{http.server_address[1]}").get("/v1/health")
    finally:
        http.shutdown()
        http.server_close()


def test_the_sign_in_says_the_hub_is_not_proven_and_the_mode_says_so(
    practice: Practice, another_ca: Impostor, services: Services
) -> None:
    inst = services.installation
    clock = ManualClock(TEST_EPOCH)
    modes: list[HubMode] = []
    directory = HubAccountDirectory(
        client(practice, another_ca.url),
        SqlAccountDirectory(inst.db, inst.database_key),
        HubCacheRepository(inst.db, inst.database_key),
        clock,
        lambda: "7",
    )
    directory.on_mode_change(modes.append)
    with pytest.raises(NotSignedInHereRecently) as away:
        directory.by_login("carol")  # nobody signed in here as carol: no cached sign-in
    assert_not_proven(away.value)
    assert "in the last 7 days" in str(away.value)
    assert modes == [HubMode.NOT_PROVEN] and directory.mode.away
    assert directory.mode.label == "Practice hub: wrong certificate"
    assert another_ca.requests == []


def test_joining_a_hub_whose_certificate_names_another_address_says_what_to_fix(
    practice: Practice, another_name: Impostor, services: Services
) -> None:
    """The CA matched the code, the hub's own certificate is for another name: IT re-addresses
    the hub (not a re-join of a PC that is joining); the join request is never sent."""
    code = joincode.JoinCode(another_name.url, pki.fingerprint(practice.ca.cert_pem), "t" * 32)
    hub = HubIdentity(code, practice.ca.cert_pem, services.installation.practice_id)
    with pytest.raises(JoinFailed) as refused:
        join(services.installation, hub, "PC-1", services.clock)
    text = str(refused.value)
    assert "was not accepted for that address" in text and "Nothing was sent" in text
    assert "'enamel-admin hub address --address ...'" in text
    assert "cannot be reached" not in text and "SSL" not in text
    assert another_name.requests == []
    assert membership_of(services.installation) is None  # nothing changed at this PC
