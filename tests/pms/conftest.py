"""A simulator on 127.0.0.1 per test module, and clients that never really sleep."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.clock import TEST_EPOCH, ManualClock
from services.pms.http import RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice

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
    c = OpenDentalClient(
        sim.url,
        sim.developer_key,
        sim.customer_key,
        page_size=100,
        timeout=2.0,
        retry=RetryPolicy(attempts=3, base_delay=0.5),
        sleep=sleeps,
    )
    yield c
    c.close()
