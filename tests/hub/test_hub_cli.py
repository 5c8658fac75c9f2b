"""enamel-admin hub init and invite: the practice CA, the join code, and who made it."""

from __future__ import annotations

from pathlib import Path

from services.clock import ManualClock
from services.hub import joincode, pki
from services.hub.state import load_hub
from services.installation import open_installation
from storage.layout import DataLayout
from tests.hub import kit
from tests.support import admin, admin_as, key_store, person_via_cli


def invites(root: Path) -> int:
    installation = open_installation(DataLayout(root), key_store(root))
    try:
        return int(
            installation.db.connection().execute("SELECT count(*) FROM hub_invites").fetchone()[0]
        )
    finally:
        installation.close()


def test_hub_init_makes_the_practice_ca_and_refuses_a_used_folder(tmp_path: Path) -> None:
    root = tmp_path / "hub"
    made = admin("hub", "init", "--data-dir", str(root), "--practice-id", kit.PRACTICE,
                 "--address", "hub.office.lan,192.168.1.10", "--port", "9443")  # fmt: skip
    assert made.code == 0, made.err
    installation = open_installation(DataLayout(root), key_store(root))
    try:
        config = load_hub(installation)
    finally:
        installation.close()
    assert f"CA fingerprint:   {pki.fingerprint(config.ca.cert_pem)}" in made.out
    assert "https://hub.office.lan:9443" in made.out
    assert "RECOVERY PASSPHRASE" in made.out
    again = admin("hub", "init", "--data-dir", str(root), "--practice-id", kit.PRACTICE)
    assert again.code == 2
    assert "already holds" in again.err


def test_an_it_administrator_invites_and_is_named(tmp_path: Path) -> None:
    root = tmp_path / "hub"
    passphrase = kit.init_hub(root)
    clock = ManualClock()
    anna = person_via_cli(root, passphrase, "it-anna", "it_admin", clock)
    made = admin_as(anna, "--data-dir", str(root), "hub", "invite", "--name", "PC-FRONT-1")
    assert made.code == 0, made.err
    code = joincode.decode(next(w for w in made.out.split() if w.startswith("EJ1-")))
    installation = open_installation(DataLayout(root), key_store(root))
    try:
        assert code.fingerprint == load_hub(installation).ca_fingerprint
    finally:
        installation.close()
    assert code.url == "https://127.0.0.1:8443"
    entry = [e for e in kit.hub_entries(root) if e["action"] == "workstation_invited"][-1]
    assert entry["actor_id"] == anna.user_id
    assert entry["resource_id"] == "PC-FRONT-1"


def test_front_desk_may_not_invite(tmp_path: Path) -> None:
    root = tmp_path / "hub"
    passphrase = kit.init_hub(root)
    desk = person_via_cli(root, passphrase, "pat", "front_desk", ManualClock())
    refused = admin_as(desk, "--data-dir", str(root), "hub", "invite", "--name", "PC-FRONT-1")
    assert refused.code != 0
    assert "EJ1-" not in refused.out
    assert invites(root) == 0
