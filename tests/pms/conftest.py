"""A simulator on 127.0.0.1 per test module, and clients that never really sleep."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from services.clock import TEST_EPOCH, ManualClock
from services.pms.http import RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import Fault, SimulatorServer, SyntheticPractice
from tests.sim_client import client_to

TODAY = TEST_EPOCH.date()  # a Monday


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    """The server's clock is the tests' manual one, so `pms check` compares like with like."""
    practice = SyntheticPractice(today=TODAY, clock=ManualClock())
    server = SimulatorServer(practice, page_size=100).start()
    yield server
    server.stop()


class SleepRecorder:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(sim: SimulatorServer, sleeps: SleepRecorder) -> Iterator[OpenDentalClient]:
    c = client_to(sim, timeout=2.0, retry=RetryPolicy(attempts=3, base_delay=0.5), sleep=sleeps)
    yield c
    c.close()


StartSim = Callable[..., SimulatorServer]


@pytest.fixture
def start_sim(clock: ManualClock) -> Iterator[StartSim]:
    """`start_sim(patients, latency=0.0)`: the simulator on 127.0.0.1 over a practice of that
    many patients on the tests' clock, pages of 100, with `latency` seconds added to every
    request; stopped after the test."""
    started: list[SimulatorServer] = []

    def start(patients: int, latency: float = 0.0) -> SimulatorServer:
        practice = SyntheticPractice(today=clock.now().date(), patients_count=patients, clock=clock)
        server = SimulatorServer(practice, page_size=100).start()
        if latency:
            server.inject(Fault(".", "latency", times=10**9, seconds=latency))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
