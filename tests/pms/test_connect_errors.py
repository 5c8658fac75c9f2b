"""No connection made: refused, unknown name; and the keys refused (401) — each said plainly."""

from __future__ import annotations

import socket

import pytest

from services.pms.http import PmsHttp, RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.records import PmsRejected, PmsUnavailable
from services.pms.simulator import SimulatorServer


def free_port() -> int:
    with socket.socket() as s:  # bound, then closed: nobody listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_refused_connection_is_reported_as_refused(method: str) -> None:
    port = free_port()
    http = PmsHttp(f"http://127.0.0.1:{port}/api/v1", {}, retry=RetryPolicy(2, 0.01, 0.01))
    try:
        with pytest.raises(PmsUnavailable) as caught:
            http.request(method, "/providers")
    finally:
        http.close()
    message = caught.value.message
    assert "refused" in message and f"127.0.0.1, port {port}" in message
    assert "broke off" not in message and "while saving" not in message  # nothing was sent


def test_a_name_that_does_not_resolve_is_said_so() -> None:
    http = PmsHttp("https://od-server.invalid/api/v1", {}, retry=RetryPolicy(1))
    try:
        with pytest.raises(PmsUnavailable) as caught:
            http.request("GET", "/providers")
    finally:
        http.close()
    assert "od-server.invalid" in caught.value.message
    assert "cannot be found" in caught.value.message or "could not connect" in caught.value.message


def test_refused_keys_say_what_to_do_and_not_to_ask_it(sim: SimulatorServer) -> None:
    client = OpenDentalClient(sim.url, "wrong", sim.customer_key)
    try:
        with pytest.raises(PmsRejected) as caught:
            client.providers()
    finally:
        client.close()
    message = caught.value.message
    assert "refused Enamel's keys (401)" in message and "--keys-stdin" in message
    assert "ask it" not in message.lower()
