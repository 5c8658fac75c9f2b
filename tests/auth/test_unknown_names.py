"""Lock-out does not tell which user names exist: an unknown name is throttled, locked and
timed exactly like a real account, across a restart, and is never stored in plaintext."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.bootstrap import build_services
from services.auth import passwords
from services.auth.signin import GENERIC, SignInFailed, SignInThrottled
from services.clock import ManualClock
from services.installation import initialise, open_installation
from storage.database import raw_connect
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.auth.test_signin import ADMIN, PASSWORD, add_user, enrolled

CHEAP = passwords.HashParams(1, 8 * 1024, 1)
WRONG = "not the password at all"
UNKNOWN = "nobody-here"


class Office:
    """One workstation's services that can be stopped and started again on the same data."""

    def __init__(self, root: Path, clock: ManualClock) -> None:
        self.layout, self.clock = DataLayout(root), clock
        made = initialise(self.layout, KeyringKeyStore(), "test-practice", clock)
        self.services = build_services(made.installation, clock, CHEAP)

    def restart(self) -> None:
        self.services.close()
        self.services = build_services(
            open_installation(self.layout, KeyringKeyStore()), self.clock, CHEAP
        )


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    made = Office(tmp_path / "enamel-data", ManualClock())
    yield made
    made.services.close()


def attempt(office: Office, login: str, password: str = WRONG) -> str:
    """What the person at the desk is told, with the wait if one is asked for."""
    try:
        office.services.auth.check_password(login, password)
    except SignInThrottled as exc:
        return f"throttled: {exc.message} ({exc.wait_seconds:.0f} s)"
    except SignInFailed as exc:
        return f"failed: {exc.message}"
    return "accepted"


def transcript(office: Office, login: str) -> list[str]:
    """Five failures, an early retry, five more (locked), a restart, the lock running out."""
    said = []
    for _ in range(5):
        office.clock.advance(600)
        said.append(attempt(office, login))
    said.append(attempt(office, login))  # at once: the delay after five failures
    for _ in range(5):
        office.clock.advance(600)
        said.append(attempt(office, login))
    office.clock.advance(60)
    said.append(attempt(office, login))  # locked for 14 more minutes
    office.restart()
    office.clock.advance(120)
    said.append(attempt(office, login))  # still locked after the restart
    office.clock.advance(13 * 60)
    said.append(attempt(office, login))  # the lock ran out: the next failure locks again
    said.append(attempt(office, login))
    office.clock.advance(3600)
    return said


def test_an_unknown_name_is_locked_like_a_real_one_across_a_restart(office: Office) -> None:
    enrolled(office.services)
    real = transcript(office, "pat")
    unknown = transcript(office, UNKNOWN)
    assert unknown == real
    assert real[5].startswith("throttled: Too many failed attempts. Wait")
    assert "locked for 14 more minute(s)" in real[11]
    assert "locked for 12 more minute(s)" in real[12]
    assert real[13] == f"failed: {GENERIC}"
    assert "locked for 15 more minute(s)" in real[14]
    assert attempt(office, "pat", PASSWORD) == "accepted"


def test_unknown_names_are_stored_only_as_keyed_hashes(office: Office) -> None:
    for _ in range(3):
        attempt(office, UNKNOWN)
    attempt(office, "Another-Stranger ")
    inst = office.services.installation
    conn = raw_connect(inst.layout.database, inst.database_key)
    try:
        rows = conn.execute(
            "SELECT name_hash, failures FROM unknown_login_failures ORDER BY failures"
        ).fetchall()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        dump = "\n".join(
            str(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')
        ).lower()
    finally:
        conn.close()
    assert [failures for _, failures in rows] == [1, 3]
    assert all(len(name_hash) == 64 for name_hash, _ in rows)
    assert UNKNOWN not in dump and "another-stranger" not in dump
    # A person added later under such a name starts with a clean record.
    add_user(office.services, UNKNOWN)
    assert office.services.accounts.by_login(UNKNOWN).failures == 0  # type: ignore[union-attr]
    assert attempt(office, UNKNOWN, PASSWORD) == "accepted"


def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Argon2 computation sign-in asks for, with the cost parameters it runs at."""
    calls: list[str] = []
    real_verify, real_hash = passwords.verify_password, passwords.hash_password

    def verify(encoded: str, password: str) -> bool:
        calls.append("verify " + encoded.split("$")[3])
        return real_verify(encoded, password)

    def hash_(password: str, params: passwords.HashParams = passwords.PRODUCTION) -> str:
        calls.append(f"hash m={params.memory_kib},t={params.time_cost},p={params.lanes}")
        return real_hash(password, params)

    monkeypatch.setattr(passwords, "verify_password", verify)
    monkeypatch.setattr(passwords, "hash_password", hash_)
    return calls


def test_every_name_costs_one_argon2_check_at_the_same_parameters(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = office.services
    add_user(s, "pat")
    add_user(s, "gone")
    s.users.disable(ADMIN, "gone")
    calls = argon2_calls(monkeypatch)

    def cost(run: Callable[[], Any]) -> list[str]:
        calls.clear()
        office.clock.advance(600)
        run()
        return list(calls)

    real = cost(lambda: attempt(office, "pat"))
    assert real == ["verify m=8192,t=1,p=1"]
    assert cost(lambda: attempt(office, UNKNOWN)) == real  # the first unknown name too
    assert cost(lambda: attempt(office, "someone-else")) == real
    assert cost(lambda: attempt(office, "gone")) == real  # a disabled account
    assert cost(lambda: attempt(office, "gone", PASSWORD)) == real


@pytest.mark.ui
def test_the_sign_in_window_locks_an_unknown_name_like_a_real_one(
    qtbot: Any, office: Office
) -> None:
    """What the front desk sees, name by name, in the real window, after a restart too."""
    from PySide6.QtCore import Qt

    from ui.auth.signin.window import SignInWindow
    from ui.operations import Operations

    enrolled(office.services)
    runner = Operations()

    def seen(login: str) -> list[str]:
        said = []

        def type_wrong() -> None:
            win.password.user_edit.setText(login)
            win.password.password_edit.setText(WRONG)
            qtbot.keyClick(win.password.password_edit, Qt.Key.Key_Return)
            qtbot.waitUntil(lambda: win.password.sign_in_button.isEnabled(), timeout=10_000)
            said.append(win.error.text())

        for step in range(2):
            win = SignInWindow(office.services.auth, runner, practice_id="test-practice")
            qtbot.addWidget(win)
            win.show()
            for _ in range(10 if step == 0 else 1):
                office.clock.advance(600 if step == 0 else 60)
                type_wrong()
            win.close()
            office.restart()
        office.clock.advance(3600)
        return said

    try:
        real, unknown = seen("pat"), seen(UNKNOWN)
    finally:
        runner.wait(10_000)
    assert unknown == real
    assert real[:10] == [GENERIC] * 10
    assert "locked for 14 more minute(s)" in real[10]
