"""The hub tests' guard (no `enamel-hub serve` process a test started outlives its module), and
the hub's directory calls on a real hub database, for the tests of its rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.hub.directory_rpc import DirectoryRpc
from services.hub.tokens import ActorTokens
from storage.hub_repo import HubRepository
from tests.hub import kit


@pytest.fixture(scope="module", autouse=True)
def _no_hub_left() -> Iterator[None]:
    # Module scope, set up first: torn down after the module's own fixtures stopped their hubs.
    yield
    left = kit.hubs_left()
    assert not left, f"hub processes still running after the module (now killed): {left}"


@pytest.fixture
def rpc(cheap_services):  # type: ignore[no-untyped-def]
    """The hub's directory calls (DirectoryRpc) on `cheap_services`' database, and those."""
    repo = HubRepository(cheap_services.installation.db)
    tokens = ActorTokens(repo, cheap_services.accounts, cheap_services.clock)
    directory = DirectoryRpc(
        cheap_services.accounts, tokens, repo, cheap_services.trail, cheap_services.clock
    )
    return directory, cheap_services
