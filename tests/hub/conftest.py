"""The hub tests' guard: no `enamel-hub serve` process a test started outlives its module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hub import kit


@pytest.fixture(scope="module", autouse=True)
def _no_hub_left() -> Iterator[None]:
    # Module scope, set up first: torn down after the module's own fixtures stopped their hubs.
    yield
    left = kit.hubs_left()
    assert not left, f"hub processes still running after the module (now killed): {left}"
