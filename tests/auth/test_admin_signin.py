"""enamel-admin: commands that change accounts, roles, keys or connections need a person (issue 15.1).

Every test drives the real enamel-admin (in this process, or as a separate process where the
terminal-less standard input matters) against a real SQLCipher installation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from services.audit import AuditEntry
from services.clock import ManualClock
from services.installation import open_installation
from storage.accounts_repo import SqlAccountDirectory
from storage.audit_repo import AuditRepository
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from storage.settings_repo import SettingsRepository
from tests.support import (
    PERSON_PASSWORD,
    Person,
    admin,
    admin_as,
    admin_process,
    admin_process_as,
    admin_recovery,
    passphrase_from,
    person_via_cli,
)

ADD_EVE = ("user", "add", "eve", "--role", "compliance_officer", "--password-stdin")
EVE_PASSWORD = "a long passphrase of her own"


@pytest.fixture
def installed(data_dir: Path) -> tuple[str, str]:
    """(data folder, recovery passphrase) of a new installation."""
    result = admin("--data-dir", str(data_dir), "init", "--practice-id", "smile-dental-01")
    assert result.code == 0, result.err
    return str(data_dir), passphrase_from(result.out)


@pytest.fixture
def it(installed: tuple[str, str]) -> Person:
    root, passphrase = installed
    return person_via_cli(root, passphrase, "it-anna", "it_admin", ManualClock())


def entries(root: str) -> list[dict[str, object]]:
    inst = open_installation(DataLayout(Path(root)), KeyringKeyStore())
    try:
        return [AuditEntry.from_row(*r).data for r in AuditRepository(inst.db).rows()]
    finally:
        inst.close()


def logins(root: str) -> set[str]:
    inst = open_installation(DataLayout(Path(root)), KeyringKeyStore())
    try:
        return {r.login for r in SqlAccountDirectory(inst.db, inst.database_key).all()}
    finally:
        inst.close()


def failures_of(root: str, login: str) -> int:
    inst = open_installation(DataLayout(Path(root)), KeyringKeyStore())
    try:
        record = SqlAccountDirectory(inst.db, inst.database_key).by_login(login)
        assert record is not None
        return record.failures
    finally:
        inst.close()


def test_user_add_without_credentials_exits_2_and_creates_no_account(
    installed: tuple[str, str],
) -> None:
    root, _ = installed
    before = entries(root)
    result = admin_process("--data-dir", root, *ADD_EVE, stdin=EVE_PASSWORD + "\n")
    assert result.code == 2, result.out + result.err
    assert "needs an Enamel sign-in by a person whose role may do it" in result.err
    assert "--auth-stdin" in result.err and "--recovery-passphrase-stdin" in result.err
    assert "Nothing was changed" in result.err and "Traceback" not in result.err
    assert "eve" not in logins(root)
    assert entries(root) == before  # nothing happened, so nothing to record


def test_it_signed_in_adds_the_account_and_the_entry_names_it(
    installed: tuple[str, str], it: Person
) -> None:
    root, _ = installed
    result = admin_process_as(it, "--data-dir", root, *ADD_EVE, stdin=EVE_PASSWORD + "\n")
    assert result.code == 0, result.out + result.err
    assert "Created eve (Compliance officer)" in result.out
    assert "eve" in logins(root)
    trail = entries(root)
    added = [e for e in trail if e["action"] == "user_added"]
    assert added[-1]["actor_id"] == it.user_id and it.user_id.startswith("user_")
    assert {"enamel_admin", "password_totp"} <= set(added[-1]["flags"])  # type: ignore[arg-type]
    signed_in = [e for e in trail if e["action"] == "sign_in" and e["outcome"] == "success"]
    assert signed_in[-1]["actor_id"] == it.user_id  # AuthService's own sign-in entry
    assert not [e for e in trail if str(e["actor_id"]).startswith("cli_")]


def test_a_wrong_password_or_code_is_refused_and_recorded(
    installed: tuple[str, str], it: Person
) -> None:
    root, _ = installed
    wrong_password = Person(it.login, "not the password at all", it.secret, it.clock)
    refused = admin_as(wrong_password, "--data-dir", root, *ADD_EVE, stdin=EVE_PASSWORD + "\n")
    assert refused.code == 1 and "is not correct" in refused.err
    it.clock.advance(30)
    wrong_code = f"{it.login}\n{it.password}\n000000\n"
    refused_code = admin(
        "--data-dir", root, *ADD_EVE, "--auth-stdin",
        stdin=wrong_code + EVE_PASSWORD + "\n", clock=it.clock,
    )  # fmt: skip
    assert refused_code.code == 1 and "is not correct" in refused_code.err
    assert "eve" not in logins(root)
    failed = [
        e
        for e in entries(root)
        if e["action"] == "sign_in" and e["outcome"] == "failure" and e["actor_id"] == it.user_id
    ]
    assert len(failed) == 2
    assert failures_of(root, it.login) == 2  # counted towards the lock-out


def test_a_code_is_accepted_once_at_the_command_line_too(
    installed: tuple[str, str], it: Person
) -> None:
    root, _ = installed
    credentials = it.credentials()
    first = admin("--data-dir", root, "user", "unlock", it.login, "--auth-stdin",
                  stdin=credentials, clock=it.clock)  # fmt: skip
    assert first.code == 0, first.err
    replay = admin("--data-dir", root, *ADD_EVE, "--auth-stdin",
                   stdin=credentials + EVE_PASSWORD + "\n", clock=it.clock)  # fmt: skip
    assert replay.code == 1 and "already used" in replay.err
    assert "eve" not in logins(root)


def test_ten_wrong_passwords_lock_the_account_at_the_command_line(
    installed: tuple[str, str], it: Person
) -> None:
    root, _ = installed
    guess = Person(it.login, "a guess that is wrong", it.secret, it.clock)
    for _ in range(10):
        it.clock.advance(300)  # past each growing delay: the lock is what is tested
        assert admin_as(guess, "--data-dir", root, "user", "unlock", it.login).code == 1
    locked = admin_as(it, "--data-dir", root, *ADD_EVE, stdin=EVE_PASSWORD + "\n")
    assert locked.code == 1 and "locked for 15 more minute(s)" in locked.err
    assert "eve" not in logins(root)


def test_front_desk_credentials_are_refused_by_role(installed: tuple[str, str], it: Person) -> None:
    root, passphrase = installed
    desk = person_via_cli(root, passphrase, "pat", "front_desk", it.clock)
    refused = admin_as(desk, "--data-dir", root, *ADD_EVE, stdin=EVE_PASSWORD + "\n")
    assert refused.code == 1, refused.out + refused.err
    assert "Your role (Front desk) does not allow this (manage users)" in refused.err
    assert "eve" not in logins(root)
    pms = admin_as(desk, "--data-dir", root, "pms", "set", "--mode", "url", "--url",
                   "http://192.168.7.7:30223/api/v1", "--allow-http-host", "192.168.7.7")  # fmt: skip
    assert pms.code == 1 and "does not allow this (manage settings)" in pms.err
    denied = [e for e in entries(root) if e["action"] == "admin_command"]
    assert [(e["actor_id"], e["outcome"], e["resource_id"], e["flags"]) for e in denied] == [
        (desk.user_id, "failure", "user add", ["denied", "enamel_admin", "password_totp"]),
        (desk.user_id, "failure", "pms set", ["denied", "enamel_admin", "password_totp"]),
    ]
    inst = open_installation(DataLayout(Path(root)), KeyringKeyStore())
    try:
        assert not SettingsRepository(inst.db).get("pms.allow_http_hosts")
    finally:
        inst.close()


def test_audit_export_needs_a_role_that_sees_the_audit_trail(
    installed: tuple[str, str], it: Person, tmp_path: Path
) -> None:
    root, passphrase = installed
    out = tmp_path / "audit.jsonl"
    export = ("audit", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out))
    by_it = admin_as(it, "--data-dir", root, *export)
    assert by_it.code == 1 and "does not allow this (view audit)" in by_it.err
    assert not out.exists()
    officer = person_via_cli(root, passphrase, "cora", "compliance_officer", it.clock)
    done = admin_as(officer, "--data-dir", root, *export)
    assert done.code == 0, done.err
    exported = [e for e in entries(root) if e["action"] == "audit_export"]
    assert exported[-1]["actor_id"] == officer.user_id


def test_the_recovery_passphrase_is_the_first_set_up_and_is_recorded(
    installed: tuple[str, str],
) -> None:
    root, passphrase = installed
    wrong = admin_recovery("--data-dir", root, *ADD_EVE, passphrase="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF",
                           stdin=EVE_PASSWORD + "\n")  # fmt: skip
    assert wrong.code == 2 and "recovery passphrase is not correct" in wrong.err
    assert "eve" not in logins(root)
    done = admin_recovery("--data-dir", root, *ADD_EVE, passphrase=passphrase.lower(),
                          stdin=EVE_PASSWORD + "\n")  # fmt: skip
    assert done.code == 0, done.err
    trail = entries(root)
    used = [
        (e["outcome"], e["actor_id"]) for e in trail if e["action"] == "recovery_passphrase_used"
    ]
    assert used == [("failure", "recovery_passphrase")]  # a success is on the command's entry
    added = [e for e in trail if e["action"] == "user_added"][-1]
    assert added["actor_id"] == "recovery_passphrase"
    assert {"enamel_admin", "recovery_passphrase"} <= set(added["flags"])  # type: ignore[arg-type]


def test_commands_that_need_the_passphrase_record_its_holder(
    installed: tuple[str, str], tmp_path: Path
) -> None:
    root, passphrase = installed
    out = tmp_path / "b.enamel-backup"
    no_passphrase = admin("--data-dir", root, "backup", "create", str(out))
    assert no_passphrase.code == 2 and "needs the recovery passphrase" in no_passphrase.err
    wrong = admin("--data-dir", root, "rotate", "archive-key", "--passphrase-stdin",
                  stdin="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF\n")  # fmt: skip
    assert wrong.code == 2 and "not correct" in wrong.err
    made = admin("--data-dir", root, "backup", "create", str(out), "--passphrase-stdin",
                 stdin=passphrase + "\n")  # fmt: skip
    assert made.code == 0, made.err
    created = [e for e in entries(root) if e["action"].startswith("backup")]  # type: ignore[union-attr]
    assert created and created[0]["actor_id"] == "recovery_passphrase"
    assert "recovery_passphrase" in created[0]["flags"]  # type: ignore[operator]


def test_allowing_plain_http_to_a_host_fails_the_checklist(installed: tuple[str, str]) -> None:
    root, passphrase = installed
    before = admin("--data-dir", root, "compliance", "checklist")
    encryption = [line for line in before.out.splitlines() if "Encryption implemented" in line]
    assert encryption and "[    Met     ]" in encryption[0]
    allowed = admin_recovery(
        "--data-dir", root, "pms", "set", "--mode", "service", "--host", "od-server",
        "--allow-http-host", "od-server", passphrase=passphrase,
    )  # fmt: skip
    assert allowed.code == 0, allowed.err
    after = admin("--data-dir", root, "compliance", "checklist")
    lines = after.out.splitlines()
    index = next(i for i, line in enumerate(lines) if "Encryption implemented" in line)
    assert "[  Not met   ]" in lines[index]
    assert "Plain HTTP to the PMS is allowed for od-server" in lines[index + 1]
    assert after.code == 1


# -- every command that changes something is protected -------------------------------------------

OPEN_COMMANDS = {
    "init",  # nothing to protect yet
    "recover",  # needs the recovery passphrase by its nature
    "status",
    "audit verify",
    "user list",
    "pms check",
    "archive check",
    "archive sync",  # sends what is already recorded, as the app's job does
    "archive status",
    "archive verify",
    "backup verify",
    "backup run",  # the scheduled backup, as the app's job makes it
    "compliance checklist",
    "compliance scan",
    "rotate status",
    "hub init",  # a new installation, like init
    "hub workstations",
}

# Each protected command with what it needs to run, and no credentials.
PROTECTED_RUNS: dict[str, tuple[str, ...]] = {
    "user add": ("user", "add", "eve", "--role", "it_admin", "--password-stdin"),
    "user disable": ("user", "disable", "pat"),
    "user enable": ("user", "enable", "pat"),
    "user unlock": ("user", "unlock", "pat"),
    "user reset-mfa": ("user", "reset-mfa", "pat"),
    "user set-role": ("user", "set-role", "pat", "it_admin"),
    "user set-provider": ("user", "set-provider", "pat", "2"),
    "user reset-password": ("user", "reset-password", "pat", "--password-stdin"),
    "pms set": (
        "pms",
        "set",
        "--mode",
        "url",
        "--url",
        "http://10.1.1.1/api/v1",
        "--allow-http-host",
        "10.1.1.1",
    ),
    "archive set folder": ("archive", "set", "folder", "{tmp}/nas"),
    "archive set s3": (
        "archive",
        "set",
        "s3",
        "--endpoint",
        "http://127.0.0.1:9/",
        "--bucket",
        "b",
        "--keys-stdin",
    ),
    "provision": ("provision", "{tmp}/p.json"),
    "audit export": (
        "audit",
        "export",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--out",
        "{tmp}/out.jsonl",
    ),
    "backup create": ("backup", "create", "{tmp}/b.enamel-backup"),
    "backup restore": ("backup", "restore", "{tmp}/b.enamel-backup", "--force"),
    "backup schedule": ("backup", "schedule", "--folder", "{tmp}/nas"),
    "rotate db-key": ("rotate", "db-key"),
    "rotate archive-key": ("rotate", "archive-key"),
    "hub invite": ("hub", "invite", "--name", "PC-FRONT-1"),
    "hub revoke": ("hub", "revoke", "ws-1"),
    "hub address": ("hub", "address", "--address", "hub.office.lan"),
    "hub settings set": ("hub", "settings", "set", "idle_lock_minutes", "5"),
    "join": ("join", "EJ1-NOTACODE"),  # an existing installation: proven before the code is read
    "hub adopt": ("hub", "adopt"),
    "hub check": ("hub", "check"),  # a sign-in check: nothing to change, but a person to prove
}


def leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, object]:
    """Every runnable command's name and what protects it (None: open)."""
    found: dict[str, object] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(leaf_commands(sub, f"{prefix} {name}".strip()))
            return found
    return {prefix: parser.get_default("protected_by")}


