"""The hub's password checks: Argon2 on its hashing threads, side by side, while every read and
write stays on its one database thread; lock-out counts exact when checks overlap."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.audit import AuditEvent, AuditTrail
from services.audit.entry import AuditEntry
from services.auth import passwords, throttle
from services.auth.signin import AuthService
from services.auth.throttle import SignInFailed
from services.clock import TEST_EPOCH, ManualClock
from services.installation import open_installation
from storage.accounts_repo import AccountRecord, SqlAccountDirectory
from storage.layout import DataLayout
from storage.service_keystore import ServiceKeyStore
from tests.hub import kit

PASSWORD = "correct horse battery staple"
WRONG = "not the password of anyone"
# Test-sized but not free: one lane (one OpenSSL thread each, so two run at once on two cores)
# and long enough that checks asked together are hashed together.
TEST_HASH = passwords.HashParams(time_cost=2, memory_kib=32 * 1024, lanes=1)
SLOW_HASH = passwords.HashParams(time_cost=8, memory_kib=64 * 1024, lanes=1)
PEOPLE = 4


@dataclass
class Hub:
    root: Path
    ws: kit.Workstation
    ids: list[str]
    slow: str
    disabled: str


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hashing") / "hub"
    passphrase = kit.init_hub(root)
    installation = open_installation(DataLayout(root), ServiceKeyStore(root))
    directory = SqlAccountDirectory(installation.db, installation.database_key)
    at = TEST_EPOCH
    ids = []
    for i, params in enumerate([TEST_HASH] * PEOPLE + [SLOW_HASH, TEST_HASH]):
        user_id, login = f"user_hash{i}", f"hashing{i}"
        hashed = passwords.hash_password(PASSWORD, params)
        directory.create(
            AccountRecord(
                user_id, login, login, "front_desk", hashed, totp_enrolled=True,
                last_totp_step=0, failures=0, last_failure_at=None, locked_until=None,
                disabled=i == PEOPLE + 1, must_change_password=False, created_at=at,
                password_changed_at=at, last_sign_in_at=None,
            )
        )  # fmt: skip
        ids.append(user_id)
    installation.close()
    process = kit.HubProcess(root)
    try:
        ws = kit.join(kit.invite(root, passphrase, "PC-1"), "ws-hash-1", "PC-1")
        yield Hub(root, ws, ids[:PEOPLE], ids[PEOPLE], ids[PEOPLE + 1])
    finally:
        assert process.stop() == 0


class NullTrail(AuditTrail):
    """The workstation's own audit write, left out (the hub's trail is the one looked at)."""

    def __init__(self) -> None:
        pass

    def append_batch(self, events: Sequence[AuditEvent], pseudonyms: Any = ()) -> list[AuditEntry]:
        return [AuditEntry(0, "{}", "") for _ in events]


def hub_time(c: Any) -> datetime:
    return datetime.fromisoformat(c.get("/v1/health").json()["hub_time"])


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call on its own thread, all released together; their results in order."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def verify(hub: Hub, user_id: str, password: str) -> bool:
    with hub.ws.client() as c:
        return kit.RemoteDirectory(c).verify_password(user_id, password)


def record(hub: Hub, user_id: str) -> AccountRecord:
    with hub.ws.client() as c:
        found = kit.RemoteDirectory(c).by_id(user_id)
    assert found is not None
    return found


def checks_logged(root: Path) -> list[tuple[float, float, str]]:
    """(start, end, thread) of each password check, from the hub's own log."""
    out = []
    for line in (DataLayout(root).log_dir / "enamel.log").read_text().splitlines():
        entry = json.loads(line)
        if entry.get("event") == "hub.password_checked":
            end = datetime.fromisoformat(entry["ts"]).timestamp()
            out.append((end - entry["duration_ms"] / 1000, end, str(entry["component"])))
    return out


def test_password_checks_asked_together_are_hashed_side_by_side(hub: Hub) -> None:
    before = len(checks_logged(hub.root))
    answers = at_once([lambda u=u: verify(hub, u, WRONG) for u in hub.ids])  # type: ignore[misc]
    assert answers == [False] * PEOPLE
    checks = checks_logged(hub.root)[before:]
    assert len(checks) == PEOPLE
    # Not on the database thread: the Argon2 work has threads of its own.
    assert all(name.startswith("hub-hash") for _, _, name in checks), checks
    overlapping = [
        (a, b) for i, a in enumerate(checks) for b in checks[i + 1 :] if a[0] < b[1] and b[0] < a[1]
    ]
    assert overlapping, f"no two checks ran at once: {checks}"
    assert len({name for _, _, name in checks}) >= 2


