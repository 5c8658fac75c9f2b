"""`POST /v1/adopt`: a single PC's accounts move to a hub, only while the hub has none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from services.auth import totp
from services.hub.directory_rpc import encode
from storage.accounts_repo import CodeCheck, SqlAccountDirectory
from tests.hub import kit
from tests.support import person_in


def test_accounts_move_to_an_empty_hub_once(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    anna = person_in(services, "it-anna", "it_admin")
    local: SqlAccountDirectory = services.accounts
    local.set_recovery_codes(anna.user_id, ["hash-1", "hash-2"])
    record = local.by_id(anna.user_id)
    assert record is not None and record.last_totp_step > 0
    body = {"accounts": [{"record": encode(record), "totp_secret": local.totp_secret(anna.user_id),
                          "recovery_code_hashes": ["hash-1", "hash-2"]}]}  # fmt: skip

    root = tmp_path / "hub"
    passphrase = kit.init_hub(root)
    hub = kit.HubProcess(root)
    try:
        ws = kit.join(kit.invite(root, passphrase, "PC-1"), "ws-1")
        with ws.client() as c:
            moved = c.post("/v1/adopt", json=body)
            assert moved.status_code == 200, moved.text
            assert moved.json() == {"adopted": 1}
            remote = kit.RemoteDirectory(c)
            there = remote.by_login("it-anna")
            assert there == replace(record, password_hash="")  # enrolled, last step and all
            assert remote.verify_password(anna.user_id, anna.password)  # the hash moved
            assert remote.unused_recovery_codes(anna.user_id) == 2
            # the secret moved, and the step last used on the PC stays spent at the hub
            last = datetime.fromtimestamp(record.last_totp_step * totp.STEP_SECONDS, UTC)
            code = totp.code_at(anna.secret, last)
            assert remote.accept_totp_code(anna.user_id, code, last) is not CodeCheck.ACCEPTED
            again = c.post("/v1/adopt", json=body)
            assert again.status_code == 409
            assert again.json()["error"] == "hub_has_accounts"
        entries = [e for e in kit.hub_entries(root) if e["action"] == "accounts_adopted"]
        assert len(entries) == 1 and entries[0]["resource_id"] == "ws-1"
    finally:
        assert hub.stop() == 0


def test_adopt_needs_a_workstation_certificate(tmp_path: Path) -> None:
    import httpx

    from services.hub import pki

    root = tmp_path / "hub"
    kit.init_hub(root)
    hub = kit.HubProcess(root)
    try:
        with httpx.Client(base_url=hub.url, verify=pki.unverified_context(), timeout=30) as c:
            answer = c.post("/v1/adopt", json={"accounts": []})
        assert answer.status_code == 401
    finally:
        assert hub.stop() == 0