def test_only_the_read_only_commands_are_open() -> None:
    from app.cli import build_parser

    commands = leaf_commands(build_parser())
    assert {name for name, guard in commands.items() if guard is None} == OPEN_COMMANDS
    assert {name for name, guard in commands.items() if guard is not None} == set(PROTECTED_RUNS)


def test_every_protected_command_without_credentials_changes_nothing(
    installed: tuple[str, str], it: Person, tmp_path: Path
) -> None:
    root, passphrase = installed
    (tmp_path / "nas").mkdir()
    (tmp_path / "p.json").write_text('{"practice_id": "smile-dental-01", "idle_lock_minutes": 5}')
    made = admin("--data-dir", root, "backup", "create", str(tmp_path / "b.enamel-backup"),
                 "--passphrase-stdin", stdin=passphrase + "\n")  # fmt: skip
    assert made.code == 0, made.err
    desk = person_via_cli(root, passphrase, "pat", "front_desk", it.clock)
    before = entries(root)
    stdin = f"{PERSON_PASSWORD}\nsecond line\n"
    for name, argv in PROTECTED_RUNS.items():
        args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
        result = admin("--data-dir", root, *args, stdin=stdin, clock=it.clock)
        assert result.code == 2, (name, result.out, result.err)
        assert f"'enamel-admin {name}' needs" in result.err, (name, result.err)
    assert entries(root) == before
    assert logins(root) == {"it-anna", "pat"}
    assert failures_of(root, desk.login) == 0


