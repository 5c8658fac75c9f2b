"""The hub's own password-check rules against a hostile PC: the delays after failures, and the
same Argon2 work for an account that is none as for a real one (on a real hub database)."""

from __future__ import annotations

from datetime import timedelta

from services.auth import throttle
from services.hub.directory_rpc import DirectoryRpc, HashCheck, settle
from storage import argon2_gate
from tests.support import person_in

HOSTILE = "ws-hostile"


def guess(directory: DirectoryRpc, user_id: str, password: str) -> dict:  # type: ignore[type-arg]
    """One password check as a PC's certificate alone asks it (no one's token)."""
    return settle(
        directory.call("verify_password", {"user_id": user_id, "password": password}, None, HOSTILE)
    )


def argon2_work(directory: DirectoryRpc, user_id: str, password: str) -> tuple[dict, int]:  # type: ignore[type-arg]
    """The answer to one check, and how many Argon2 computations it ran through the gate."""
    before = argon2_gate.computations()
    answer = guess(directory, user_id, password)
    return answer, argon2_gate.computations() - before


def test_an_unknown_account_costs_the_argon2_check_a_real_one_costs(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    known = argon2_work(directory, pat.user_id, "not the password")
    unknown = argon2_work(directory, "user_0123456789abcdef", "not the password")
    assert known == ({"result": False}, 1)
    assert unknown == known  # the same answer, after the same work
    # Its check runs as a real one does: a `HashCheck`, whose Argon2 work the hub runs on its
    # hashing threads, at the parameters of the hub's own hashes.
    pending = directory.call(
        "verify_password", {"user_id": "user_nobody", "password": "x"}, None, HOSTILE
    )
    assert isinstance(pending, HashCheck)


def test_a_disabled_account_costs_the_same_check(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    services.accounts.update(pat.user_id, disabled=1)
    assert argon2_work(directory, pat.user_id, pat.password) == ({"result": False}, 1)
    assert argon2_work(directory, "user_nobody", pat.password) == ({"result": False}, 1)


def test_a_guess_before_the_delay_is_refused_unchecked_and_not_counted(rpc) -> None:  # type: ignore[no-untyped-def]
    """A hostile PC's guesses back to back: the first five are checked (no delay before the
    fifth failure, as at a workstation); the next one, even the right password, is refused
    without any Argon2 work and says how long to wait; after that wait it is checked."""
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    for _ in range(throttle.DELAY_AFTER):
        assert guess(directory, pat.user_id, "not it") == {"result": False}
    answer, work = argon2_work(directory, pat.user_id, pat.password)
    assert answer == {"result": False, "refused": "too_soon", "retry_after": 1}
    assert work == 0
    assert services.accounts.by_id(pat.user_id).failures == throttle.DELAY_AFTER  # not counted
    services.clock.advance(0.5)
    assert guess(directory, pat.user_id, pat.password)["refused"] == "too_soon"
    services.clock.advance(0.5)
    assert guess(directory, pat.user_id, pat.password) == {"result": True}


def test_the_delays_grow_as_at_a_workstation(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    for failures in range(throttle.LOCK_AFTER):
        wait = throttle.delay_for(failures)
        if wait:
            early = guess(directory, pat.user_id, "not it")
            assert early == {"result": False, "refused": "too_soon", "retry_after": wait}
            services.clock.advance(wait)
        assert guess(directory, pat.user_id, "not it") == {"result": False}
    locked = guess(directory, pat.user_id, pat.password)
    assert locked["refused"] == "locked"
    assert locked["retry_after"] == throttle.LOCK_MINUTES * 60


def test_guesses_sent_side_by_side_wait_like_guesses_one_after_another(rpc) -> None:  # type: ignore[no-untyped-def]
    """Two guesses asked together when the account is one failure short of the delays: the
    second is refused while the first is still being hashed (it may be that failure)."""
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    for _ in range(throttle.DELAY_AFTER - 1):
        assert guess(directory, pat.user_id, "not it") == {"result": False}
    args = {"user_id": pat.user_id, "password": "not it either"}
    first = directory.call("verify_password", args, None, HOSTILE)
    assert isinstance(first, HashCheck)
    second = directory.call("verify_password", args, None, HOSTILE)
    assert second == {"result": False, "refused": "too_soon", "retry_after": 1}
    assert first.finish(first.check()) == {"result": False}
    assert services.accounts.by_id(pat.user_id).failures == throttle.DELAY_AFTER


def test_a_pc_cannot_move_the_last_failure_back_to_skip_the_delay(rpc) -> None:  # type: ignore[no-untyped-def]
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    for _ in range(throttle.DELAY_AFTER):
        guess(directory, pat.user_id, "not it")
    counted = services.accounts.by_id(pat.user_id)
    earlier = counted.last_failure_at - timedelta(hours=1)
    directory.call(
        "update",
        {"user_id": pat.user_id, "failures": counted.failures, "last_failure_at": earlier},
        None,
        HOSTILE,
    )
    directory.call("update", {"user_id": pat.user_id, "last_failure_at": None}, None, HOSTILE)
    assert services.accounts.by_id(pat.user_id).last_failure_at == counted.last_failure_at
    assert guess(directory, pat.user_id, pat.password)["refused"] == "too_soon"


def test_a_workstation_clock_ahead_does_not_stretch_the_delay(rpc) -> None:  # type: ignore[no-untyped-def]
    """The failure time a workstation writes back (its own clock) is taken at most as the hub's
    now: a PC ten minutes ahead does not keep the account waiting ten minutes more."""
    directory, services = rpc
    pat = person_in(services, "pat", "front_desk")
    for _ in range(throttle.DELAY_AFTER):
        guess(directory, pat.user_id, "not it")
    ahead = services.clock.now() + timedelta(minutes=10)
    directory.call(
        "update",
        {"user_id": pat.user_id, "failures": throttle.DELAY_AFTER, "last_failure_at": ahead},
        None,
        "ws-1",
    )
    assert services.accounts.by_id(pat.user_id).last_failure_at == services.clock.now()
    services.clock.advance(throttle.delay_for(throttle.DELAY_AFTER))
    assert guess(directory, pat.user_id, pat.password) == {"result": True}
