"""enamel-hub as a real process on 127.0.0.1, spoken to over real TLS with issued certificates."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.bootstrap import build_services
from services.access import Role
from services.auth import totp
from services.auth.signin import AuthService, SignInThrottled
from services.auth.throttle import SignInFailed
from services.auth.users import UserAdmin
from services.clock import TEST_EPOCH, ManualClock
from services.hub import pki
from services.installation import ARCHIVE_KEY, PSEUDONYM_KEY, initialise, open_installation
from storage.accounts_repo import CodeCheck
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from storage.service_keystore import ServiceKeyStore
from tests.hub import kit
from tests.support import PERSON_PASSWORD, TEMPORARY_PASSWORD, admin, admin_recovery


@dataclass
class Hub:
    root: Path
    passphrase: str
    process: kit.HubProcess
    a: kit.Workstation
    b: kit.Workstation


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub") / "hub"
    passphrase = kit.init_hub(root)
    process = kit.HubProcess(root)
    try:
        a = kit.join(kit.invite(root, passphrase, "PC-FRONT-1"), "ws-front-1", "PC-FRONT-1")
        b = kit.join(kit.invite(root, passphrase, "PC-OP-1"), "ws-op-1", "PC-OP-1")
        yield Hub(root, passphrase, process, a, b)
    finally:
        assert process.stop() == 0


def hub_now(ws: kit.Workstation) -> datetime:
    with ws.client() as c:
        return datetime.fromisoformat(c.get("/v1/health").json()["hub_time"])


def add_user(hub: Hub, login: str, role: str) -> str:
    made = admin_recovery("--data-dir", str(hub.root), "user", "add", login, "--role", role,
                          "--password-stdin", passphrase=hub.passphrase,
                          stdin=TEMPORARY_PASSWORD + "\n")  # fmt: skip
    assert made.code == 0, made.err
    with hub.a.client() as c:
        record = kit.RemoteDirectory(c).by_login(login)
    assert record is not None
    return record.user_id


def trail_at(tmp_path: Path, name: str, clock: ManualClock):  # type: ignore[no-untyped-def]
    made = initialise(DataLayout(tmp_path / name), KeyringKeyStore(), kit.PRACTICE, clock)
    return build_services(made.installation, clock).trail


def enrolled(hub: Hub, ws: kit.Workstation, tmp_path: Path, login: str, role: str):  # type: ignore[no-untyped-def]
    """An account added at the hub, then enrolled at `ws` through AuthService over the hub;
    the secret is the one its holder's phone got (the hub never gives it out again)."""
    add_user(hub, login, role)
    clock = ManualClock(hub_now(ws))
    http = ws.client()
    directory = kit.RemoteDirectory(http)
    auth = AuthService(directory, trail_at(tmp_path, f"ws-{login}", clock), clock, kit.PRACTICE)
    step = auth.check_password(login, TEMPORARY_PASSWORD)
    enrollment = auth.begin_enrollment(step)
    session = auth.confirm_enrollment(step, totp.code_at(enrollment.secret, clock.now()))
    session = auth.set_required_password(session, PERSON_PASSWORD)
    assert directory.actor_token
    return directory, auth, session, clock, enrollment.secret


def signed_in(hub: Hub, ws: kit.Workstation, tmp_path: Path, login: str, role: str):  # type: ignore[no-untyped-def]
    directory, auth, session, clock, _ = enrolled(hub, ws, tmp_path, login, role)
    return directory, auth, session, clock


def code_now(secret: str, ws: kit.Workstation, ahead: int = 0) -> tuple[str, datetime]:
    """The code the holder's phone shows at the hub's time (`ahead` steps later)."""
    at = hub_now(ws) + timedelta(seconds=totp.STEP_SECONDS * ahead)
    return totp.code_at(secret, at), at


def wrong_code(secret: str, at: datetime) -> str:
    near = {totp.code_at(secret, at + timedelta(seconds=30 * d)) for d in range(-11, 12)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in near)


# -- the transport ---------------------------------------------------------------------------------


