"""A hostile or broken PMS on 127.0.0.1: huge answers are cut off at the endpoint's cap, and a
server that drips bytes (or says nothing) cannot hold a call past its overall deadline."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from services.access import Purpose
from services.pms.http import MIB, RESPONSE_LIMITS, RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.records import PmsBadAnswer, PmsError, PmsUnavailable
from tests.pms.conftest import TODAY
from tests.support import FAKE_PHI

DEADLINE = 2.0  # seconds; production calls get 60
STOP_AFTER = 12.0  # the server gives up by itself, so an unbounded client still ends

# One appointment, repeated: what a runaway list looks like, PHI in it.
RECORD = (
    '{"AptNum": 1, "PatNum": 7, "Note": "' + FAKE_PHI["name"] + '", '
    '"AptDateTime": "2026-11-23 09:00:00"},'
).encode()


@dataclass
class Misbehaving:
    """A one-trick HTTP server: answers every request the way `mode` says."""

    mode: str
    sock: socket.socket = field(default_factory=socket.socket)
    sent: int = 0  # body bytes the client took before it hung up (or all of them)
    hung_up: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/v1"

    def start(self) -> Misbehaving:
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        started = time.monotonic()
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            getattr(self, f"_{self.mode}")(conn, started)
        except OSError:
            self.hung_up.set()
        finally:
            conn.close()

    def _give_up(self, started: float) -> bool:
        return self.stopping.is_set() or time.monotonic() - started > STOP_AFTER

    def _huge(self, conn: socket.socket, started: float) -> None:
        """100 MB of a list, no length announced, then the connection closes."""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(b"Connection: close\r\n\r\n[")
        block = RECORD * (64 * 1024 // len(RECORD))
        while self.sent < 100 * MIB and not self._give_up(started):
            conn.sendall(block)
            self.sent += len(block)
        conn.sendall(b"{}]")

    def _declared_huge(self, conn: socket.socket, started: float) -> None:
        """Announces 100 MB, then sends it slowly: it should not even be started on."""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
        conn.sendall(f"Content-Length: {100 * MIB}\r\n\r\n[".encode())
        while self.sent < 100 * MIB and not self._give_up(started):
            conn.sendall(RECORD)
            self.sent += len(RECORD)
            time.sleep(0.01)

    def _drip_head(self, conn: socket.socket, started: float) -> None:
        """The status line and headers, one byte a second."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
        for byte in head:
            if self._give_up(started):
                return
            conn.sendall(bytes([byte]))
            time.sleep(1.0)
        conn.sendall(b"[]")

    def _drip_body(self, conn: socket.socket, started: float) -> None:
        """Prompt headers, then the body one byte a second."""
        body = b"[" + RECORD * 10 + b"{}]"
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        for byte in body:
            if self._give_up(started):
                return
            conn.sendall(bytes([byte]))
            self.sent += 1
            time.sleep(1.0)

    def _silent(self, conn: socket.socket, started: float) -> None:
        """Takes the request and never says a word."""
        while not self._give_up(started):
            time.sleep(0.05)


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Misbehaving]:
    made = Misbehaving(request.param).start()
    yield made
    made.stop()


def client_for(server: Misbehaving) -> OpenDentalClient:
    return OpenDentalClient(
        server.url,
        "developer-key",
        "customer-key",
        timeout=15.0,  # the per-read timeout as in production: the deadline must do the work
        retry=RetryPolicy(attempts=4, base_delay=0.1),
        deadline=DEADLINE,
    )


def no_phi(error: PmsError) -> None:
    for value in FAKE_PHI.values():
        assert value.lower() not in error.message.lower()


@pytest.mark.parametrize("server", ["huge"], indirect=True)
def test_a_huge_answer_is_cut_off_at_the_cap_without_filling_memory(server: Misbehaving) -> None:
    client = client_for(server)
    cap = RESPONSE_LIMITS["/appointments"]
    tracemalloc.start()
    try:
        with pytest.raises(PmsBadAnswer) as caught:
            client.appointments(Purpose.SCHEDULE, TODAY, TODAY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        client.close()
    assert "larger than Enamel accepts" in caught.value.message
    no_phi(caught.value)
    assert peak < cap + 8 * MIB  # one capped body, not 100 MB (nor a copy of it)
    assert server.hung_up.wait(5)  # Enamel stopped reading...
    assert server.sent < cap + 8 * MIB  # ...soon after the cap (socket buffers hold a little)


@pytest.mark.parametrize("server", ["declared_huge"], indirect=True)
def test_an_answer_announced_as_huge_is_refused_before_reading(server: Misbehaving) -> None:
    client = client_for(server)
    try:
        with pytest.raises(PmsBadAnswer, match="larger than Enamel accepts"):
            client.appointment(Purpose.SCHEDULE, 1)  # one record: a 1 MB cap
    finally:
        client.close()
    assert server.hung_up.wait(5)
    assert server.sent < 1 * MIB


@pytest.mark.parametrize("server", ["drip_head", "drip_body", "silent"], indirect=True)
def test_a_dripping_or_silent_server_fails_within_the_deadline(server: Misbehaving) -> None:
    client = client_for(server)
    started = time.monotonic()
    try:
        with pytest.raises(PmsUnavailable) as caught:
            client.appointments(Purpose.SCHEDULE, TODAY, TODAY)
    finally:
        client.close()
    took = time.monotonic() - started
    assert took < DEADLINE + 1.0, f"the call took {took:.1f} s"
    assert f"did not finish answering within {DEADLINE:.0f} seconds" in caught.value.message
    no_phi(caught.value)


@pytest.mark.parametrize("server", ["drip_body"], indirect=True)
def test_a_save_that_outlives_the_deadline_says_to_check_open_dental(server: Misbehaving) -> None:
    client = client_for(server)
    started = time.monotonic()
    try:
        with pytest.raises(PmsUnavailable) as caught:
            client.create_appointment(7, datetime(2026, 11, 23, 9, 0), 1)
    finally:
        client.close()
    assert time.monotonic() - started < DEADLINE + 1.0
    assert "Check in Open Dental whether the change was made" in caught.value.message
