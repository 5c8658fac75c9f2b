"""'Join this practice' in the first-run wizard, against a real `enamel-hub serve` process: each
wrong code says why and leaves the folder empty; the right one makes an installation of the
hub's practice whose first sign-in goes through the hub."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from app.bootstrap import build_services
from app.firstrun import FirstRun
from app.gui import make_qapp
from services.auth import totp
from services.clock import TEST_EPOCH, ManualClock
from services.hub import joincode
from services.hub.membership import HubMembership
from services.installation import open_installation
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.hub import kit
from tests.support import Person, admin, person_via_cli
from ui.firstrun import FirstRunWizard
from ui.operations import Operations

pytestmark = [pytest.mark.ui, pytest.mark.slow]


@dataclass
class Office:
    root: Path
    passphrase: str
    hub: kit.HubProcess
    maria: Person


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    root = tmp_path_factory.mktemp("office") / "hub"
    passphrase = kit.init_hub(root)  # the service key store, as the hub's service runs it
    # An account at the hub itself (made there before it serves), enrolled once.
    maria = person_via_cli(root, passphrase, "maria", "office_manager", ManualClock(TEST_EPOCH))
    hub = kit.HubProcess(root, TEST_EPOCH + timedelta(minutes=2))
    try:
        yield Office(root, passphrase, hub, maria)
    finally:
        hub.stop()


@dataclass
class Wizard:
    wizard: FirstRunWizard
    first: FirstRun
    ops: Operations
    layout: DataLayout
    qtbot: Any

    def join(self, code: str) -> str:
        page = self.wizard.practice_page
        page.join_choice.setChecked(True)
        page.code.setText(code)
        page.pc_name.setText("PC-FRONT-1")
        self.wizard.next()
        assert page.progress.isVisibleTo(self.wizard) and not page.isEnabled()  # in progress
        self.qtbot.waitUntil(lambda: not self.ops.busy(), timeout=30000)
        return str(page.error.text()) if page.error.isVisibleTo(self.wizard) else ""


@pytest.fixture
def wizard(qtbot: Any, tmp_path: Path, office: Office) -> Iterator[Wizard]:
    make_qapp()
    layout = DataLayout(tmp_path / "pc")
    first = FirstRun(layout, KeyringKeyStore(), office.maria.clock)
    ops = Operations()
    w = FirstRunWizard(first.actions(), ops.run)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    try:
        yield Wizard(w, first, ops, layout, qtbot)
    finally:
        ops.shutdown()
        first.close()


def nothing_made(layout: DataLayout) -> bool:
    return not layout.root.exists() or not [p for p in layout.root.iterdir() if p.name != "logs"]


def free_port() -> int:
    with socket.socket() as s:  # bound, then closed: nobody listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def screenshot(wizard: Wizard, name: str) -> None:
    wizard.wizard.practice_page.code.home(False)  # the code's start: "EJ1-…"
    folder = os.environ.get("ENAMEL_SCREENSHOTS")
    out = Path(folder) if folder else wizard.layout.root.parent / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    wizard.wizard.grab().save(str(out / name))


def test_wrong_codes_say_why_and_leave_the_folder_empty(wizard: Wizard, office: Office) -> None:
    real = joincode.decode(kit.invite(office.root, office.passphrase, "PC-FRONT-1"))
    page = wizard.wizard.practice_page
    assert page.new_choice.isChecked()  # a new practice is the default, joining is one click
    assert not page.code.isVisibleTo(wizard.wizard)
    assert "join code is damaged" in wizard.join("EJ1-not-a-code")
    forged = joincode.encode(joincode.JoinCode(real.url, "0" * 64, real.token))
    assert "did not show the practice certificate" in wizard.join(forged)
    nobody = f"https://127.0.0.1:{free_port()}"
    unreachable = wizard.join(
        joincode.encode(joincode.JoinCode(nobody, real.fingerprint, real.token))
    )
    assert "hub" in unreachable.lower() and "reach" in unreachable.lower(), unreachable
    used = kit.invite(office.root, office.passphrase, "PC-USED")
    kit.join(used, "ws-someone-else")  # another PC took it
    assert "unknown, used or expired" in wizard.join(used)
    assert wizard.wizard.currentPage() is page and nothing_made(wizard.layout)
    assert page.code.text() == used  # what IT typed stays, to correct
    screenshot(wizard, "firstrun-join-error-1366x768.png")


def test_the_wizard_joins_the_hub_and_the_first_sign_in_goes_through_it(
    wizard: Wizard, office: Office
) -> None:
    w = wizard.wizard
    code = kit.invite(office.root, office.passphrase, "PC-FRONT-1")
    w.practice_page.join_choice.setChecked(True)
    w.practice_page.code.setText(code)
    screenshot(wizard, "firstrun-join-1366x768.png")
    assert wizard.join(code) == ""
    assert w.currentPage() is w.passphrase_page
    passphrase = w.passphrase_page.shown.text()
    assert len(passphrase.replace("-", "")) == 30  # as for a new installation
    w.passphrase_page.typed.setText(passphrase)
    w.next()
    assert w.currentPage() is w.pms_page
    w.next()
    assert w.currentPage() is w.archive_page
    w.next()
    assert w.currentPage() is w.summary_page  # no office manager: the accounts are the hub's
    text = w.summary_page.summary.text()
    assert "joined the practice hub" in text and "account at the practice hub" in text
    w.button(QWizard.WizardButton.FinishButton).click()
    assert w.result() == 1
    wizard.first.close()

    membership = HubMembership.load(wizard.layout)
    assert membership is not None and membership.practice_id == kit.PRACTICE
    assert membership.url == office.hub.url
    installation = open_installation(wizard.layout, KeyringKeyStore())
    maria = office.maria
    services = build_services(installation, maria.clock)
    try:
        assert installation.practice_id == kit.PRACTICE
        assert services.hub is not None
        maria.clock.advance(30)
        step = services.auth.check_password("maria", maria.password)
        session = services.auth.check_code(step, totp.code_at(maria.secret, maria.clock.now()))
        assert session.login == "maria"
        assert services.hub.sign_in_flags(maria.user_id) == ()  # online: through the hub
        services.hub.session_ended(maria.user_id)
    finally:
        services.close()
    listed = admin("--data-dir", str(office.root), "hub", "workstations")
    row = next(line for line in listed.out.splitlines() if installation.workstation_id in line)
    assert "PC-FRONT-1" in row and "active" in row