def test_tls_1_2_is_refused(hub: Hub) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cadata=hub.a.ca_pem)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with (
        socket.create_connection(("127.0.0.1", hub.process.port), timeout=30) as raw,
        pytest.raises(ssl.SSLError),
    ):
        context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_the_hub_is_verified_against_the_practice_ca_by_its_address(hub: Hub) -> None:
    with httpx.Client(verify=pki.client_context(hub.a.ca_pem), timeout=30) as c:
        assert c.get(f"https://localhost:{hub.process.port}/v1/ca").status_code == 200
    other = pki.make_ca("other-practice", TEST_EPOCH)
    with (
        httpx.Client(verify=pki.client_context(other.cert_pem), timeout=30) as c,
        pytest.raises(httpx.ConnectError),
    ):
        c.get(f"{hub.process.url}/v1/ca")


def test_without_a_client_certificate_only_the_bootstrap_paths_answer(hub: Hub) -> None:
    with httpx.Client(
        base_url=hub.process.url, verify=pki.client_context(hub.a.ca_pem), timeout=30
    ) as c:
        assert c.get("/v1/ca").json()["ca_pem"] == hub.a.ca_pem
        for method, path in [("GET", "/v1/health"), ("GET", "/v1/settings"),
                             ("POST", "/v1/directory/all"), ("POST", "/v1/sessions/check")]:  # fmt: skip
            answer = c.request(method, path, json={})
            assert answer.status_code == 401, path
            assert answer.json()["error"] == "certificate_required"


def test_a_certificate_of_another_ca_is_refused(hub: Hub) -> None:
    other = pki.make_ca(kit.PRACTICE, TEST_EPOCH)
    key = pki.new_private_key()
    cert = pki.issue_workstation_cert(
        other, pki.make_csr("ws-front-1", key), "ws-front-1", TEST_EPOCH, pki.new_serial()
    )
    context = pki.client_context(hub.a.ca_pem, pki.IssuedKeyPair(cert, pki.private_key_pem(key)))
    with httpx.Client(base_url=hub.process.url, verify=context, timeout=30) as c:
        try:
            status = c.get("/v1/health").status_code
        except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
            status = 0  # refused in the handshake
        assert status in (0, 401)


def test_a_joined_workstation_gets_the_practice_keys_and_health(hub: Hub) -> None:
    installation = open_installation(DataLayout(hub.root), ServiceKeyStore(hub.root))
    try:
        keys = (
            installation.secrets.require(PSEUDONYM_KEY),
            installation.secrets.require(ARCHIVE_KEY),
        )
    finally:
        installation.close()
    assert hub.a.keys == keys == hub.b.keys
    cert = pki.load_cert(hub.a.cert_pem)
    assert pki.cert_common_name(cert) == "ws-front-1"
    with hub.a.client() as c:
        health = c.get("/v1/health").json()
    assert health["practice_id"] == kit.PRACTICE
    assert datetime.fromisoformat(health["hub_time"]) - TEST_EPOCH < timedelta(hours=1)


def test_a_body_over_one_mib_is_refused(hub: Hub) -> None:
    with hub.a.client() as c:
        answer = c.post(
            "/v1/directory/all", content=b'{"args": {}, "x": "' + b"a" * (1024 * 1024) + b'"}'
        )
    assert answer.status_code == 413


# -- joining and revoking --------------------------------------------------------------------------


def test_a_join_code_works_once(hub: Hub) -> None:
    code = kit.invite(hub.root, hub.passphrase, "PC-OP-2")
    kit.join(code, "ws-op-2")
    again, *_ = kit.join_request(code, "ws-op-3")
    assert again.status_code == 401
    assert again.json()["error"] == "invalid_code"


def test_an_expired_join_code_is_refused(hub: Hub) -> None:
    two_hours_ago = ManualClock(TEST_EPOCH - timedelta(hours=2))
    code = kit.invite(hub.root, hub.passphrase, "PC-OLD", clock=two_hours_ago)
    answer, *_ = kit.join_request(code, "ws-old")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_code"


def test_a_request_naming_another_workstation_is_refused(hub: Hub) -> None:
    code = kit.invite(hub.root, hub.passphrase, "PC-X")
    parsed = kit.joincode.decode(code)
    ca_pem = kit.fetch_ca(parsed.url, parsed.fingerprint)
    body = {"token": parsed.token, "name": "PC-X", "workstation_id": "ws-x",
            "csr_pem": pki.make_csr("ws-front-1", pki.new_private_key()),
            "wrap_public_key": kit.keywrap.public_b64(kit.X25519PrivateKey.generate())}  # fmt: skip
    with httpx.Client(base_url=parsed.url, verify=pki.client_context(ca_pem), timeout=30) as c:
        answer = c.post("/v1/join", json=body)
    assert answer.status_code == 400
    kit.join(code, "ws-x")  # the refused request did not spend the code


