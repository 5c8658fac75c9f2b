"""The hub as a service: its database key in a file only its account reads (no credential store),
a real `enamel-hub serve` process on it, and clear words when that file is missing or wrong."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.hub import pki
from services.installation import load_identity
from storage.errors import KeyMissing
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from storage.service_keystore import ServiceKeyStore, service_key_folder
from tests.hub import kit
from tests.support import admin

pytestmark = pytest.mark.slow


def serve(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`enamel-hub serve` that is expected to stop by itself (it cannot open the hub)."""
    return subprocess.run(
        [sys.executable, "-m", "app.hub", "serve", "--data-dir", str(root), "--port", "0", *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def key_file(root: Path) -> Path:
    files = list(service_key_folder(root).iterdir())
    assert len(files) == 1, files
    return files[0]


def answers(hub: kit.HubProcess) -> bool:
    with httpx.Client(base_url=hub.url, verify=pki.unverified_context(), timeout=30) as c:
        return "ca_pem" in c.get("/v1/ca").json()


def test_hub_init_keeps_the_key_in_a_file_only_its_account_reads_and_serve_opens_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "hub"
    made = admin("hub", "init", "--data-dir", str(root), "--practice-id", kit.PRACTICE,
                 "--key-store", "service")  # fmt: skip
    assert made.code == 0, made.err
    assert f"service key file in {service_key_folder(root)}" in made.out
    path = key_file(root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(service_key_folder(root).stat().st_mode) == 0o700
    name = load_identity(DataLayout(root)).keystore_name
    with pytest.raises(KeyMissing):  # nothing in the credential store of the account that ran it
        KeyringKeyStore().get(name)
    assert ServiceKeyStore(root).get(name).hex() == path.read_text()
    hub = kit.HubProcess(root)
    try:
        assert answers(hub)
        # The other hub commands find the same key (no --key-store needed).
        assert kit.invite(root, kit.passphrase_from(made.out), "PC-1").startswith("EJ1-")
    finally:
        assert hub.stop() == 0


def test_a_missing_damaged_or_wrong_key_file_is_named_and_recover_puts_it_back(
    tmp_path: Path,
) -> None:
    root = tmp_path / "hub"
    passphrase = kit.init_hub(root)
    path = key_file(root)
    good = path.read_text()

    path.unlink()
    missing = serve(root)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
    assert f"The database key file {path} is missing" in missing.stderr
    assert "enamel-admin recover" in missing.stderr

    path.write_text("not a key")
    damaged = serve(root)
    assert damaged.returncode != 0 and "Traceback" not in damaged.stderr
    assert "is damaged" in damaged.stderr

    path.write_text(os.urandom(32).hex())  # a key, not this database's
    wrong = serve(root)
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr
    assert wrong.stderr.startswith("enamel-hub: ") and len(wrong.stderr.splitlines()) == 1

    keyring = serve(root, "--key-store", "keyring")  # the hub's key is not in a credential store
    assert keyring.returncode != 0 and "Traceback" not in keyring.stderr
    assert "credential store" in keyring.stderr

    back = admin("--data-dir", str(root), "recover", "--passphrase-stdin", stdin=passphrase)
    assert back.code == 0, back.err
    assert "service key file" in back.out
    assert path.read_text() == good and stat.S_IMODE(path.stat().st_mode) == 0o600
    hub = kit.HubProcess(root)
    try:
        assert answers(hub)
    finally:
        assert hub.stop() == 0


FORCE_FALLBACK = """
import sys
from asyncio import unix_events

def no_signal_handlers(self, sig, callback, *args):
    raise NotImplementedError  # as on Windows' event loops

unix_events._UnixSelectorEventLoop.add_signal_handler = no_signal_handlers
from app.hub import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_cleanly_where_the_loop_has_no_signal_handlers(
    tmp_path: Path, sig: signal.Signals
) -> None:
    root = tmp_path / "hub"
    kit.init_hub(root)
    hub = kit.HubChild(
        ["--data-dir", str(root), "--port", "0"], kit.hub_log(root), program=("-c", FORCE_FALLBACK)
    )
    hub.proc.send_signal(sig)
    assert hub.proc.wait(timeout=60) == 0, hub.tail()  # a bound for a hung child; no SIGTERM
    said = kit.log_tail(hub.log, hub.since).splitlines()
    assert said == [f"listening {hub.url}", "stopped"], hub.tail()  # nothing on stderr either
