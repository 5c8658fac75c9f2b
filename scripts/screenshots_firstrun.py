"""Screenshots of the first-run wizard's pages (docs/screenshots/firstrun-*.png).

Run: xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots_firstrun.py
"""

from __future__ import annotations

import os
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
from services.pms.simulator import SimulatorServer, SyntheticPractice
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from ui.firstrun import FirstRunWizard

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> None:
    make_qapp()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        sim = SimulatorServer(
            SyntheticPractice(today=date(2026, 11, 23), patients_count=50)
        ).start()
        first = FirstRun(DataLayout(Path(tmp) / "office"), KeyringKeyStore())
        wizard = FirstRunWizard(first.actions())
        wizard.show()

        def shot(name: str) -> None:
            for _ in range(10):
                QApplication.processEvents()
            wizard.grab().save(str(OUT / f"firstrun-{name}.png"))

        wizard.practice_page.practice.setText("smile-dental-01")
        shot("1-practice")
        wizard.next()
        shot("2-passphrase")
        wizard.passphrase_page.typed.setText(wizard.passphrase_page.shown.text())
        wizard.next()
        wizard.pms_page.url.setText(sim.url)
        wizard.pms_page.developer.setText(sim.developer_key)
        wizard.pms_page.customer.setText(sim.customer_key)
        wizard.pms_page.test.click()
        shot("3-pms")
        wizard.next()
        wizard.archive_page.test.click()
        shot("4-archive")
        wizard.next()
        wizard.manager_page.login.setText("maria")
        wizard.manager_page.name.setText("Maria Office")
        wizard.manager_page.password.setText("a long manager password")
        wizard.manager_page.create_button.click()
        shot("5-manager")
        first.close()
        sim.stop()
    print(f"Screenshots in {OUT}")


if __name__ == "__main__":
    main()
