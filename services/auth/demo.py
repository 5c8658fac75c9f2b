"""Demo accounts for `enamel --demo` only: one per kind of person, a shared authenticator key."""

from __future__ import annotations

from services.access import Actor, ActorType, Role
from services.auth import totp
from services.auth.users import UserAdmin
from services.clock import Clock
from storage.accounts_repo import AccountDirectory

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the demo's published password
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("frontdesk", "Front Desk (demo)", Role.FRONT_DESK),
    ("hygienist", "Hygienist (demo)", Role.HYGIENIST),
    ("dentist", "Dr. Demo", Role.DENTIST),
    ("manager", "Office Manager (demo)", Role.OFFICE_MANAGER),
    ("billing", "Billing (demo)", Role.BILLING),
    ("compliance", "Compliance Officer (demo)", Role.COMPLIANCE_OFFICER),
    ("itadmin", "IT Administrator (demo)", Role.IT_ADMIN),
)
# The simulator's DrA and HygC: the demo's clinicians open "My schedule" on their own day.
DEMO_PROVIDERS = {"dentist": 1, "hygienist": 3}
_SETUP_ACTOR = Actor("system_demo_setup", ActorType.SYSTEM, Role.IT_ADMIN)


def ensure_demo_users(directory: AccountDirectory, users: UserAdmin) -> None:
    """Create the demo accounts on the first demo start, already enrolled with one shared key,
    so a person can try every role without a phone. Never called outside the demo."""
    if directory.all():
        return
    secret = totp.new_secret()
    for login, name, role in DEMO_USERS:
        created = users.add(_SETUP_ACTOR, login, role, DEMO_PASSWORD, name, temporary=False)
        directory.set_totp_secret(created.user_id, secret)
        directory.update(created.user_id, totp_enrolled=1)
        if login in DEMO_PROVIDERS:
            users.set_provider(_SETUP_ACTOR, login, DEMO_PROVIDERS[login])


def demo_hint(directory: AccountDirectory, clock: Clock) -> str:
    """The sign-in window's demo hint, with the code of the moment (demo only)."""
    record = directory.by_login(DEMO_USERS[0][0])
    secret = directory.totp_secret(record.user_id) if record else None
    if secret is None:
        return ""
    code = totp.code_at(secret, clock.now())
    names = ", ".join(login for login, _, _ in DEMO_USERS)
    return (
        f"<b>Demo practice (synthetic data).</b> Users: {names}.<br>"
        f"Password: <b>{DEMO_PASSWORD}</b> &nbsp;·&nbsp; code right now: "
        f"<b>{code[:3]} {code[3:]}</b> (changes every 30 seconds)"
    )
