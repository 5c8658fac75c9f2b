"""A joined workstation's real app for the desk tests: one hub process, one PC joined to it
(IT's account alice, the front desk's dora enrolled), the app started on the PC, and a sign-in
through the shell's windows."""

from __future__ import annotations

import argparse
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

Office = tuple[Path, Person, Person, HubProcess]


def open_pc(pc: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    from app.bootstrap import build_services
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    return build_services(open_installation(DataLayout(pc), KeyringKeyStore()), clock)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
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
def running(office: Office, qtbot: Any) -> Iterator[Running]:
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