# -- at a terminal ----------------------------------------------------------------------------------


def run_at_a_terminal(argv: list[str], answers: list[tuple[str, str]]) -> tuple[int, str]:
    """Run enamel-admin with a pseudo-terminal as its controlling terminal; answer prompts."""
    import fcntl
    import os
    import pty
    import select
    import subprocess
    import termios
    import time

    master, slave = pty.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    seen = b""
    pending = list(answers)
    deadline = time.monotonic() + 60  # a bound for a hung child, not a measured time
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if pending and pending[0][0].encode() in seen:
                os.write(master, pending.pop(0)[1].encode() + b"\n")
            if not ready and proc.poll() is not None:
                break
        return proc.wait(timeout=60), seen.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_at_a_terminal_it_is_asked_who_it_is_without_echo(
    installed: tuple[str, str], it: Person
) -> None:
    from services.auth import totp

    root, _ = installed
    it.clock.advance(30)
    code = totp.code_at(it.secret, it.clock.now())
    status, screen = run_at_a_terminal(
        ["--clock-start", it.clock.now().isoformat(), "--data-dir", root, *ADD_EVE],
        [
            ("Enamel user name", it.login),
            ("Password:", it.password),
            ("Authenticator code:", code),
            # getpass ends its line once it has put the terminal back (which drops any input
            # typed before); then the command reads its own line, eve's first password
            ("Authenticator code: \r\n", EVE_PASSWORD),
        ],
    )
    assert status == 0, screen
    assert "needs an Enamel sign-in by a person whose role may do it" in screen
    assert "Created eve (Compliance officer)" in screen
    assert it.password not in screen and code not in screen  # getpass: nothing echoed
    added = [e for e in entries(root) if e["action"] == "user_added"][-1]
    assert added["actor_id"] == it.user_id
