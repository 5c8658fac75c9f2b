"""Joining and signing in offline, against a real `enamel-hub serve` process: a code that names
another CA or was used already changes nothing; the offline cache only serves people who
signed in at this PC within the practice's `offline_days`, and never the same code twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from services.auth import totp
from services.auth.signin import AuthService, CodeAlreadyUsed
from services.clock import TEST_EPOCH, ManualClock
from services.hub import joincode
from services.hub.client import HubUnreachable
from tests.hub.kit import HubProcess, init_hub, invite
from tests.support import Person, admin, admin_as, passphrase_from, person_via_cli

pytestmark = pytest.mark.slow

PRACTICE = "smile-dental-01"


@dataclass
class Joined:
    hub: HubProcess
    hub_root: Path
    hub_passphrase: str
    pc: Path
    alice: Person


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Joined]:
    base = tmp_path_factory.mktemp("join")
    hub_root, pc = base / "hub", base / "pc"
    passphrase = init_hub(hub_root)
    hub = HubProcess(hub_root, TEST_EPOCH + timedelta(minutes=3))
    try:
        made = admin("--data-dir", str(pc), "init", "--practice-id", PRACTICE)
        assert made.code == 0, made.err
        clock = ManualClock(TEST_EPOCH)
        alice = person_via_cli(pc, passphrase_from(made.out), "alice", "it_admin", clock)
        code = invite(hub_root, passphrase, "PC-1")
        assert admin_as(alice, "--data-dir", str(pc), "join", code).code == 0
        adopted = admin_as(alice, "--data-dir", str(pc), "hub", "adopt")
        assert adopted.code == 0, adopted.err
        yield Joined(hub, hub_root, passphrase, pc, alice)
    finally:
        hub.stop()


def empty(folder: Path) -> bool:
    return not folder.exists() or not any(p for p in folder.iterdir() if p.name != "logs")


def test_a_code_naming_another_ca_is_refused_and_nothing_is_made(
    joined: Joined, tmp_path: Path
) -> None:
    real = joincode.decode(invite(joined.hub_root, joined.hub_passphrase, "PC-X"))
    forged = joincode.encode(joincode.JoinCode(real.url, "0" * 64, real.token))
    result = admin("--data-dir", str(tmp_path / "pc"), "join", forged)
    assert result.code != 0
    assert "did not show the practice certificate" in result.err
    assert empty(tmp_path / "pc")
    # The token was never sent: the real code still works.
    assert admin("--data-dir", str(tmp_path / "pc2"), "join", joincode.encode(real)).code == 0


def test_a_used_code_is_refused_and_the_empty_folder_stays_empty(
    joined: Joined, tmp_path: Path
) -> None:
    code = invite(joined.hub_root, joined.hub_passphrase, "PC-Y")
    assert admin("--data-dir", str(tmp_path / "first"), "join", code).code == 0
    again = admin("--data-dir", str(tmp_path / "second"), "join", code)
    assert again.code != 0
    assert empty(tmp_path / "second")


def pc_services(joined: Joined, clock: ManualClock):  # type: ignore[no-untyped-def]
    from app.bootstrap import build_services
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    return build_services(open_installation(DataLayout(joined.pc), KeyringKeyStore()), clock)


def sign_in(auth: AuthService, person: Person) -> None:
    person.clock.advance(30)
    step = auth.check_password(person.login, person.password)
    auth.check_code(step, totp.code_at(person.secret, person.clock.now()))


def test_offline_sign_in_keeps_to_this_pc_s_window_and_never_takes_a_code_twice(
    joined: Joined,
) -> None:
    alice = joined.alice
    services = pc_services(joined, alice.clock)
    try:
        sign_in(services.auth, alice)  # online: the cache is filled
        joined.hub.stop()
        alice.clock.advance(30)
        at = alice.clock.now()
        step = services.auth.check_password("alice", alice.password)
        services.auth.check_code(step, totp.code_at(alice.secret, at))
        assert services.hub is not None and services.hub.sign_in_flags(alice.user_id) == (
            "offline",
        )
        step = services.auth.check_password("alice", alice.password)
        with pytest.raises(CodeAlreadyUsed):
            services.auth.check_code(step, totp.code_at(alice.secret, at))
        services.installation.settings.set("offline_days", "0", alice.clock.now())
        with pytest.raises(HubUnreachable, match="does not allow signing in without the hub"):
            services.auth.check_password("alice", alice.password)
        services.installation.settings.set("offline_days", "7", alice.clock.now())
        sign_in(services.auth, alice)  # within the seven days
        alice.clock.advance(8 * 86400)
        with pytest.raises(HubUnreachable, match="in the last 7 days"):
            services.auth.check_password("alice", alice.password)
    finally:
        services.close()
