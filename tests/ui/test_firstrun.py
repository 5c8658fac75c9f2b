"""The first-run wizard, driven page by page against the simulator and a folder archive: each
failure IT can meet shows its message, and signing in right after Finish works."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from app.bootstrap import build_services
from app.firstrun import FirstRun
from app.gui import make_qapp
from services.auth import totp
from services.auth.signin import CodeAlreadyUsed
from services.clock import ManualClock
from services.installation import open_installation
from services.pms.simulator import SimulatorServer, SyntheticPractice
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from ui.firstrun import FirstRunWizard
from ui.operations import Operations

pytestmark = pytest.mark.ui
PASSWORD = "a long manager password"


@dataclass
class Setup:
    wizard: FirstRunWizard
    first: FirstRun
    ops: Operations
    sim: SimulatorServer
    layout: DataLayout
    qtbot: Any

    def settled(self) -> None:  # every step runs in the background
        self.qtbot.waitUntil(lambda: not self.ops.busy(), timeout=20000)

    def click(self, button: Any) -> None:
        button.click()
        self.settled()

    def next(self) -> None:
        self.wizard.next()
        self.settled()

    def to_pms_page(self) -> None:
        self.wizard.practice_page.practice.setText("smile-dental-01")
        self.next()
        page = self.wizard.passphrase_page
        page.typed.setText(page.shown.text())
        self.next()
        assert self.wizard.currentPage() is self.wizard.pms_page

    def connect_pms(self) -> None:
        pms = self.wizard.pms_page
        pms.mode.setCurrentIndex(pms.mode.findData("url"))
        pms.url.setText(self.sim.url)
        pms.developer.setText(self.sim.developer_key)
        pms.customer.setText(self.sim.customer_key)
        self.click(pms.test)
        assert "4 providers visible" in pms.result.text(), pms.result.text()


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Iterator[Setup]:
    make_qapp()
    clock = ManualClock()
    sim = SimulatorServer(SyntheticPractice(today=clock.now().date(), patients_count=50)).start()
    layout = DataLayout(tmp_path / "office")
    first = FirstRun(layout, KeyringKeyStore(), clock)
    ops = Operations()
    wizard = FirstRunWizard(first.actions(), ops.run)
    qtbot.addWidget(wizard)
    wizard.show()
    try:
        yield Setup(wizard, first, ops, sim, layout, qtbot)
    finally:
        ops.shutdown()
        first.close()
        sim.stop()


def free_port() -> int:
    with socket.socket() as s:  # bound, then closed: nobody listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def other_disk_than(path: Path) -> Path | None:
    """A writable folder on another device than `path` (tmpfs /dev/shm on Linux), if any."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shm.stat().st_dev != path.stat().st_dev:
        return shm
    return None


