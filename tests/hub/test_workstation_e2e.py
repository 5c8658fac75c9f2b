"""One practice hub and three workstations, each its own process, over real mutual TLS 1.3.

The hub is `enamel-hub serve`; every workstation joined with its own invite code through the
real `enamel-admin join`; people sign in through each workstation's own composition root
(`enamel-admin hub check --auth-stdin`, which signs in with AuthService, password + TOTP).
TOTP codes come from each person's ManualClock and every process runs on `--clock-start`,
so nothing waits on the wall clock, but the lock-out test, which waits out the delays the hub
holds on its own running clock after the fifth failure (about half a minute). The tests share
one office and run in file order.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from services.auth import totp
from services.clock import TEST_EPOCH, ManualClock
from tests.hub.kit import HubChild, hub_log, init_hub, invite
from tests.support import (
    PERSON_PASSWORD,
    TEMPORARY_PASSWORD,
    AdminResult,
    Person,
    admin,
    admin_process,
    passphrase_from,
    person_via_cli,
)

pytestmark = pytest.mark.slow

PRACTICE = "smile-dental-01"
# The hub's clock starts a few minutes after the people's, so the codes they type (their
# clocks move 30 s per sign-in) stay within the hub's window of ten steps either side.
HUB_START = TEST_EPOCH + timedelta(minutes=4)


class Hub:
    """`python -m app.hub serve` as a separate process; stopped and started on the same port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = 0
        self.child: HubChild | None = None
        self._started = 0.0

    @property
    def proc(self) -> subprocess.Popen[bytes] | None:
        return None if self.child is None else self.child.proc

    def args(self) -> list[str]:
        # Restarted, the hub's clock goes on where it was (the time it ran counted once).
        ran = time.monotonic() - self._started if self._started else 0.0
        self._started = self._started or time.monotonic()
        when = HUB_START + timedelta(seconds=ran)
        return ["--data-dir", str(self.root), "--port", str(self.port),
                "--clock-start", when.isoformat()]  # fmt: skip

    def start(self, expect: str = "listening https://") -> None:
        assert self.proc is None or self.proc.poll() is not None, "started twice: stop it first"
        self.child = HubChild(self.args(), hub_log(self.root), expect)
        self.port = self.child.port

    def tail(self) -> str:
        return "" if self.child is None else self.child.tail()

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


@dataclass
class Office:
    hub: Hub
    hub_passphrase: str
    pcs: list[Path]  # three workstation data folders
    alice: Person  # it_admin, enrolled once (at the first PC, before the hub existed)


def check(pc: Path, person: Person, *, code_at: datetime | None = None) -> AdminResult:
    """`enamel-admin hub check` at `pc` as a separate process: a real sign-in there."""
    if code_at is None:
        person.clock.advance(30)
        code_at = person.clock.now()
    code = totp.code_at(person.secret, code_at)
    return admin_process(
        "--data-dir", str(pc), "--clock-start", code_at.isoformat(), "hub", "check",
        "--auth-stdin", stdin=f"{person.login}\n{person.password}\n{code}\n",
    )  # fmt: skip


def as_person(pc: Path, person: Person, *args: str, stdin: str = "") -> AdminResult:
    """A protected enamel-admin command at `pc`, as a separate process, signed in as `person`."""
    credentials = person.credentials()
    return admin_process(
        "--data-dir", str(pc), "--clock-start", person.clock.now().isoformat(), *args,
        "--auth-stdin", stdin=credentials + stdin,
    )  # fmt: skip


