"""An Open Dental client of the test simulator, made one way in every test: pages of 100,
retries that never really sleep; any other constructor option given by name."""

from __future__ import annotations

from typing import Any

from services.pms.http import RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer


def client_to(sim: SimulatorServer, **options: Any) -> OpenDentalClient:
    """A client of `sim` as the desk makes one; `options` (page_size, timeout, retry, sleep,
    directory, plans, concurrency, ...) replace the defaults."""
    made: dict[str, Any] = {
        "page_size": 100,
        "timeout": 5.0,
        "retry": RetryPolicy(attempts=2, base_delay=0.0),
        "sleep": lambda _seconds: None,
        **options,
    }
    return OpenDentalClient(sim.url, sim.developer_key, sim.customer_key, **made)
