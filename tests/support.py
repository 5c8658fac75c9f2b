"""Helpers shared by the tests: fake PHI, a PHI scanner, and running enamel-admin (signed in too)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.bootstrap import Services
    from services.clock import Clock, ManualClock
    from storage.keystore import KeyStore

# Recognisable and unlikely anywhere else: a scan that finds one found a leak.
FAKE_PHI = {
    "name": "Zebulon Quagmirefitz",
    "last_name": "Quagmirefitz",
    "phone": "555-867-5309",
    "email": "zebulon.q@phi-leak.example",
    "birthdate": "1957-03-14",
    "address": "742 Evergreen Terrace",
}


def phi_hits(paths: Iterable[Path], needles: Iterable[str]) -> list[tuple[Path, str]]:
    """Every (file, needle) where the needle's bytes appear in the file, any case, utf-8 or utf-16."""
    hits = []
    wanted = [n for n in needles if n]
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes().lower()
        for needle in wanted:
            for encoded in (needle.lower().encode(), needle.lower().encode("utf-16-le")):
                if encoded in data:
                    hits.append((path, needle))
                    break
    return hits


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@dataclass
class AdminResult:
    code: int
    out: str
    err: str


def admin(*args: str, stdin: str = "", clock: Clock | None = None) -> AdminResult:
    """Run enamel-admin in this process (fast), with the given standard input.

    `clock`: the time the command runs at; by default a manual clock at the tests' epoch,
    the same instant the `clock` fixture starts at, so no test depends on today's date.
    """
    from app.cli import main
    from services.clock import ManualClock

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args), clock or ManualClock())
    finally:
        sys.stdin = old_stdin
    return AdminResult(code, out.getvalue(), err.getvalue())


def admin_process(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> AdminResult:
    """Run enamel-admin as a separate process (for environment-dependent cases)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    return AdminResult(proc.returncode, proc.stdout, proc.stderr)


def passphrase_from(init_output: str) -> str:
    lines = [line.strip() for line in init_output.splitlines()]
    index = lines.index("RECOVERY PASSPHRASE (shown once; write it down and keep it locked away):")
    return lines[index + 2]


# -- protected enamel-admin commands -------------------------------------------------------------

PERSON_PASSWORD = "correct horse battery staple"
TEMPORARY_PASSWORD = "a temporary password from IT"  # what an administrator gives


def admin_recovery(
    *args: str, passphrase: str, stdin: str = "", clock: Clock | None = None
) -> AdminResult:
    """A protected command proven by the recovery passphrase (IT's first set-up, emergencies)."""
    return admin(*args, "--recovery-passphrase-stdin", stdin=f"{passphrase}\n{stdin}", clock=clock)


TEST_PASSPHRASE = "TESTS-0NLY0-RECVR-PASS0-PHRAS-E0001"


def known_passphrase(services: Services) -> str:
    """Rewrap the recovery file of the `services` fixture's installation under a passphrase
    the test knows (the fixture's own was shown once and dropped); no audit entry."""
    from services.installation import rewrap_recovery

    rewrap_recovery(services.installation, TEST_PASSPHRASE)
    return TEST_PASSPHRASE


@dataclass
class Person:
    """An enrolled account the tests sign in as; each sign-in takes the next TOTP step."""

    login: str
    password: str
    secret: str
    clock: ManualClock
    user_id: str = ""

    def credentials(self) -> str:
        """The three --auth-stdin lines, at a step no code was accepted at yet."""
        from services.auth import totp

        self.clock.advance(30)
        return f"{self.login}\n{self.password}\n{totp.code_at(self.secret, self.clock.now())}\n"


def admin_as(person: Person, *args: str, stdin: str = "") -> AdminResult:
    """A protected command run by `person`, in this process, on the person's clock."""
    return admin(*args, "--auth-stdin", stdin=person.credentials() + stdin, clock=person.clock)


def admin_process_as(person: Person, *args: str, stdin: str = "") -> AdminResult:
    """The same through a separate enamel-admin process, started at the person's clock."""
    credentials = person.credentials()
    when = person.clock.now().isoformat()
    return admin_process("--clock-start", when, *args, "--auth-stdin", stdin=credentials + stdin)


def enrol(services: Services, login: str, password: str, own: str = "") -> str:
    """The first sign-in's enrollment, through AuthService as the app's window does it; an
    account whose password an administrator chose then takes `own` as its holder's own."""
    from services.auth import totp

    step = services.auth.check_password(login, password)
    enrollment = services.auth.begin_enrollment(step)
    session = services.auth.confirm_enrollment(
        step, totp.code_at(enrollment.secret, services.clock.now())
    )
    if session.must_change_password:
        assert own, "an administrator's password must be replaced at the first sign-in"
        services.auth.set_required_password(session, own)
    return enrollment.secret


def person_in(services: Services, login: str, role: str = "it_admin") -> Person:
    """An enrolled account made with the test's own services (an installation it opened)."""
    from services.access import Actor, ActorType, Role
    from services.clock import ManualClock

    clock = services.clock
    assert isinstance(clock, ManualClock)
    setup = Actor("system_test_setup", ActorType.SYSTEM, Role.IT_ADMIN)
    user_id = services.users.add(setup, login, Role(role), PERSON_PASSWORD, temporary=False).user_id
    return Person(login, PERSON_PASSWORD, enrol(services, login, PERSON_PASSWORD), clock, user_id)


def key_store(root: str | Path) -> KeyStore:
    """The store the installation in `root` keeps its key in, as enamel-admin picks it."""
    from storage.keystore import KeyringKeyStore
    from storage.service_keystore import ServiceKeyStore, uses_service_keys

    return ServiceKeyStore(Path(root)) if uses_service_keys(Path(root)) else KeyringKeyStore()


def person_via_cli(
    root: str | Path, passphrase: str, login: str, role: str, clock: ManualClock
) -> Person:
    """An account added by the real enamel-admin (recovery passphrase), then enrolled."""
    from app.bootstrap import build_services
    from services.installation import open_installation
    from storage.layout import DataLayout

    added = admin_recovery(
        "--data-dir", str(root), "user", "add", login, "--role", role, "--password-stdin",
        passphrase=passphrase, stdin=TEMPORARY_PASSWORD + "\n", clock=clock,
    )  # fmt: skip
    assert added.code == 0, added.err
    services = build_services(open_installation(DataLayout(Path(root)), key_store(root)), clock)
    try:
        secret = enrol(services, login, TEMPORARY_PASSWORD, own=PERSON_PASSWORD)
        record = services.accounts.by_login(login)
        assert record is not None
        return Person(login, PERSON_PASSWORD, secret, clock, record.user_id)
    finally:
        services.close()