def test_the_wizard_sets_up_a_practice_and_its_manager_signs_in_right_after(
    setup: Setup, tmp_path: Path
) -> None:
    w = setup.wizard
    assert "Every PC of the practice uses the same practice id" in w.practice_page.explained.text()
    w.practice_page.practice.setText("Bad Id!")
    setup.next()
    assert w.currentPage() is w.practice_page and "practice id" in w.practice_page.error.text()
    w.practice_page.practice.setText("smile-dental-01")
    w.next()
    assert w.currentPage() is w.practice_page  # still creating: no blocked UI
    setup.settled()
    assert w.currentPage() is w.passphrase_page
    passphrase = w.passphrase_page.shown.text()
    assert len(passphrase.replace("-", "")) == 30
    w.passphrase_page.typed.setText("wrong")
    w.next()
    assert w.currentPage() is w.passphrase_page and w.passphrase_page.error.isVisible()
    w.passphrase_page.typed.setText(passphrase.lower().replace("-", " "))
    w.next()
    setup.connect_pms()
    setup.next()
    archive = w.archive_page
    assert archive.folder.isVisibleTo(w) and not archive.endpoint.isVisibleTo(w)
    same_disk = tmp_path / "archive-here"
    archive.folder.setText(str(same_disk))
    setup.click(archive.test)
    assert "✘" in archive.result.text() and "same disk" in archive.result.text()
    assert "Nothing was saved" in archive.result.text() and not same_disk.exists()
    archive.removable.setChecked(True)  # IT says it is a removable or network drive
    setup.click(archive.test)
    assert "✔" in archive.result.text(), archive.result.text()
    setup.next()
    manager = w.manager_page
    manager.login.setText("maria")
    manager.name.setText("Maria Office")
    manager.password.setText(PASSWORD)
    setup.click(manager.create_button)
    assert manager.qr.isVisibleTo(w) and manager.key.isVisibleTo(w)
    secret = setup.first.secrets["maria"]
    assert manager.key.text().replace(" ", "") == secret  # the key as text beside the QR
    code = totp.code_at(secret, setup.first.clock.now())
    manager.code.setText(code)
    setup.next()
    assert w.currentPage() is w.summary_page
    text = w.summary_page.summary.text()
    assert "smile-dental-01" in text and "same practice id" in text
    assert f"Connected to {setup.sim.url}" in text and str(same_disk) in text
    assert "maria" in text and "<b>next</b> code" in text
    assert all(item.done for item in w.summary_page.items)
    w.button(QWizard.WizardButton.FinishButton).click()
    assert w.result() == 1

    installation = open_installation(setup.layout, KeyringKeyStore())
    try:
        assert installation.settings.get("pms.base_url") == setup.sim.url
        assert installation.settings.get("archive.folder.path") == str(same_disk)
        assert installation.secrets.get("pms.developer_key") == setup.sim.developer_key.encode()
        # Straight to the sign-in window: the code the wizard took is refused with a reason,
        # the password step stands, and the next code signs in.
        clock = setup.first.clock
        services = build_services(installation, clock)
        step = services.auth.check_password("maria", PASSWORD)
        with pytest.raises(CodeAlreadyUsed, match=r"Wait for .* next code"):
            services.auth.check_code(step, code)
        clock.advance(30)
        session = services.auth.check_code(step, totp.code_at(secret, clock.now()))
        assert session.login == "maria"
        assert not session.must_change_password  # the manager typed their own password
    finally:
        installation.close()
    assert (
        setup.sim.developer_key.encode()
        not in (setup.layout.root / "workstation.json").read_bytes()
    )


def test_each_pms_failure_says_what_went_wrong_and_keeps_what_was_typed(setup: Setup) -> None:
    setup.to_pms_page()
    w, pms = setup.wizard, setup.wizard.pms_page
    modes = [pms.mode.itemData(i) for i in range(pms.mode.count())]
    assert modes == ["service", "local", "remote", "url"]  # the modes 'pms set' has

    def failure() -> str:
        text: str = pms.result.text()
        assert text.startswith("✘"), text
        return text

    def shown(mode: str) -> tuple[bool, bool]:
        pms.mode.setCurrentIndex(pms.mode.findData(mode))
        return pms.host.isVisibleTo(w), pms.url.isVisibleTo(w)

    assert shown("local") == (False, False) and "localhost:30222" in pms.address.text()
    assert shown("remote") == (False, False) and "api.opendental.com" in pms.address.text()
    assert shown("url") == (False, True)
    assert shown("service") == (True, False)
    pms.developer.setText("dev-typed")
    pms.customer.setText("cust-typed")
    setup.click(pms.test)
    assert "name or IP address of the server" in failure()

    pms.host.setText("od-server")
    assert "http://od-server:30223/api/v1" in pms.address.text()
    setup.click(pms.test)
    assert "unencrypted" in failure() and "Nothing was saved" in failure()

    port = free_port()
    pms.mode.setCurrentIndex(pms.mode.findData("url"))
    pms.url.setText(f"http://127.0.0.1:{port}/api/v1")
    setup.click(pms.test)
    assert "refused" in failure() and f"port {port}" in failure()

    pms.url.setText(setup.sim.url)
    setup.click(pms.test)
    assert "refused Enamel's keys (401)" in failure() and "ask IT" not in failure()
    assert (pms.developer.text(), pms.customer.text()) == ("dev-typed", "cust-typed")

    setup.wizard.next()  # keys typed, none saved: said once, not dropped silently
    assert w.currentPage() is pms and "Nothing on this page is saved yet" in failure()
    assert "enamel-admin pms set" in failure() and pms.developer.text() == "dev-typed"
    setup.next()  # IT goes on without the PMS
    assert w.currentPage() is w.archive_page
    summary = w.summary()
    assert any("not connected" in item.text and not item.done for item in summary)


