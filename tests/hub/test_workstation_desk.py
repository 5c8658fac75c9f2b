"""The real app on a joined workstation: the status bar says the hub's mode, and a session the
hub ended (the account disabled at another PC) signs the person out at the next session check."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.gui import Running, make_qapp, start
from services.auth import totp
from services.clock import TEST_EPOCH, ManualClock
from tests.hub.kit import HubProcess, init_hub, invite
from tests.support import (
    PERSON_PASSWORD,
    TEMPORARY_PASSWORD,
    Person,
    admin,
    admin_as,
    enrol,
    passphrase_from,
    person_via_cli,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def open_pc(pc: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    from app.bootstrap import build_services
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    return build_services(open_installation(DataLayout(pc), KeyringKeyStore()), clock)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[Path, Person, Person, HubProcess]]:
    hub_root, pc = tmp_path / "hub", tmp_path / "pc"
    passphrase = init_hub(hub_root)
    hub = HubProcess(hub_root, TEST_EPOCH + timedelta(minutes=3))
    try:
        made = admin("--data-dir", str(pc), "init", "--practice-id", "smile-dental-01")
        assert made.code == 0, made.err
        clock = ManualClock(TEST_EPOCH)
        alice = person_via_cli(pc, passphrase_from(made.out), "alice", "it_admin", clock)
        assert (
            admin_as(
                alice, "--data-dir", str(pc), "join", invite(hub_root, passphrase, "PC-1")
            ).code
            == 0
        )
        assert admin_as(alice, "--data-dir", str(pc), "hub", "adopt").code == 0
        added = admin_as(alice, "--data-dir", str(pc), "user", "add", "dora", "--role",
                         "front_desk", "--password-stdin", stdin=TEMPORARY_PASSWORD + "\n")  # fmt: skip
        assert added.code == 0, added.err
        services = open_pc(pc, clock)
        try:
            secret = enrol(services, "dora", TEMPORARY_PASSWORD, own=PERSON_PASSWORD)
        finally:
            services.close()
        yield pc, alice, Person("dora", PERSON_PASSWORD, secret, clock), hub
    finally:
        hub.stop()


@pytest.fixture
def running(office: tuple[Path, Person, Person, HubProcess], qtbot: Any) -> Iterator[Running]:
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    pc, _, dora, _ = office
    make_qapp()
    installation = open_installation(DataLayout(pc), KeyringKeyStore())
    app = start(argparse.Namespace(demo=False, quiet=True), installation, dora.clock)
    yield app
    app.shell.switch_user()
    app.close()


def sign_in(qtbot: Any, running: Running, person: Person) -> Any:
    window = running.shell.sign_in
    window.password.user_edit.setText(person.login)
    window.password.password_edit.setText(person.password)
    window.password.sign_in_button.click()
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1, timeout=15000)
    person.clock.advance(30)
    window.code.code_edit.setText(totp.code_at(person.secret, person.clock.now()))
    window.code.verify_button.click()
    qtbot.waitUntil(lambda: running.shell.window is not None, timeout=15000)
    return running.shell.window


def test_a_session_the_hub_ended_signs_out_here(
    qtbot: Any, running: Running, office: tuple[Path, Person, Person, HubProcess], tmp_path: Path
) -> None:
    pc, alice, dora, _ = office
    window = sign_in(qtbot, running, dora)
    qtbot.waitUntil(lambda: window.status.hub.text() == "Practice hub: connected", timeout=10000)
    assert window.status.hub.isVisible()
    window.resize(1366, 768)
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window.grab().save(str(shots / "hub-status-connected-1366x768.png"))
    running.jobs.run_now("hub")  # a round of the session check while Dora's session is valid
    qtbot.wait(500)
    assert running.shell.session is not None
    alice.clock.advance(30)
    disabled = admin_as(alice, "--data-dir", str(pc), "user", "disable", "dora")  # another PC's
    assert disabled.code == 0, disabled.err
    running.jobs.run_now("hub")  # the round the queue runs every 30 seconds
    qtbot.waitUntil(lambda: running.shell.session is None, timeout=10000)
    assert running.shell.window is None
    assert running.shell.sign_in.isVisible()


def test_with_the_hub_away_a_person_who_signed_in_here_signs_in_offline(
    qtbot: Any, running: Running, office: tuple[Path, Person, Person, HubProcess], tmp_path: Path
) -> None:
    _, _, dora, hub = office
    hub.stop()  # Dora signed in at this PC (her enrollment) while the hub was there
    window = sign_in(qtbot, running, dora)
    offline = "Practice hub: offline (cached sign-in)"
    qtbot.waitUntil(lambda: window.status.hub.text() == offline, timeout=10000)
    window.resize(1366, 768)
    shots = Path(os.environ.get("ENAMEL_SCREENSHOTS") or tmp_path)
    window.grab().save(str(shots / "hub-status-offline-1366x768.png"))
    running.jobs.run_now("hub")  # the hub is still away: the session stays
    qtbot.wait(500)
    assert running.shell.session is not None
    assert window.status.hub.text() == offline
