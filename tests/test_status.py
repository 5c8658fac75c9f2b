"""enamel-admin status on a new installation says the PMS is not configured, not a default mode."""

from __future__ import annotations

from pathlib import Path

from services.clock import ManualClock
from services.installation import open_installation
from services.pms.opendental import Mode
from services.pms.settings import PmsSettings, write_keys
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.support import admin


def test_status_says_the_pms_is_not_configured_until_its_keys_are(data_dir: Path) -> None:
    assert admin("--data-dir", str(data_dir), "init", "--practice-id", "status-01").code == 0
    new = admin("--data-dir", str(data_dir), "status")
    assert new.code == 0, new.err
    assert "PMS:              not configured yet (enamel-admin pms set)" in new.out
    assert "pms.mode" not in new.out  # the default is no connection

    installation = open_installation(DataLayout(data_dir), KeyringKeyStore())
    try:
        now = ManualClock().now()
        PmsSettings(Mode.SERVICE, "", "od-server").write(installation.settings, now)
        write_keys(installation.secrets, "dev-key-7f3a", "cust-key-9b2c", now)
    finally:
        installation.close()
    configured = admin("--data-dir", str(data_dir), "status")
    assert "PMS:              http://od-server:30223/api/v1 (keys set)" in configured.out
    assert "Setting pms.mode:" in configured.out and "Setting pms.host:" in configured.out
    assert "dev-key-7f3a" not in configured.out and "cust-key-9b2c" not in configured.out
