"""The offline sign-in cache moves with a database-key rotation, against a real `enamel-hub serve`.

A person signs in at a joined PC while the hub is up (the cache is filled), IT rotates the
PC's database key with the real `enamel-admin rotate db-key` (or the rotation is cut at a
step and finished by `--resume`), the hub goes away, and the same person signs in offline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.access import Actor, ActorType, Role
from services.auth import totp
from services.auth.signin import AuthService
from services.clock import TEST_EPOCH, ManualClock
from services.keyrotation import database_key as rotation
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout, WorkstationIdentity
from tests.hub.kit import HubProcess, init_hub, invite
from tests.support import Person, admin, admin_as, passphrase_from, person_via_cli

pytestmark = pytest.mark.slow

PRACTICE = "smile-dental-01"
IT = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)


@dataclass
class Joined:
    hub: HubProcess
    pc: Path
    passphrase: str  # the PC's recovery passphrase
    alice: Person


@pytest.fixture
def joined(tmp_path: Path) -> Iterator[Joined]:
    hub_root, pc = tmp_path / "hub", tmp_path / "pc"
    hub_passphrase = init_hub(hub_root)
    hub = HubProcess(hub_root, TEST_EPOCH + timedelta(minutes=3))
    try:
        made = admin("--data-dir", str(pc), "init", "--practice-id", PRACTICE)
        assert made.code == 0, made.err
        passphrase = passphrase_from(made.out)
        alice = person_via_cli(pc, passphrase, "alice", "it_admin", ManualClock(TEST_EPOCH))
        code = invite(hub_root, hub_passphrase, "PC-1")
        assert admin_as(alice, "--data-dir", str(pc), "join", code).code == 0
        adopted = admin_as(alice, "--data-dir", str(pc), "hub", "adopt")
        assert adopted.code == 0, adopted.err
        yield Joined(hub, pc, passphrase, alice)
    finally:
        hub.stop()


def pc_services(pc: Path, clock: ManualClock):  # type: ignore[no-untyped-def]
    from app.bootstrap import build_services
    from services.installation import open_installation

    return build_services(open_installation(DataLayout(pc), KeyringKeyStore()), clock)


def sign_in(auth: AuthService, person: Person) -> None:
    person.clock.advance(30)
    step = auth.check_password(person.login, person.password)
    auth.check_code(step, totp.code_at(person.secret, person.clock.now()))


def signs_in_online(joined: Joined) -> None:
    services = pc_services(joined.pc, joined.alice.clock)
    try:
        sign_in(services.auth, joined.alice)
        assert services.hub is not None
        assert services.hub.sign_in_flags(joined.alice.user_id) == ()
    finally:
        services.close()


def signs_in_offline(joined: Joined) -> None:
    """With the hub stopped, Alice signs in at the PC from its cache (flagged offline)."""
    joined.hub.stop()
    services = pc_services(joined.pc, joined.alice.clock)
    try:
        sign_in(services.auth, joined.alice)
        assert services.hub is not None
        assert services.hub.sign_in_flags(joined.alice.user_id) == ("offline",)
    finally:
        services.close()


def cache_rows(pc: Path) -> list[tuple[Any, ...]]:
    from services.installation import open_installation

    installation = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        return [
            tuple(r)
            for r in installation.db.connection().execute(
                "SELECT user_id, totp_nonce, totp_secret FROM hub_offline_accounts ORDER BY user_id"
            )
        ]
    finally:
        installation.close()


def add_stale_row(pc: Path, person: Person) -> None:
    """A cached account under a key this PC no longer has (a rotation before this fix)."""
    from services.installation import open_installation
    from storage.hub_cache_repo import HubCacheRepository

    installation = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        record = installation_record(installation, person)
        stale = replace(record, user_id="user_gone", login="gone")
        HubCacheRepository(installation.db, os.urandom(32)).remember(
            stale, totp.new_secret(), person.clock.now()
        )
    finally:
        installation.close()


def installation_record(installation: Any, person: Person) -> Any:
    from storage.hub_cache_repo import HubCacheRepository

    cached = HubCacheRepository(installation.db, installation.database_key).by_id(person.user_id)
    assert cached is not None
    return cached.record


def test_after_it_rotates_the_database_key_a_cached_person_signs_in_with_the_hub_away(
    joined: Joined,
) -> None:
    signs_in_online(joined)
    # A row already unreadable (left by an earlier rotation) neither blocks this one nor moves.
    add_stale_row(joined.pc, joined.alice)
    stale_before = [r for r in cache_rows(joined.pc) if r[0] == "user_gone"]
    rotated = admin(
        "--data-dir", str(joined.pc), "rotate", "db-key", "--passphrase-stdin",
        stdin=joined.passphrase + "\n", clock=joined.alice.clock,
    )  # fmt: skip
    assert rotated.code == 0, rotated.err
    assert "encrypted under a new key" in rotated.out
    assert [r for r in cache_rows(joined.pc) if r[0] == "user_gone"] == stale_before
    signs_in_offline(joined)


class PowerCut(BaseException):
    """The power goes: nothing catches it, nothing after it runs."""


def cut_after_the_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    def cut(*args: object, **kw: object) -> bool:
        raise PowerCut

    monkeypatch.setattr(rotation, "complete_rotation", cut)


def cut_after_the_fields_moved(monkeypatch: pytest.MonkeyPatch) -> None:
    real = rotation.reencrypt_file_fields

    def cut(*args: Any) -> int:
        real(*args)
        raise PowerCut  # the cache is under the new key, the file still under the old one

    monkeypatch.setattr(rotation, "reencrypt_file_fields", cut)


@pytest.mark.parametrize("cut", [cut_after_the_marker, cut_after_the_fields_moved])
def test_an_interrupted_rotation_finished_later_keeps_the_offline_cache_readable(
    joined: Joined, monkeypatch: pytest.MonkeyPatch, cut: Any
) -> None:
    from services.installation import open_installation
    from storage.sqlcipher_ops import reencrypt_file_fields

    signs_in_online(joined)
    keystore = KeyringKeyStore()
    installation = open_installation(DataLayout(joined.pc), keystore)
    old_key = installation.database_key
    try:
        cut(monkeypatch)
        with pytest.raises(PowerCut):
            rotation.rotate_database_key(
                installation, keystore, joined.passphrase, joined.alice.clock, IT
            )
    finally:
        monkeypatch.undo()
        installation.close()
    assert (joined.pc / rotation.MARKER_NAME).exists()

    resumed = admin(
        "--data-dir", str(joined.pc), "rotate", "db-key", "--resume", "--passphrase-stdin",
        stdin=joined.passphrase + "\n", clock=joined.alice.clock,
    )  # fmt: skip
    assert resumed.code == 0, resumed.err
    assert "interrupted database-key rotation was finished" in resumed.out
    assert not (joined.pc / rotation.MARKER_NAME).exists()

    # Done twice, the move changes nothing: every cached value is under the new key already.
    before = cache_rows(joined.pc)
    layout = DataLayout(joined.pc)
    new_key = keystore.get(WorkstationIdentity.load(layout.identity_file).keystore_name)
    assert new_key != old_key
    assert reencrypt_file_fields(layout.database, new_key, old_key, new_key) == 0
    assert cache_rows(joined.pc) == before
    signs_in_offline(joined)