def open_pc(pc: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    """The workstation's own composition root, in this process (its hub directory included)."""
    from app.bootstrap import build_services
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    return build_services(open_installation(DataLayout(pc), KeyringKeyStore()), clock)


def entries(pc: Path) -> list[dict[str, object]]:
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    installation = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        rows = installation.db.connection().execute("SELECT body FROM audit_log ORDER BY seq")
        return [json.loads(r[0]) for r in rows]
    finally:
        installation.close()


def new_person(office: Office, pc: Path, login: str, role: str) -> Person:
    """Added through the hub by Alice at `pc`, enrolled at `pc` through its AuthService."""
    from tests.support import enrol

    made = as_person(pc, office.alice, "user", "add", login, "--role", role, "--password-stdin",
                     stdin=TEMPORARY_PASSWORD + "\n")  # fmt: skip
    assert made.code == 0, made.err
    clock = ManualClock(TEST_EPOCH + timedelta(minutes=1))
    services = open_pc(pc, clock)
    try:
        secret = enrol(services, login, TEMPORARY_PASSWORD, own=PERSON_PASSWORD)
        record = services.accounts.by_login(login)
        assert record is not None
        assert services.hub is not None
        services.hub.session_ended(record.user_id)
    finally:
        services.close()
    return Person(login, PERSON_PASSWORD, secret, clock, record.user_id)


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    base = tmp_path_factory.mktemp("office")
    hub_root, pcs = base / "hub", [base / f"pc{i}" for i in (1, 2, 3)]
    hub_passphrase = init_hub(hub_root)
    hub = Hub(hub_root)
    hub.start()
    try:
        # The first PC was a single-PC office: its own installation and IT's account.
        made = admin("--data-dir", str(pcs[0]), "init", "--practice-id", PRACTICE)
        assert made.code == 0, made.err
        clock = ManualClock(TEST_EPOCH + timedelta(minutes=1))
        alice = person_via_cli(pcs[0], passphrase_from(made.out), "alice", "it_admin", clock)
        codes = [invite(hub_root, hub_passphrase, f"PC-{i}") for i in (1, 2, 3)]
        joined = as_person(pcs[0], alice, "join", codes[0], "--name", "PC-1")
        assert joined.code == 0, joined.err
        adopted = as_person(pcs[0], alice, "hub", "adopt")
        assert adopted.code == 0, adopted.err
        assert "1 accounts moved" in adopted.out
        for pc, code, name in ((pcs[1], codes[1], "PC-2"), (pcs[2], codes[2], "PC-3")):
            joined = admin_process("--data-dir", str(pc), "join", code, "--name", name)
            assert joined.code == 0, joined.err
            assert "RECOVERY PASSPHRASE" in joined.out  # an empty folder became an installation
        yield Office(hub, hub_passphrase, pcs, alice)
    finally:
        hub.stop()


def test_a_person_enrolled_once_signs_in_at_all_three(office: Office) -> None:
    for pc in office.pcs:
        signed = check(pc, office.alice)
        assert signed.code == 0, signed.err
        assert "Practice hub: connected" in signed.out
    for pc in office.pcs:
        sign_ins = [
            e for e in entries(pc) if e["action"] == "sign_in" and e["outcome"] == "success"
        ]
        assert sign_ins and "offline" not in (sign_ins[-1].get("flags") or [])


def test_a_code_used_at_one_workstation_is_refused_at_another(office: Office) -> None:
    office.alice.clock.advance(30)
    at = office.alice.clock.now()
    first = check(office.pcs[0], office.alice, code_at=at)
    assert first.code == 0, first.err
    again = check(office.pcs[1], office.alice, code_at=at)
    assert again.code != 0
    assert "already" in again.err.lower()


def test_lock_out_is_shared(office: Office) -> None:
    bob = new_person(office, office.pcs[1], "bob", "front_desk")
    attempt, waits = 0, 0
    while attempt < 10:
        assert waits < 20, "the hub kept refusing"
        pc = office.pcs[attempt % 2]  # five wrong passwords at each of two PCs
        bob.clock.advance(30)  # past the delay the earlier failures asked for
        wrong = admin("--data-dir", str(pc), "hub", "check", "--auth-stdin",
                      stdin="bob\nnot the password at all\n000000\n", clock=bob.clock)  # fmt: skip
        assert wrong.code != 0
        asked = re.search(r"Wait (\d+) seconds", wrong.err)
        if asked is None:
            attempt += 1
            continue
        # The hub holds the delays after the fifth failure on its own clock, which runs in
        # real time: the attempt is refused uncounted, and made again once the wait is over.
        threading.Event().wait(int(asked.group(1)))
        waits += 1
    locked = check(office.pcs[2], bob)
    assert locked.code != 0
    assert "locked" in locked.err


def test_a_disabled_account_s_session_at_another_workstation_ends(office: Office) -> None:
    from app.jobs_setup import hub_job

    carol = new_person(office, office.pcs[2], "carol", "front_desk")
    services = open_pc(office.pcs[2], carol.clock)
    try:
        carol.clock.advance(30)
        step = services.auth.check_password("carol", carol.password)
        session = services.auth.check_code(step, totp.code_at(carol.secret, carol.clock.now()))
        ended: list[str] = []
        job = hub_job(services, ended.extend)
        job.run()
        assert ended == []  # still open
        disabled = as_person(office.pcs[0], office.alice, "user", "disable", "carol")
        assert disabled.code == 0, disabled.err
        job.run()  # the round the job queue runs every 30 seconds
        assert ended == [session.user_id]
    finally:
        services.close()


def test_a_practice_setting_set_once_applies_at_every_workstation(office: Office) -> None:
    from app.jobs_setup import hub_job

    made = admin("--data-dir", str(office.hub.root), "hub", "settings", "set",
                 "idle_lock_minutes", "5", "--recovery-passphrase-stdin",
                 stdin=office.hub_passphrase + "\n")  # fmt: skip
    assert made.code == 0, made.err
    for pc in office.pcs:
        services = open_pc(pc, ManualClock(HUB_START))
        try:
            assert services.idle_lock_minutes == 15
            hub_job(services, lambda _ended: None).run()
            assert services.idle_lock_minutes == 5
        finally:
            services.close()


def test_the_same_patient_has_the_same_pseudonym_on_all_three(office: Office) -> None:
    from services.audit import Pseudonymizer
    from services.audit.pseudonyms import RecordKind
    from services.installation import PSEUDONYM_KEY, open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    refs, kept = set(), []
    for pc in office.pcs:
        installation = open_installation(DataLayout(pc), KeyringKeyStore())
        try:
            key = installation.secrets.require(PSEUDONYM_KEY)
            refs.add(Pseudonymizer(key).ref(RecordKind.PATIENT, 4711))
            kept.append(
                [
                    i.name
                    for i in installation.secrets.info()
                    if i.name.startswith(PSEUDONYM_KEY + ".")
                ]
            )
        finally:
            installation.close()
    assert len(refs) == 1
    assert len(kept[0]) == 1  # the first PC keeps the key its earlier entries were made with


def test_with_the_hub_stopped_a_cached_person_signs_in_offline_flagged(office: Office) -> None:
    pc2, pc3 = office.pcs[1], office.pcs[2]
    alice = office.alice
    online = check(pc2, alice)  # Alice's latest online sign-in at PC-2
    assert online.code == 0, online.err
    alice.clock.advance(30)
    shared_step_at = alice.clock.now()
    assert check(pc3, alice, code_at=shared_step_at).code == 0  # the hub saw this step
    office.hub.stop()
    try:
        offline = check(pc2, alice, code_at=shared_step_at)  # PC-2 never saw it: accepted
        assert offline.code == 0, offline.err
        assert "Practice hub: offline (cached sign-in)" in offline.out
        last = [e for e in entries(pc2) if e["action"] == "sign_in"][-1]
        assert last["outcome"] == "success" and "offline" in (last.get("flags") or [])
        replay = check(pc2, alice, code_at=shared_step_at)  # the same code again at PC-2
        assert replay.code != 0
        # Carol never signed in at PC-2 (and was disabled since): no cached sign-in there.
        stranger = check(pc2, Person("carol", PERSON_PASSWORD, totp.new_secret(), alice.clock))
        assert stranger.code != 0 and "cannot be reached" in stranger.err
    finally:
        office.hub.start()
    from app.jobs_setup import hub_job
    from storage.compliance_repo import ComplianceRepository

    services = open_pc(pc2, alice.clock)
    try:
        hub_job(services, lambda _ended: None).run()
        alerts = ComplianceRepository(services.installation.db).alerts()
        assert [a.rule for a in alerts] == ["offline_code_conflict"]
    finally:
        services.close()


def test_a_workstation_with_a_revoked_certificate_is_refused(office: Office) -> None:
    from services.hub.membership import HubMembership
    from storage.layout import DataLayout

    pc3 = office.pcs[2]
    member = HubMembership.load(DataLayout(pc3))
    assert member is not None
    revoked = admin("--data-dir", str(office.hub.root), "hub", "revoke", member.workstation_id,
                    "--recovery-passphrase-stdin", stdin=office.hub_passphrase + "\n")  # fmt: skip
    assert revoked.code == 0, revoked.err
    refused = check(pc3, office.alice)
    assert refused.code != 0
    assert "This PC's access to the practice hub was withdrawn" in refused.err
    assert check(office.pcs[0], office.alice).code == 0  # the others go on
