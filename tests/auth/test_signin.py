"""Sign-in: password then TOTP, replay refused, recovery codes, throttling, roles, break-glass."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.bootstrap import Services
from services.access import AccessDenied, Actor, ActorType, Purpose, Role
from services.access.policy import READS
from services.audit import AuditEntry
from services.auth import passwords, totp
from services.auth.signin import GENERIC, CodeAlreadyUsed, SignInFailed, SignInThrottled
from services.auth.users import UserError
from tests.support import admin, admin_as, person_in

ADMIN = Actor("cli_it", ActorType.HUMAN, Role.IT_ADMIN)
PASSWORD = "correct horse battery staple"


def add_user(services: Services, login: str = "pat", role: Role = Role.FRONT_DESK) -> str:
    """An account whose password is its holder's own (an administrator's is temporary)."""
    return services.users.add(ADMIN, login, role, PASSWORD, temporary=False).secret


def enrolled(services: Services, login: str = "pat", role: Role = Role.FRONT_DESK) -> str:
    add_user(services, login, role)
    step = services.auth.check_password(login, PASSWORD)
    enrollment = services.auth.begin_enrollment(step)
    services.auth.confirm_enrollment(step, totp.code_at(enrollment.secret, services.clock.now()))
    services.clock.advance(31)  # type: ignore[attr-defined]
    return enrollment.secret


def actions(services: Services) -> list[tuple[str, str, str]]:
    rows = [AuditEntry.from_row(*r).data for r in services.trail.repository.rows()]
    return [(r["action"], r["outcome"], r["actor_id"]) for r in rows]


def test_password_then_totp_and_a_code_is_never_accepted_twice(cheap_services: Services) -> None:
    s = cheap_services
    secret = enrolled(s)
    code = totp.code_at(secret, s.clock.now())
    session = s.auth.check_code(s.auth.check_password("pat", PASSWORD), code)
    assert session.role is Role.FRONT_DESK and session.actor.actor_id.startswith("user_")
    again = s.auth.check_password("pat", PASSWORD)
    with pytest.raises(CodeAlreadyUsed, match=r"already used\. Wait for .* the next code"):
        s.auth.check_code(again, code)
    assert ("sign_in", "failure", session.user_id) in actions(s)  # the replay is recorded
    record = s.accounts.by_login("pat")
    assert record is not None and record.failures == 0  # but is no guess towards the lock
    with pytest.raises(CodeAlreadyUsed):  # the step before is used up too
        s.auth.check_code(again, totp.code_at(secret, s.clock.now() - timedelta(seconds=30)))
    with pytest.raises(SignInFailed, match="not correct"):
        s.auth.check_code(again, "000000" if code != "000000" else "111111")
    s.clock.advance(30)  # type: ignore[attr-defined]
    s.auth.check_code(s.auth.check_password("PAT ", PASSWORD), totp.code_at(secret, s.clock.now()))


def test_after_a_used_code_the_password_step_stands_for_the_next_code(
    cheap_services: Services,
) -> None:
    """Right after the first-run wizard (or a sign-in) the app still shows the used code:
    the person is told to wait, and the next code signs in without the password again."""
    s = cheap_services
    secret = enrolled(s)
    s.auth.check_code(s.auth.check_password("pat", PASSWORD), totp.code_at(secret, s.clock.now()))
    step = s.auth.check_password("pat", PASSWORD)
    with pytest.raises(CodeAlreadyUsed):
        s.auth.check_code(step, totp.code_at(secret, s.clock.now()))
    s.clock.advance(30)  # type: ignore[attr-defined]
    assert s.auth.check_code(step, totp.code_at(secret, s.clock.now())).login == "pat"


def test_enrollment_is_required_and_recovery_codes_work_once(cheap_services: Services) -> None:
    s = cheap_services
    add_user(s)
    step = s.auth.check_password("pat", PASSWORD)
    assert step.needs_enrollment
    with pytest.raises(SignInFailed, match="authenticator first"):
        s.auth.check_code(step, "123456")
    step = s.auth.check_password("pat", PASSWORD)
    enrollment = s.auth.begin_enrollment(step)
    assert len(enrollment.recovery_codes) == 10 and enrollment.uri.startswith("otpauth://totp/")
    s.auth.confirm_enrollment(step, totp.code_at(enrollment.secret, s.clock.now()))
    code = enrollment.recovery_codes[3]
    s.auth.check_code(s.auth.check_password("pat", PASSWORD), code.upper())
    with pytest.raises(SignInFailed):
        s.auth.check_code(s.auth.check_password("pat", PASSWORD), code)
    assert s.accounts.unused_recovery_codes(step.user_id) == 9


def test_unknown_user_and_wrong_password_look_the_same(cheap_services: Services) -> None:
    s = cheap_services
    add_user(s)
    with pytest.raises(SignInFailed) as wrong:
        s.auth.check_password("pat", "not the password at all")
    with pytest.raises(SignInFailed) as unknown:
        s.auth.check_password("nobody", "not the password at all")
    assert wrong.value.message == unknown.value.message == GENERIC
    flat = str(actions(s))
    assert "nobody" not in flat


def test_the_sixth_attempt_waits_even_with_the_right_password(cheap_services: Services) -> None:
    s = cheap_services
    enrolled(s)
    for _ in range(5):
        with pytest.raises(SignInFailed):
            s.auth.check_password("pat", "wrong password here")
    with pytest.raises(SignInThrottled, match="Wait"):
        s.auth.check_password("pat", PASSWORD)
    s.clock.advance(2)  # type: ignore[attr-defined]
    assert s.auth.check_password("pat", PASSWORD).user_id


def test_ten_failures_lock_the_account_for_fifteen_minutes(cheap_services: Services) -> None:
    s = cheap_services
    enrolled(s)
    for _ in range(10):
        s.clock.advance(600)  # type: ignore[attr-defined]
        with pytest.raises(SignInFailed):
            s.auth.check_password("pat", "wrong password here")
    s.clock.advance(60)  # type: ignore[attr-defined]
    with pytest.raises(SignInThrottled, match="locked"):
        s.auth.check_password("pat", PASSWORD)
    assert any(a == "account_locked" for a, _, _ in actions(s))
    s.clock.advance(15 * 60)  # type: ignore[attr-defined]
    assert s.auth.check_password("pat", PASSWORD)


def test_passwords_follow_nist_rules_and_production_cost_is_the_default() -> None:
    for weak in ("short", "password2026", "Password123!", "aaaaaaaaaaaaaaa"):
        with pytest.raises(passwords.WeakPassword):
            passwords.check_new_password(weak)
    passwords.check_new_password("a long sentence about teeth")
    assert passwords.HashParams(3, 65536, 4) == passwords.PRODUCTION
    cheap = passwords.hash_password("a long sentence about teeth", passwords.HashParams(1, 8192, 1))
    assert passwords.needs_rehash(cheap)
    assert passwords.verify_password(cheap, "a long sentence about teeth")


def test_every_role_is_denied_what_it_may_not_read_and_it_is_audited(
    cheap_services: Services,
) -> None:
    s = cheap_services
    denied: list[tuple[str, str]] = []
    fetched: list[str] = []
    for role in Role:
        actor = Actor(f"user_{role.value}", ActorType.HUMAN, role)
        for purpose in Purpose:
            if purpose in READS[role]:
                continue

            def fetch() -> list[str]:
                fetched.append("read")  # the PMS is never even asked
                return ["phi"]

            with pytest.raises(AccessDenied):
                s.gateway.read(actor, purpose, "read", fetch, lambda _: [], resource_type="x")
            denied.append((actor.actor_id, purpose.value))
    assert READS[Role.IT_ADMIN] == frozenset()  # IT administers and sees no PHI at all
    assert ("user_it_admin", Purpose.SCHEDULE.value) in denied
    assert sum(1 for a, _ in denied if a == "user_it_admin") == len(Purpose)
    assert not fetched
    rows = [AuditEntry.from_row(*r).data for r in s.trail.repository.rows()]
    audited = [(r["actor_id"], r["purpose"]) for r in rows if r["outcome"] == "failure"]
    assert audited == denied


def test_break_glass_is_time_boxed_flagged_and_keeps_the_reason_out_of_the_trail(
    cheap_services: Services,
) -> None:
    s = cheap_services
    secret = enrolled(s, "doc", Role.DENTIST)
    session = s.auth.check_code(
        s.auth.check_password("doc", PASSWORD), totp.code_at(secret, s.clock.now())
    )
    with pytest.raises(AccessDenied):
        s.gateway.read(
            session.actor,
            Purpose.PATIENT_LOOKUP,
            "lookup",
            lambda: [],
            lambda _: [],
            resource_type="patient",
        )
    reason = "Patient Zebulon in severe pain after hours"
    session = s.auth.break_glass(session, reason, minutes=30)
    assert s.gateway.read(
        session.actor,
        Purpose.PATIENT_LOOKUP,
        "lookup",
        lambda: ["ok"],
        lambda _: [],
        resource_type="patient",
    ) == ["ok"]
    rows = [AuditEntry.from_row(*r).data for r in s.trail.repository.rows()]
    assert rows[-1]["flags"] == ["break_glass"] and rows[-2]["action"] == "break_glass_start"
    assert "Zebulon" not in str(rows)
    s.clock.advance(31 * 60)  # type: ignore[attr-defined]
    with pytest.raises(AccessDenied):
        s.gateway.read(
            session.actor,
            Purpose.PATIENT_LOOKUP,
            "lookup",
            lambda: [],
            lambda _: [],
            resource_type="patient",
        )


def test_user_admin_commands(cheap_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    root = str(cheap_services.installation.layout.root)
    it = person_in(cheap_services, "it-anna")  # each command signs in as IT (issue 15.1)
    cheap_services.close()
    from services.auth import passwords as pw

    monkeypatch.setattr(pw, "PRODUCTION", pw.HashParams(1, 8192, 1))
    add = ("--data-dir", root, "user", "add")
    added = admin_as(it, *add, "maria", "--role", "office_manager", "--password-stdin",
                     stdin=PASSWORD + "\n")  # fmt: skip
    assert added.code == 0, added.err
    assert "otpauth://totp/Enamel:maria%40test-practice" in added.out
    taken = admin_as(it, *add, "maria", "--role", "office_manager", "--password-stdin",
                     stdin=PASSWORD + "\n")  # fmt: skip
    assert taken.code == 2
    bad_role = admin_as(it, *add, "x", "--role", "wizard", "--password-stdin", stdin=PASSWORD)
    assert bad_role.code == 2 and "not a role" in bad_role.err
    weak = admin_as(it, *add, "y", "--role", "billing", "--password-stdin",
                    stdin="password123\n")  # fmt: skip
    assert weak.code == 2 and "at least 12" in weak.err
    for args in (
        ("disable", "maria"),
        ("enable", "maria"),
        ("unlock", "maria"),
        ("set-role", "maria", "billing"),
    ):
        result = admin_as(it, "--data-dir", root, "user", *args)
        assert result.code == 0, result.err
    reset = admin_as(it, "--data-dir", root, "user", "reset-mfa", "maria")
    assert reset.code == 0 and "otpauth://" in reset.out
    listing = admin("--data-dir", root, "user", "list")  # reading stays open
    assert "maria" in listing.out and "Billing" in listing.out
    assert admin_as(it, "--data-dir", root, "user", "disable", "ghost").code == 2
    own = admin_as(it, "--data-dir", root, "user", "disable", "it-anna")
    assert own.code == 2 and "your own account" in own.err  # the actor is IT's account now


def test_user_errors_are_enamel_errors() -> None:
    assert issubclass(UserError, Exception) and UserError("x").exit_code == 2
    assert timedelta(minutes=15).total_seconds() == 900


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(
    cheap_services: Services,
) -> None:
    s = cheap_services
    user_id = s.users.add(ADMIN, "pat", Role.FRONT_DESK, PASSWORD).user_id
    weaker = passwords.hash_password(PASSWORD, passwords.HashParams(1, 4096, 1))
    s.accounts.update(user_id, password_hash=weaker)
    s.auth.check_password("pat", PASSWORD)
    record = s.accounts.by_id(user_id)
    assert record is not None and "m=8192" in record.password_hash
    assert passwords.verify_password(record.password_hash, PASSWORD)
    assert passwords.needs_rehash(record.password_hash)  # production asks for more still
