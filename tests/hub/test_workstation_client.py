"""The workstation's hub client against small TLS servers on 127.0.0.1: TLS 1.3 only, the
practice CA only, a deadline per call, and what each kind of refusal says."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.clock import TEST_EPOCH
from services.hub import pki
from services.hub.client import HubClient, HubRefused, HubRevoked, HubUnreachable

ANSWERS: dict[str, tuple[int, dict[str, object]]] = {
    "/v1/health": (200, {"practice_id": "smile-dental-01"}),
    "/v1/broken": (503, {"error": "hub_error", "message": "down"}),
    "/v1/revoked": (403, {"error": "revoked", "message": "revoked"}),
    "/v1/nocert": (401, {"error": "certificate_required", "message": "no certificate"}),
    "/v1/refused": (403, {"error": "actor_required", "message": "Needs an office manager."}),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = ANSWERS.get(self.path, (404, {"error": "not_found"}))
        peer = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        if self.path == "/v1/health" and not peer:
            status, body = ANSWERS["/v1/nocert"]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Practice:
    def __init__(self) -> None:
        self.ca = pki.make_ca("smile-dental-01", TEST_EPOCH)
        self.server = pki.issue_server_cert(self.ca, [], TEST_EPOCH)
        key = pki.new_private_key()
        cert = pki.issue_workstation_cert(
            self.ca, pki.make_csr("ws_test", key), "ws_test", TEST_EPOCH, pki.new_serial()
        )
        self.client = pki.IssuedKeyPair(cert, pki.private_key_pem(key))


@pytest.fixture(scope="module")
def practice() -> Practice:
    return Practice()


def serve(context: ssl.SSLContext) -> tuple[str, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"https://127.0.0.1:{server.server_address[1]}", server


@pytest.fixture
def hub(practice: Practice) -> Iterator[str]:
    url, server = serve(pki.server_context(practice.ca.cert_pem, practice.server))
    yield url
    server.shutdown()


def client(practice: Practice, url: str, deadline: float = 5.0) -> HubClient:
    return HubClient.for_workstation(
        url, practice.ca.cert_pem, practice.client.cert_pem, practice.client.key_pem, deadline
    )


def test_a_workstation_reaches_its_hub_with_its_certificate(practice: Practice, hub: str) -> None:
    assert client(practice, hub).get("/v1/health") == {"practice_id": "smile-dental-01"}


def test_a_server_that_speaks_only_tls_1_2_is_refused(practice: Practice) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(cadata=practice.ca.cert_pem)
    pki._load_chain(context, practice.server.cert_pem, practice.server.key_pem)
    url, server = serve(context)
    try:
        with pytest.raises(HubUnreachable):
            client(practice, url).get("/v1/health")
    finally:
        server.shutdown()


def test_a_server_certified_by_another_ca_is_refused(practice: Practice) -> None:
    stranger = Practice()  # another practice's CA, or someone pretending to be the hub
    url, server = serve(pki.server_context(stranger.ca.cert_pem, stranger.server))
    try:
        with pytest.raises(HubUnreachable):
            client(practice, url).get("/v1/health")
    finally:
        server.shutdown()


def test_a_refused_connection_is_unreachable(practice: Practice) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(HubUnreachable, match="cannot be reached"):
        client(practice, f"https://127.0.0.1:{port}").get("/v1/health")


def test_a_hub_that_never_answers_ends_the_call_at_its_deadline(practice: Practice) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts the connection, never says a word (not even TLS)
    try:
        started = time.monotonic()
        with pytest.raises(HubUnreachable):
            client(practice, f"https://127.0.0.1:{silent.getsockname()[1]}", 0.5).get("/v1/health")
        assert time.monotonic() - started < 3.0
    finally:
        silent.close()


def test_a_server_error_is_unreachable(practice: Practice, hub: str) -> None:
    with pytest.raises(HubUnreachable, match="HTTP 503"):
        client(practice, hub).get("/v1/broken")


def test_a_revoked_workstation_is_told_so(practice: Practice, hub: str) -> None:
    with pytest.raises(HubRevoked, match="This PC's access to the practice hub was withdrawn"):
        client(practice, hub).get("/v1/revoked")


def test_without_its_certificate_a_workstation_is_refused(practice: Practice, hub: str) -> None:
    bare = HubClient(hub, pki.client_context(practice.ca.cert_pem))
    with pytest.raises(HubRefused, match="did not accept this PC's certificate") as refused:
        bare.get("/v1/health")
    assert not isinstance(refused.value, HubUnreachable)  # no offline fallback for a refusal


def test_a_refusal_carries_the_hub_s_words(practice: Practice, hub: str) -> None:
    with pytest.raises(HubRefused, match="Needs an office manager") as refused:
        client(practice, hub).get("/v1/refused")
    assert refused.value.code == "actor_required"