def test_a_revoked_workstation_gets_nothing_more(hub: Hub) -> None:
    ws = kit.join(kit.invite(hub.root, hub.passphrase, "PC-GONE"), "ws-gone", "PC-GONE")
    with ws.client() as c:
        assert c.get("/v1/health").status_code == 200
    unproven = admin("--data-dir", str(hub.root), "hub", "revoke", "ws-gone")
    assert unproven.code == 2
    with ws.client() as c:
        assert c.get("/v1/health").status_code == 200
    revoked = admin_recovery("--data-dir", str(hub.root), "hub", "revoke", "ws-gone",
                             passphrase=hub.passphrase)  # fmt: skip
    assert revoked.code == 0, revoked.err
    with ws.client() as c:
        for path in ("/v1/health", "/v1/settings"):
            answer = c.get(path)
            assert answer.status_code == 403
            assert answer.json()["error"] == "revoked"
    listed = admin("--data-dir", str(hub.root), "hub", "workstations")
    line = next(x for x in listed.out.splitlines() if x.startswith("ws-gone"))
    assert "PC-GONE" in line and "revoked" in line
    assert "ws-front-1" in listed.out
    entry = [e for e in kit.hub_entries(hub.root) if e["action"] == "workstation_revoked"][-1]
    assert entry["resource_id"] == "ws-gone"
    assert "recovery_passphrase" in entry["flags"]


# -- the account directory -------------------------------------------------------------------------


def test_a_code_accepted_at_one_workstation_is_refused_at_another(hub: Hub, tmp_path: Path) -> None:
    _, _, session, _, secret = enrolled(hub, hub.a, tmp_path, "stepper", "front_desk")
    user_id = session.user_id
    code, at = code_now(secret, hub.a, ahead=1)
    with hub.a.client() as ca, hub.b.client() as cb:
        at_a, at_b = kit.RemoteDirectory(ca), kit.RemoteDirectory(cb)
        assert at_a.verify_password(user_id, PERSON_PASSWORD)
        assert at_a.accept_totp_code(user_id, code, at) is CodeCheck.ACCEPTED
        assert at_a.last_answer["actor_token"]
        assert at_b.verify_password(user_id, PERSON_PASSWORD)
        assert at_b.accept_totp_code(user_id, code, at) is CodeCheck.REUSED
        assert "actor_token" not in at_b.last_answer
        far_code, far = code_now(secret, hub.b, ahead=1000)
        # a time far from the hub's is not taken: the code is checked at the hub's clock
        assert at_b.accept_totp_code(user_id, far_code, far) is CodeCheck.WRONG
        assert at_b.verify_password(user_id, PERSON_PASSWORD)
        later, at = code_now(secret, hub.b, ahead=2)
        assert at_b.accept_totp_code(user_id, later, at) is CodeCheck.ACCEPTED


def test_no_token_is_minted_without_the_password_and_the_code(hub: Hub, tmp_path: Path) -> None:
    """A stolen workstation certificate alone buys no person's token (the hub checks both)."""
    _, _, session, _, secret = enrolled(hub, hub.a, tmp_path, "mgr", "office_manager")
    user_id = session.user_id
    step = int(hub_now(hub.b).timestamp()) // totp.STEP_SECONDS
    with hub.b.client() as cb:
        old = cb.post("/v1/directory/accept_totp_step",
                      json={"args": {"user_id": user_id, "step": step + 1}})  # fmt: skip
        assert old.status_code == 404 and "actor_token" not in old.json()
        thief = kit.RemoteDirectory(cb)
        code, at = code_now(secret, hub.b, ahead=1)
        # the right code without the password first: refused
        assert thief.accept_totp_code(user_id, code, at) is CodeCheck.WRONG
        assert thief.actor_token is None
        assert thief.call("use_recovery_code", user_id=user_id, code_hash="0" * 64) is False
        assert thief.actor_token is None
        assert not thief.verify_password(user_id, "not the password")
        assert thief.actor_token is None
        record = thief.by_id(user_id)
        assert record is not None and record.failures == 1  # the hub counted the guess
        # the password, then a wrong code: no token, and one more failure
        assert thief.verify_password(user_id, PERSON_PASSWORD)
        assert thief.accept_totp_code(user_id, wrong_code(secret, at), at) is CodeCheck.WRONG
        assert thief.actor_token is None and "actor_token" not in thief.last_answer
        record = thief.by_id(user_id)
        assert record is not None and record.failures == 2
    failures = [e for e in kit.hub_entries(hub.root)
                if e["action"] == "sign_in" and e["resource_id"] == user_id]  # fmt: skip
    assert len(failures) == 2 and all(e["outcome"] == "failure" for e in failures)
    assert all("workstation:ws-op-1" in e["flags"] for e in failures)


