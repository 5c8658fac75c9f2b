"""Test kit for the hub: a real `enamel-hub serve` process, joined workstations, a remote directory."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from services.clock import TEST_EPOCH
from services.hub import joincode, keywrap, pki
from storage.accounts_repo import AccountRecord, CodeCheck, FailureState
from tests.support import admin, admin_recovery, passphrase_from

PRACTICE = "smile-dental-01"


def init_hub(root: Path) -> str:
    """`enamel-admin hub init` in `root`; returns the recovery passphrase."""
    made = admin("hub", "init", "--data-dir", str(root), "--practice-id", PRACTICE,
                 "--address", "127.0.0.1", "--port", "8443")  # fmt: skip
    assert made.code == 0, made.err
    return passphrase_from(made.out)


_HUBS: list[subprocess.Popen[bytes]] = []  # every hub process the kit started: the guard's list


def hub_log(root: Path) -> Path:
    """Where the hub on `root` writes its output: beside its folder, in the test's temp folder."""
    return root.parent / f"{root.name}.hub.log"


def log_tail(log: Path, since: int = 0, lines: int = 40) -> str:
    """The last `lines` lines the hub wrote to `log` after offset `since`."""
    try:
        with log.open("rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
    except FileNotFoundError:
        return f"(no log at {log})"
    return "\n".join(text.splitlines()[-lines:]) or "(nothing written)"


class HubChild:
    """One `python -m app.hub serve ARGS` process. Its stdout and stderr go to a file, never to a
    pipe this process would have to keep reading (a hub writing a lot would block on a full
    one), so it holds no descriptor here; the line saying where it listens is read from there."""

    def __init__(
        self,
        args: list[str],
        log: Path,
        expect: str = "listening https://",
        program: tuple[str, ...] = ("-m", "app.hub"),
    ) -> None:
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.since = out.tell()  # a hub started again on the same folder appends
            self.proc = subprocess.Popen(
                [sys.executable, *program, "serve", *args],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _HUBS.append(self.proc)
        line = self._listening(expect)
        if line is None:
            self.proc.kill()
            code = self.proc.wait(timeout=60)
            raise AssertionError(f"the hub did not start (exit {code}):\n{self.tail()}")
        self.url = line.split()[1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def _listening(self, expect: str) -> str | None:
        deadline = time.monotonic() + 60  # a bound for a hung child, not a measured time
        while True:
            for line in log_tail(self.log, self.since, lines=1000).splitlines():
                if line.startswith(expect):
                    return line
            if self.proc.poll() is not None or time.monotonic() > deadline:
                return None
            threading.Event().wait(0.05)  # time.sleep fails under the faked-date run

    def tail(self, lines: int = 40) -> str:
        """The end of what this hub wrote, for an assertion message."""
        return f"hub log {self.log}:\n{log_tail(self.log, self.since, lines)}"

    def stop(self) -> int:
        """SIGTERM and wait; killed if it does not stop. Again after it stopped: its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=60)
            raise AssertionError(f"the hub did not stop on SIGTERM:\n{self.tail()}") from None


def hubs_left() -> list[str]:
    """Hub processes the kit started that still run: killed here, described for the guard."""
    left = []
    for proc in _HUBS:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
            left.append(" ".join(str(a) for a in proc.args))  # type: ignore[union-attr]
    _HUBS.clear()
    return left


class HubProcess(HubChild):
    """`python -m app.hub serve` as a separate process, on a clock started at `start`; on any free
    port, or on `port` (the same hub started again where its workstations look for it)."""

    def __init__(self, root: Path, start: datetime = TEST_EPOCH, port: int = 0) -> None:
        super().__init__(
            ["--data-dir", str(root), "--port", str(port), "--clock-start", start.isoformat()],
            hub_log(root),
        )


def invite(root: Path, passphrase: str, name: str, **kw: Any) -> str:
    made = admin_recovery("--data-dir", str(root), "hub", "invite", "--name", name,
                          passphrase=passphrase, **kw)  # fmt: skip
    assert made.code == 0, made.err
    return next(w for w in made.out.split() if w.startswith("EJ1-"))


@dataclass
class Workstation:
    workstation_id: str
    url: str
    ca_pem: str
    cert_pem: str
    key_pem: str
    keys: tuple[bytes, bytes]

    def tls(self) -> Any:
        return pki.client_context(self.ca_pem, pki.IssuedKeyPair(self.cert_pem, self.key_pem))

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, verify=self.tls(), timeout=30)


def fetch_ca(url: str, fingerprint: str) -> str:
    with httpx.Client(base_url=url, verify=pki.unverified_context(), timeout=30) as c:
        ca_pem = str(c.get("/v1/ca").json()["ca_pem"])
    assert pki.fingerprint(ca_pem) == fingerprint
    return ca_pem


def join_request(
    code: str, workstation_id: str, name: str = "PC"
) -> tuple[httpx.Response, Any, Any, str]:
    parsed = joincode.decode(code)
    ca_pem = fetch_ca(parsed.url, parsed.fingerprint)
    key = pki.new_private_key()
    wrap = X25519PrivateKey.generate()
    body = {
        "token": parsed.token,
        "name": name,
        "workstation_id": workstation_id,
        "csr_pem": pki.make_csr(workstation_id, key),
        "wrap_public_key": keywrap.public_b64(wrap),
    }
    with httpx.Client(base_url=parsed.url, verify=pki.client_context(ca_pem), timeout=30) as c:
        return c.post("/v1/join", json=body), key, wrap, ca_pem


def join(code: str, workstation_id: str, name: str = "PC") -> Workstation:
    response, key, wrap, _ = join_request(code, workstation_id, name)
    assert response.status_code == 200, response.text
    data = response.json()
    keys = keywrap.unwrap_keys(wrap, data["wrapped_keys"], workstation_id)
    return Workstation(
        workstation_id, joincode.decode(code).url, data["ca_pem"], data["cert_pem"],
        pki.private_key_pem(key), keys,
    )  # fmt: skip


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _record(data: dict[str, Any] | None) -> AccountRecord | None:
    if data is None:
        return None
    from services.hub.directory_rpc import decode_record

    return decode_record(data)


@dataclass
class RemoteDirectory:
    """A minimal AccountDirectory over the hub (the tests' own, not the workstation client)."""

    http: httpx.Client
    actor_token: str | None = None
    _failures: list[datetime] = field(default_factory=list)

    last_answer: dict[str, Any] = field(default_factory=dict)

    def raw(self, method: str, **args: Any) -> dict[str, Any]:
        """The hub's whole answer to one call (the actor token it carries is kept)."""
        headers = {"X-Enamel-Actor": self.actor_token} if self.actor_token else {}
        response = self.http.post(
            f"/v1/directory/{method}",
            json={"args": {k: _value(v) for k, v in args.items()}},
            headers=headers,
        )
        if response.status_code != 200:
            raise HubRefused(response.status_code, response.json())
        data: dict[str, Any] = response.json()
        if data.get("actor_token"):
            self.actor_token = data["actor_token"]
        return data

    def call(self, method: str, **args: Any) -> Any:
        return self.raw(method, **args)["result"]

    def by_login(self, login: str) -> AccountRecord | None:
        return _record(self.call("by_login", login=login))

    def by_id(self, user_id: str) -> AccountRecord | None:
        return _record(self.call("by_id", user_id=user_id))

    def all(self) -> list[AccountRecord]:
        return [r for r in (_record(d) for d in self.call("all")) if r is not None]

    def create(self, record: AccountRecord) -> None:
        from services.hub.directory_rpc import encode

        self.call("create", record=encode(record))

    def update(self, user_id: str, **changes: Any) -> None:
        self.call("update", user_id=user_id, **changes)

    def totp_secret(self, user_id: str) -> str | None:
        return None  # the hub gives no secret out: a new enrollment makes a new one

    def set_totp_secret(self, user_id: str, secret: str | None) -> None:
        self.call("set_totp_secret", user_id=user_id, secret=secret)

    def verify_password(self, user_id: str, password: str) -> bool:
        return bool(self.call("verify_password", user_id=user_id, password=password))

    def accept_totp_code(self, user_id: str, code: str, now: datetime) -> CodeCheck:
        self.last_answer = self.raw("accept_totp_code", user_id=user_id, code=code, at=now)
        return CodeCheck(self.last_answer["result"])

    def set_recovery_codes(self, user_id: str, hashes: list[str]) -> None:
        self.call("set_recovery_codes", user_id=user_id, hashes=hashes)

    def use_recovery_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        return bool(self.call("use_recovery_code", user_id=user_id, code_hash=code_hash, now=now))

    def unused_recovery_codes(self, user_id: str) -> int:
        return int(self.call("unused_recovery_codes", user_id=user_id))

    def note_workstation_failure(self, now: datetime) -> None:
        self._failures.append(now)

    def workstation_failures_since(self, since: datetime) -> int:
        return sum(1 for at in self._failures if at >= since)

    def unknown_login_state(self, login: str) -> FailureState:
        data = self.call("unknown_login_state", login=login)
        return FailureState(
            data["failures"],
            None
            if data["last_failure_at"] is None
            else datetime.fromisoformat(data["last_failure_at"]),
            None if data["locked_until"] is None else datetime.fromisoformat(data["locked_until"]),
        )

    def set_unknown_login_state(self, login: str, state: FailureState) -> None:
        from services.hub.directory_rpc import encode

        self.call("set_unknown_login_state", login=login, state=encode(state))

    def add_break_glass(self, row: dict[str, str]) -> None:
        self.call("add_break_glass", row=row)

    def unreviewed_break_glass(self) -> list[dict[str, str]]:
        return list(self.call("unreviewed_break_glass"))

    def break_glass_grants(self, user_id: str) -> list[dict[str, str]]:
        return list(self.call("break_glass_grants", user_id=user_id))


class HubRefused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {json.dumps(body)}")
        self.status = status
        self.body = body


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hub_entries(root: Path) -> list[dict[str, Any]]:
    """The hub's audit entries, read with its own key (a test's view of its trail)."""
    from services.installation import open_installation
    from storage.layout import DataLayout
    from storage.service_keystore import ServiceKeyStore

    installation = open_installation(DataLayout(root), ServiceKeyStore(root))
    try:
        rows = installation.db.connection().execute("SELECT body FROM audit_log ORDER BY seq")
        return [json.loads(r[0]) for r in rows]
    finally:
        installation.close()
