"""The real app on a joined workstation when another server answers at the hub's address with
a certificate of another CA: the sign-in window and the status bar say the hub could not prove
it is the practice's (not "offline", not "cannot be reached"), and nothing is sent to it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running
from services.clock import TEST_EPOCH
from services.hub import pki
from tests.hub.desk_office import Office, office, running, sign_in
from tests.hub.test_hub_certificate_errors import Impostor
from tests.support import Person

__all__ = ["office", "running"]  # the fixtures
pytestmark = [pytest.mark.ui, pytest.mark.slow]

LABEL = "Practice hub: wrong certificate"


@pytest.fixture
def impostor(office: Office) -> Iterator[Impostor]:
    _, _, _, hub = office
    hub.stop()  # the hub is gone; another server takes its address and port
    stranger = pki.make_ca("someone-else", TEST_EPOCH)
    server = Impostor(stranger, pki.issue_server_cert(stranger, [], TEST_EPOCH), hub.port)
    try:
        yield server
    finally:
        server.stop()


def test_a_server_posing_as_the_hub_is_named_at_sign_in_and_in_the_status_bar(
    qtbot: Any, running: Running, office: Office, impostor: Impostor, tmp_path: Path
) -> None:
    _, _, dora, _ = office
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window = running.shell.sign_in
    stranger = Person("carol", dora.password, dora.secret, dora.clock)  # never signed in here
    window.password.user_edit.setText(stranger.login)
    window.password.password_edit.setText(stranger.password)
    window.password.sign_in_button.click()
    qtbot.waitUntil(lambda: window.error.isVisible(), timeout=15000)
    said = window.error.text()
    assert "could not prove it is this practice's hub" in said and "nothing was sent" in said
    assert "'enamel-admin join CODE --again'" in said and "cannot be reached" not in said
    window.resize(1366, 768)
    window.grab().save(str(shots / "hub-not-proven-sign-in-1366x768.png"))

    main = sign_in(qtbot, running, dora)  # Dora signed in here: her cached sign-in
    qtbot.waitUntil(lambda: main.status.hub.text() == LABEL, timeout=10000)
    main.resize(1366, 768)
    main.grab().save(str(shots / "hub-status-not-proven-1366x768.png"))
    assert impostor.requests == []  # not a password, not a code, not a batch