def test_workstations_get_no_password_hash_and_no_totp_secret(hub: Hub, tmp_path: Path) -> None:
    _, _, session, _, secret = enrolled(hub, hub.a, tmp_path, "hashy", "dentist")
    with hub.b.client() as cb:
        directory = kit.RemoteDirectory(cb)
        by_login = cb.post("/v1/directory/by_login", json={"args": {"login": "hashy"}}).json()
        assert by_login["result"]["password_hash"] == ""
        record = directory.by_id(session.user_id)
        assert record is not None and record.password_hash == ""
        assert all(r.password_hash == "" for r in directory.all())
        asked = cb.post("/v1/directory/totp_secret", json={"args": {"user_id": session.user_id}})
        assert asked.status_code == 404
        assert secret not in asked.text
        assert "$argon2" not in cb.post("/v1/directory/all", json={"args": {}}).text
        # an enrolled person's secret cannot be replaced without a manager either
        with pytest.raises(kit.HubRefused):
            directory.set_totp_secret(session.user_id, "JBSWY3DPEHPK3PXP")
        with pytest.raises(kit.HubRefused):
            directory.update(session.user_id, totp_enrolled=0)


def test_the_offline_verifier_goes_only_with_an_accepted_code_and_offline_days(
    hub: Hub, tmp_path: Path
) -> None:
    _, _, session, _, secret = enrolled(hub, hub.a, tmp_path, "cachy", "hygienist")
    user_id = session.user_id

    def sign_in(ahead: int) -> dict[str, object]:
        with hub.b.client() as cb:
            directory = kit.RemoteDirectory(cb)
            assert directory.verify_password(user_id, PERSON_PASSWORD)
            code, at = code_now(secret, hub.b, ahead=ahead)
            assert directory.accept_totp_code(user_id, code, at) is CodeCheck.ACCEPTED
            return directory.last_answer

    def offline_days(value: str) -> None:
        made = admin_recovery("--data-dir", str(hub.root), "hub", "settings", "set",
                              "offline_days", value, passphrase=hub.passphrase)  # fmt: skip
        assert made.code == 0, made.err

    offline_days("7")
    verifier = sign_in(1)["offline_verifier"]
    assert isinstance(verifier, dict) and verifier["totp_secret"] == secret
    assert str(verifier["password_hash"]).startswith("$argon2")
    offline_days("0")
    try:
        assert "offline_verifier" not in sign_in(2)
    finally:
        offline_days("7")


def test_ten_failures_at_one_workstation_lock_the_account_at_another(
    hub: Hub, tmp_path: Path
) -> None:
    add_user(hub, "locky", "front_desk")
    clock = ManualClock(hub_now(hub.a))
    with hub.a.client() as ca, hub.b.client() as cb:
        at_a = AuthService(
            kit.RemoteDirectory(ca), trail_at(tmp_path, "a", clock), clock, kit.PRACTICE
        )
        at_b = AuthService(
            kit.RemoteDirectory(cb), trail_at(tmp_path, "b", clock), clock, kit.PRACTICE
        )
        for _ in range(10):
            with pytest.raises(SignInFailed) as failed:
                at_a.check_password("locky", "not the password")
            assert not isinstance(failed.value, SignInThrottled)
            clock.advance(20)
        with pytest.raises(SignInThrottled, match="locked"):
            at_b.check_password("locky", TEMPORARY_PASSWORD)
        record = kit.RemoteDirectory(cb).by_login("locky")
    assert record is not None and record.failures == 10 and record.locked_until is not None


