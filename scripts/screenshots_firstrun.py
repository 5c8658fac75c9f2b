"""Screenshots of the first-run wizard's pages (docs/screenshots/firstrun-*.png), with the
failures IT meets most (a refused connection, an archive on the data's disk).

Run: xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots_firstrun.py
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

from PySide6.QtWidgets import QApplication

from app.firstrun import FirstRun
from app.gui import make_qapp
from services.auth import totp
from services.pms.simulator import SimulatorServer, SyntheticPractice
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from ui.firstrun import FirstRunWizard
from ui.operations import Operations

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> None:
    make_qapp()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        sim = SimulatorServer(
            SyntheticPractice(today=date(2026, 11, 23), patients_count=50)
        ).start()
        first = FirstRun(DataLayout(Path(tmp) / "office"), KeyringKeyStore())
        ops = Operations()
        wizard = FirstRunWizard(first.actions(), ops.run)
        wizard.show()

        def settle() -> None:
            while ops.busy():
                QApplication.processEvents()
            for _ in range(10):
                QApplication.processEvents()

        def shot(name: str) -> None:
            settle()
            wizard.grab().save(str(OUT / f"firstrun-{name}.png"))

        wizard.practice_page.practice.setText("smile-dental-01")
        shot("1-practice")
        wizard.next()
        settle()
        shot("2-passphrase")
        wizard.passphrase_page.typed.setText(wizard.passphrase_page.shown.text())
        wizard.next()
        pms = wizard.pms_page
        pms.host.setText("od-server")
        shot("3-pms-service")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        pms.mode.setCurrentIndex(pms.mode.findData("url"))
        pms.url.setText(f"http://127.0.0.1:{port}/api/v1")
        pms.developer.setText(sim.developer_key)
        pms.customer.setText(sim.customer_key)
        pms.test.click()
        shot("3-pms-refused")
        pms.url.setText(sim.url)
        pms.test.click()
        shot("3-pms")
        wizard.next()
        archive = wizard.archive_page
        archive.folder.setText(str(Path(tmp) / "office" / "archive"))
        archive.test.click()
        shot("4-archive-same-disk")
        archive.kind.setCurrentIndex(archive.kind.findData("s3"))
        shot("4-archive-s3")
        archive.kind.setCurrentIndex(archive.kind.findData("folder"))
        archive.removable.setChecked(True)
        archive.test.click()
        shot("4-archive")
        wizard.next()
        manager = wizard.manager_page
        manager.login.setText("maria")
        manager.name.setText("Maria Office")
        manager.password.setText("a long manager password")
        manager.create_button.click()
        shot("5-manager")
        manager.code.setText(totp.code_at(first.secrets["maria"], first.clock.now()))
        wizard.next()
        shot("6-summary")
        ops.shutdown()
        first.close()
        sim.stop()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
