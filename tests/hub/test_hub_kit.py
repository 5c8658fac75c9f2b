"""The hub test kit itself: a hub that cannot start says why, from the log its output went to."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hub import kit


def test_a_hub_that_does_not_start_fails_with_the_end_of_its_log(tmp_path: Path) -> None:
    root = tmp_path / "no-hub-here"  # never initialised: serve stops with a message
    with pytest.raises(AssertionError) as failed:
        kit.HubProcess(root)
    message = str(failed.value)
    assert "the hub did not start" in message
    assert str(kit.hub_log(root)) in message
    assert "no Enamel installation" in message  # what it wrote to stderr, never a pipe here
    assert kit.hubs_left() == []  # it was stopped and waited for
