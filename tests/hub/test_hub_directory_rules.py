"""The hub's actor rules on a real hub database: who may change what, and how long a token lasts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.auth import throttle, totp
from services.hub.directory_rpc import DirectoryRpc, settle
from services.hub.errors import HubError
from tests.support import Person, person_in


def token_for(rpc: DirectoryRpc, person: Person, ws: str = "ws-1") -> str:
    """The hub's token for `person`: the password, then a code at a step not used yet."""
    person.clock.advance(30)
    proof = settle(
        rpc.call(
            "verify_password", {"user_id": person.user_id, "password": person.password}, None, ws
        )
    )
    assert proof["result"] is True
    code = totp.code_at(person.secret, person.clock.now())
    answer = rpc.call("accept_totp_code", {"user_id": person.user_id, "code": code}, None, ws)
    assert answer["result"] == "accepted", answer
    return str(answer["actor_token"])


def refused(rpc: DirectoryRpc, method: str, args: dict, token: str | None) -> int:  # type: ignore[type-arg]
    with pytest.raises(HubError) as caught:
        rpc.call(method, args, token, "ws-1")
    return caught.value.status


def test_the_holder_changes_their_own_password_but_nothing_else(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    own = token_for(directory, pat)
    directory.call(
        "update",
        {"user_id": pat.user_id, "password_hash": "x", "must_change_password": False},
        own,
        "ws-1",
    )
    assert services.accounts.by_id(pat.user_id).password_hash == "x"
    assert refused(directory, "update", {"user_id": pat.user_id, "role": "it_admin"}, own) == 403
    assert (
        refused(directory, "update", {"user_id": pat.user_id, "must_change_password": True}, own)
        == 403
    )
    assert refused(directory, "update", {"user_id": pat.user_id, "last_totp_step": 0}, own) == 403
    assert refused(directory, "update", {"user_id": pat.user_id, "password_hash": "y"}, None) == 403
    # the throttle fields are the sign-in flow's own
    directory.call("update", {"user_id": pat.user_id, "failures": 3}, None, "ws-1")
    assert services.accounts.by_id(pat.user_id).failures == 3


def test_an_enrolled_accounts_secret_needs_a_token_a_new_one_does_not(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    assert (
        refused(
            directory,
            "set_totp_secret",
            {"user_id": pat.user_id, "secret": "JBSWY3DPEHPK3PXP"},
            None,
        )
        == 403
    )
    assert (
        refused(directory, "set_recovery_codes", {"user_id": pat.user_id, "hashes": []}, None)
        == 403
    )
    from services.access import Actor, ActorType, Role

    setup = Actor("system_test_setup", ActorType.SYSTEM, Role.IT_ADMIN)
    new = services.users.add(
        setup, "newbie", Role.HYGIENIST, "correct horse battery staple"
    ).user_id
    directory.call("set_totp_secret", {"user_id": new, "secret": "JBSWY3DPEHPK3PXP"}, None, "ws-1")
    assert services.accounts.totp_secret(new) == "JBSWY3DPEHPK3PXP"


def test_a_manager_token_lasts_twelve_hours_at_its_own_workstation(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    boss = person_in(services, "boss", "office_manager")
    pat = person_in(services, "pat", "front_desk")
    token = token_for(directory, boss)
    assert refused(directory, "update", {"user_id": pat.user_id, "role": "dentist"}, None) == 403
    with pytest.raises(HubError):
        directory.call("update", {"user_id": pat.user_id, "role": "dentist"}, token, "ws-2")
    directory.call("update", {"user_id": pat.user_id, "role": "dentist"}, token, "ws-1")
    assert services.accounts.by_id(pat.user_id).role == "dentist"
    services.clock.advance(timedelta(hours=12).total_seconds())
    assert refused(directory, "update", {"user_id": pat.user_id, "role": "billing"}, token) == 403


def test_a_code_for_a_time_far_from_the_hubs_clock_is_refused(rpc) -> None:  # type: ignore[no-untyped-def]
    """A workstation whose clock is off by more than five minutes cannot pick the step."""
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    now = services.clock.now()
    for offset in (timedelta(minutes=11), timedelta(minutes=-11)):
        at = now + offset
        proof = {"user_id": pat.user_id, "password": pat.password}
        assert settle(directory.call("verify_password", proof, None, "ws-1"))["result"] is True
        code = totp.code_at(pat.secret, at)
        answer = directory.call(
            "accept_totp_code",
            {"user_id": pat.user_id, "code": code, "at": at.isoformat()},
            None,
            "ws-1",
        )
        assert answer["result"] == "wrong" and "actor_token" not in answer
    at = now + timedelta(minutes=4)
    assert settle(
        directory.call(
            "verify_password", {"user_id": pat.user_id, "password": pat.password}, None, "ws-1"
        )
    )["result"]
    answer = directory.call(
        "accept_totp_code",
        {"user_id": pat.user_id, "code": totp.code_at(pat.secret, at), "at": at.isoformat()},
        None,
        "ws-1",
    )
    assert answer["result"] == "accepted"


def test_a_pc_without_a_sign_in_cannot_undo_the_practice_wide_lock(rpc) -> None:  # type: ignore[no-untyped-def]
    """A hostile PC (its certificate, no one's token) guessing a password: the hub counts each
    wrong guess and locks the account; writing the count back to 0 or the lock to nothing is
    refused, so the guessing stays locked out. The holder after their own sign-in, and a
    manager, may reset it."""
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    guess = {"user_id": pat.user_id, "password": "not it"}
    for failures in range(throttle.LOCK_AFTER):
        services.clock.advance(throttle.delay_for(failures))  # each guess after its delay
        assert settle(directory.call("verify_password", guess, None, "ws-hostile")) == {
            "result": False
        }
    locked = services.accounts.by_id(pat.user_id)
    assert locked.failures == throttle.LOCK_AFTER and locked.locked_until is not None
    for undo in ({"failures": 0}, {"locked_until": None}, {"failures": 0, "locked_until": None}):
        assert refused(directory, "update", {"user_id": pat.user_id, **undo}, None) == 403
    again = services.accounts.by_id(pat.user_id)
    assert (again.failures, again.locked_until) == (locked.failures, locked.locked_until)
    right = {"user_id": pat.user_id, "password": pat.password}
    still = settle(directory.call("verify_password", right, None, "ws-hostile"))
    assert still["result"] is False and still["refused"] == "locked"
    # Counting up stays the sign-in flow's own; a manager may reset.
    directory.call(
        "update", {"user_id": pat.user_id, "failures": locked.failures + 1}, None, "ws-1"
    )
    ivy = person_in(services, "ivy", "it_admin")
    manager = token_for(directory, ivy)
    directory.call(
        "update", {"user_id": pat.user_id, "failures": 0, "locked_until": None}, manager, "ws-1"
    )
    assert services.accounts.by_id(pat.user_id).failures == 0