def test_wrong_passwords_asked_together_each_count(hub: Hub) -> None:
    """Through the sign-in flow of three workstations at once: each wrong password counts,
    though each workstation writes the count it computed from the record it read first."""
    user_id = hub.ids[1]
    before = record(hub, user_id).failures
    login = record(hub, user_id).login

    def desk() -> Any:
        with hub.ws.client() as c:
            clock = ManualClock(hub_time(c))
            auth = AuthService(kit.RemoteDirectory(c), NullTrail(), clock, kit.PRACTICE)
            return auth.check_password(login, WRONG)

    answers = at_once([desk, desk, desk])
    assert all(isinstance(a, SignInFailed) for a in answers), answers
    assert record(hub, user_id).failures == before + 3


def test_a_lock_written_while_the_password_is_hashed_holds(hub: Hub) -> None:
    """The right password, checked while the account is locked from elsewhere: refused, as
    the hub looks at the account again when it writes the answer."""
    user_id = hub.slow
    before = len(checks_logged(hub.root))
    answer: list[bool] = []
    with hub.ws.client() as c:
        now = hub_time(c)  # this client's connection is made before the check starts
        checking = threading.Thread(target=lambda: answer.append(verify(hub, user_id, PASSWORD)))
        checking.start()
        # The check reads the account at once, then hashes for seconds (SLOW_HASH); the lock
        # comes in meanwhile through the database thread, which the hashing does not hold.
        time.sleep(0.5)
        kit.RemoteDirectory(c).update(
            user_id, failures=5, last_failure_at=now, locked_until=now + timedelta(hours=1)
        )
        locked_at = time.time()
    checking.join(timeout=120)
    ((began, ended, _),) = checks_logged(hub.root)[before:]
    assert began < locked_at < ended, "the lock did not land while the password was hashed"
    assert answer == [False]
    assert record(hub, user_id).locked_until is not None
    assert verify(hub, user_id, PASSWORD) is False


def test_a_disabled_account_is_refused_with_its_right_password(hub: Hub) -> None:
    assert verify(hub, hub.disabled, PASSWORD) is False
    assert verify(hub, hub.ids[0], PASSWORD) is True  # the same check, an account in use


def test_an_account_that_is_none_is_hashed_on_the_hashing_threads_too(hub: Hub) -> None:
    """No such account: the same `false`, after an Argon2 check on a hashing thread, as for a
    real account's wrong password (so the answer's time does not tell which ids exist)."""
    before = len(checks_logged(hub.root))
    assert verify(hub, "user_no_such_account", WRONG) is False
    assert verify(hub, hub.ids[3], WRONG) is False
    checks = checks_logged(hub.root)[before:]
    assert len(checks) == 2, checks
    assert all(name.startswith("hub-hash") for _, _, name in checks), checks


def test_a_hostile_pc_cannot_send_its_guesses_back_to_back(hub: Hub) -> None:
    """A PC's certificate alone, ten wrong guesses at one account as fast as it can send them:
    once the failures reach the workstation's delays the hub refuses the next guess unchecked
    (and uncounted) with the time to wait, so the ten do not lock the account in a burst."""
    user_id = hub.ids[2]
    before = record(hub, user_id).failures
    with hub.ws.client() as c:
        directory = kit.RemoteDirectory(c)
        answers = [
            directory.raw("verify_password", user_id=user_id, password=WRONG) for _ in range(10)
        ]
    checked = [a for a in answers if "refused" not in a]
    refused = [a for a in answers if "refused" in a]
    assert all(a == {"result": False} for a in checked)
    assert refused, "every guess was checked"
    assert all(a["result"] is False and a["refused"] == "too_soon" for a in refused), refused
    assert all(a["retry_after"] >= 1 for a in refused)
    after = record(hub, user_id)
    assert after.failures == before + len(checked) < throttle.LOCK_AFTER
    assert after.locked_until is None