def test_a_role_change_needs_a_managers_token_and_names_the_manager(
    hub: Hub, tmp_path: Path
) -> None:
    pat = add_user(hub, "pat", "front_desk")
    desk, *_ = signed_in(hub, hub.b, tmp_path, "desk", "front_desk")
    boss, _, boss_session, clock = signed_in(hub, hub.a, tmp_path, "boss", "office_manager")
    with hub.b.client() as cb:
        anonymous = kit.RemoteDirectory(cb)
        for directory in (anonymous, desk):
            with pytest.raises(kit.HubRefused) as refused:
                directory.update(pat, role="it_admin")
            assert refused.value.status == 403
            assert refused.value.body["error"] == "actor_required"
        with pytest.raises(kit.HubRefused):
            anonymous.set_totp_secret(boss_session.user_id, "JBSWY3DPEHPK3PXP")
        # the manager's token is bound to the workstation it was given at
        stolen = kit.RemoteDirectory(cb, actor_token=boss.actor_token)
        with pytest.raises(kit.HubRefused):
            stolen.update(pat, role="it_admin")
    record = boss.by_id(pat)
    assert record is not None and record.role == "front_desk"
    users = UserAdmin(boss, trail_at(tmp_path, "admin-ws", clock), clock, kit.PRACTICE)
    users.set_role(boss_session.actor, "pat", Role.DENTIST)
    record = boss.by_id(pat)
    assert record is not None and record.role == "dentist"
    entry = [e for e in kit.hub_entries(hub.root) if e["action"] == "role_changed"][-1]
    assert entry["actor_id"] == boss_session.user_id
    assert entry["resource_id"] == pat
    assert "workstation:ws-front-1" in entry["flags"]


def test_disabling_an_account_ends_its_sessions_everywhere(hub: Hub, tmp_path: Path) -> None:
    dora, *_ = signed_in(hub, hub.b, tmp_path, "dora", "dentist")
    boss, _, boss_session, clock = signed_in(hub, hub.a, tmp_path, "boss2", "office_manager")
    with hub.b.client() as cb:
        check = cb.post("/v1/sessions/check", json={"actor_tokens": [dora.actor_token, "nonsense"]})
        assert check.json() == {"ended": ["nonsense"]}
        UserAdmin(boss, trail_at(tmp_path, "adm", clock), clock, kit.PRACTICE).disable(
            boss_session.actor, "dora"
        )
        check = cb.post("/v1/sessions/check", json={"actor_tokens": [dora.actor_token]})
        assert check.json() == {"ended": [dora.actor_token]}
    with hub.a.client() as ca:
        end = ca.post("/v1/sessions/end", json={"actor_token": boss.actor_token})
        assert end.status_code == 200
        check = ca.post("/v1/sessions/check", json={"actor_tokens": [boss.actor_token]})
        assert check.json() == {"ended": [boss.actor_token]}


def test_unknown_methods_and_bad_arguments_are_refused(hub: Hub) -> None:
    with hub.a.client() as c:
        assert (
            c.post("/v1/directory/note_workstation_failure", json={"args": {}}).status_code == 404
        )
        assert c.post("/v1/directory/by_id", json={"args": {"user_id": 5}}).status_code == 400
        assert c.post("/v1/directory/by_id", content=b"not json").status_code == 400


# -- practice settings -----------------------------------------------------------------------------