def test_each_archive_failure_says_what_went_wrong(setup: Setup, tmp_path: Path) -> None:
    setup.to_pms_page()
    setup.next()
    w, archive = setup.wizard, setup.wizard.archive_page
    assert archive.folder.text() == ""  # no default on the data's own disk
    setup.click(archive.test)
    assert "✘" in archive.result.text() and "Type the archive folder" in archive.result.text()

    archive.folder.setText(str(setup.layout.root / "archive"))
    setup.click(archive.test)
    assert "same disk as Enamel's data" in archive.result.text()
    assert "tick the box" in archive.result.text()

    archive.kind.setCurrentIndex(archive.kind.findData("s3"))
    assert archive.endpoint.isVisibleTo(w) and archive.secret.isVisibleTo(w)
    assert not archive.folder.isVisibleTo(w) and not archive.removable.isVisibleTo(w)
    archive.endpoint.setText(f"https://127.0.0.1:{free_port()}")
    setup.click(archive.test)
    assert "both access keys" in archive.result.text()
    archive.bucket.setText("audit")
    archive.access.setText("AKIA-typed")
    archive.secret.setText("secret-typed")
    setup.click(archive.test)
    assert archive.result.text().startswith("✘") and "Nothing was saved" in archive.result.text()
    assert archive.access.text() == "AKIA-typed" and archive.secret.text() == "secret-typed"
    setup.wizard.next()
    assert w.currentPage() is archive and "enamel-admin archive set" in archive.result.text()

    other = other_disk_than(tmp_path)
    if other is None:
        return
    folder = other / f"enamel-test-archive-{os.getpid()}"
    archive.kind.setCurrentIndex(archive.kind.findData("folder"))
    archive.folder.setText(str(folder))
    try:
        setup.click(archive.test)  # another disk: no box to tick
        assert archive.result.text().startswith("✔"), archive.result.text()
    finally:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.chmod(0o700)
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()


def test_each_manager_failure_says_what_went_wrong(setup: Setup) -> None:
    setup.to_pms_page()
    setup.next()
    setup.next()
    w, manager = setup.wizard, setup.wizard.manager_page
    assert w.currentPage() is manager
    setup.wizard.next()
    assert "Create the account first" in manager.error.text()
    manager.login.setText("maria")
    manager.password.setText("short")
    setup.click(manager.create_button)
    assert "12 characters" in manager.error.text() and not manager.enrollment.isVisibleTo(w)
    manager.password.setText(PASSWORD)
    setup.click(manager.create_button)
    assert manager.enrollment.isVisibleTo(w) and manager.error.isHidden()
    manager.code.setText("000000" if manager.code.text() != "000000" else "111111")
    setup.next()
    assert w.currentPage() is manager and "not right" in manager.error.text()
    code: Callable[[], str] = lambda: totp.code_at(  # noqa: E731
        setup.first.secrets["maria"], setup.first.clock.now()
    )
    manager.code.setText(code())
    setup.next()
    assert w.currentPage() is w.summary_page
    items = w.summary_page.items
    assert [item.done for item in items] == [True, True, False, False, True]
    assert (
        "No audit archive chosen" in items[3].text and "enamel-admin archive set" in items[3].text
    )
