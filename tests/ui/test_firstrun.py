"""The first-run wizard, driven page by page against the simulator and a folder archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QWizard

from app.firstrun import FirstRun
from app.gui import make_qapp
from services.auth import totp
from services.clock import ManualClock
from services.installation import open_installation
from services.pms.simulator import SimulatorServer, SyntheticPractice
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from ui.firstrun import FirstRunWizard
from ui.operations import Operations

pytestmark = pytest.mark.ui


def test_the_wizard_sets_up_a_practice_end_to_end(qtbot: Any, tmp_path: Path) -> None:
    make_qapp()
    clock = ManualClock()
    sim = SimulatorServer(SyntheticPractice(today=clock.now().date(), patients_count=50)).start()
    layout = DataLayout(tmp_path / "office")
    first = FirstRun(layout, KeyringKeyStore(), clock)
    ops = Operations()
    wizard = FirstRunWizard(first.actions(), ops.run)

    def settled() -> None:  # every step runs in the background
        qtbot.waitUntil(lambda: not ops.busy(), timeout=20000)

    qtbot.addWidget(wizard)
    wizard.show()
    try:
        wizard.practice_page.practice.setText("Bad Id!")
        wizard.next()
        settled()
        assert (
            wizard.currentPage() is wizard.practice_page
            and "practice id" in wizard.practice_page.error.text()
        )
        wizard.practice_page.practice.setText("smile-dental-01")
        wizard.next()
        assert wizard.currentPage() is wizard.practice_page  # still creating: no blocked UI
        settled()
        assert wizard.currentPage() is wizard.passphrase_page
        passphrase = wizard.passphrase_page.shown.text()
        assert len(passphrase.replace("-", "")) == 30
        wizard.passphrase_page.typed.setText("wrong")
        wizard.next()
        assert wizard.currentPage() is wizard.passphrase_page
        wizard.passphrase_page.typed.setText(passphrase.lower().replace("-", " "))
        wizard.next()
        pms = wizard.pms_page
        pms.url.setText(sim.url)
        pms.developer.setText("not-the-key")
        pms.customer.setText(sim.customer_key)
        pms.test.click()
        settled()
        assert "✘" in pms.result.text() and "Nothing was saved" in pms.result.text()
        pms.developer.setText(sim.developer_key)
        pms.test.click()
        settled()
        assert "4 providers visible" in pms.result.text()
        wizard.next()
        archive = wizard.archive_page
        archive.test.click()
        settled()
        assert "✔" in archive.result.text()
        wizard.next()
        manager = wizard.manager_page
        manager.login.setText("maria")
        manager.name.setText("Maria Office")
        manager.password.setText("short")
        manager.create_button.click()
        settled()
        assert "12 characters" in manager.error.text()
        manager.password.setText("a long manager password")
        manager.create_button.click()
        settled()
        assert manager.qr.isVisibleTo(wizard)
        manager.code.setText("000000")
        assert not manager.validatePage()
        settled()
        assert "not right" in manager.error.text() and wizard.result() == 0
        manager.code.setText(totp.code_at(first.secrets["maria"], first.clock.now()))
        wizard.button(QWizard.WizardButton.FinishButton).click()
        settled()
        assert wizard.result() == 1
    finally:
        ops.shutdown()
        first.close()
        sim.stop()
    installation = open_installation(layout, KeyringKeyStore())
    try:
        assert installation.settings.get("pms.base_url") == sim.url
        assert installation.settings.get("archive.folder.path") == str(layout.archive_dir)
        assert installation.secrets.get("pms.developer_key") == sim.developer_key.encode()
    finally:
        installation.close()
    assert sim.developer_key.encode() not in (layout.root / "workstation.json").read_bytes()