def test_settings_are_changed_by_a_manager_and_seen_everywhere(hub: Hub, tmp_path: Path) -> None:
    desk, *_ = signed_in(hub, hub.a, tmp_path, "desk2", "front_desk")
    boss, _, boss_session, _ = signed_in(hub, hub.a, tmp_path, "boss3", "office_manager")
    with hub.b.client() as cb:
        before = cb.get("/v1/settings").json()
    assert before["settings"]["offline_days"] == "7"
    with hub.a.client() as ca:
        body = {"name": "idle_lock_minutes", "value": "5"}
        assert ca.put("/v1/settings", json=body).status_code == 403
        assert (
            ca.put(
                "/v1/settings", json=body, headers={"X-Enamel-Actor": str(desk.actor_token)}
            ).status_code
            == 403
        )
        secret = {"name": "pms.developer_key", "value": "x"}
        headers = {"X-Enamel-Actor": str(boss.actor_token)}
        assert ca.put("/v1/settings", json=secret, headers=headers).status_code == 400
        done = ca.put("/v1/settings", json=body, headers=headers)
        assert done.status_code == 200, done.text
    with hub.b.client() as cb:
        after = cb.get("/v1/settings").json()
    assert after["settings"]["idle_lock_minutes"] == "5"
    assert after["version"] == before["version"] + 1
    entry = [e for e in kit.hub_entries(hub.root) if e["action"] == "practice_setting_changed"][-1]
    assert entry["actor_id"] == boss_session.user_id and entry["resource_id"] == "idle_lock_minutes"
    by_cli = admin_recovery("--data-dir", str(hub.root), "hub", "settings", "set", "offline_days",
                            "0", passphrase=hub.passphrase)  # fmt: skip
    assert by_cli.code == 0, by_cli.err
    with hub.b.client() as cb:
        assert cb.get("/v1/settings").json()["settings"]["offline_days"] == "0"
    unproven = admin("--data-dir", str(hub.root), "hub", "settings", "set", "offline_days", "9")
    assert unproven.code == 2


# -- offline uses ----------------------------------------------------------------------------------


def test_a_step_used_offline_at_two_workstations_is_a_conflict(hub: Hub, tmp_path: Path) -> None:
    user_id = add_user(hub, "offy", "hygienist")
    _, _, session, _, secret = enrolled(hub, hub.a, tmp_path, "onny", "hygienist")
    online = session.user_id
    code, code_at = code_now(secret, hub.a, ahead=1)
    online_step = int(code_at.timestamp()) // totp.STEP_SECONDS
    step = int(hub_now(hub.a).timestamp()) // totp.STEP_SECONDS
    at = hub_now(hub.a).isoformat()
    with hub.a.client() as ca, hub.b.client() as cb:
        directory = kit.RemoteDirectory(ca)
        assert directory.verify_password(online, PERSON_PASSWORD)
        assert directory.accept_totp_code(online, code, code_at) is CodeCheck.ACCEPTED
        first = ca.post("/v1/offline/reconcile", json={"uses": [
            {"user_id": user_id, "step": step - 3, "at": at},
            {"user_id": online, "step": online_step, "at": at}]})  # fmt: skip
        assert first.json() == {"conflicts": [{"user_id": online, "step": online_step}]}
        second = cb.post("/v1/offline/reconcile",
                         json={"uses": [{"user_id": user_id, "step": step - 3, "at": at}]})  # fmt: skip
        assert second.json() == {"conflicts": [{"user_id": user_id, "step": step - 3}]}
        # a step reported from offline is spent online too
        later, later_at = code_now(secret, hub.b, ahead=3)
        reported = int(later_at.timestamp()) // totp.STEP_SECONDS
        cb.post("/v1/offline/reconcile",
                json={"uses": [{"user_id": online, "step": reported, "at": at}]})  # fmt: skip
        other = kit.RemoteDirectory(cb)
        assert other.verify_password(online, PERSON_PASSWORD)
        assert other.accept_totp_code(online, later, later_at) is CodeCheck.REUSED


def test_the_hubs_log_holds_no_tokens_names_or_secrets(hub: Hub, tmp_path: Path) -> None:
    code = kit.invite(hub.root, hub.passphrase, "PC-LOG")
    token = kit.joincode.decode(code).token
    kit.join(code, "ws-log")
    _, _, session, _, secret = enrolled(hub, hub.a, tmp_path, "loggy", "front_desk")
    with hub.a.client() as c:
        directory = kit.RemoteDirectory(c)
        assert directory.verify_password(session.user_id, PERSON_PASSWORD)
        typed, at = code_now(secret, hub.a, ahead=1)
        assert directory.accept_totp_code(session.user_id, typed, at) is CodeCheck.ACCEPTED
        actor_token = directory.actor_token
        c.post("/v1/directory/not_a_method_loggy", json={"args": {}})
        c.put("/v1/settings", json={"name": "loggy", "value": "v"}, headers={"X-Enamel-Actor": "x"})
        c.post("/v1/directory/by_login", json={"args": {"login": "loggy"}})
    text = (hub.root / "logs" / "enamel.log").read_text()
    assert "hub.joined" in text and "hub.refused" in text
    for needle in (token, str(secret), str(actor_token), "loggy", TEMPORARY_PASSWORD):
        assert needle not in text
