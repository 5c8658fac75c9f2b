"""An account linked to its Open Dental provider (issue 18): IT sets it with the real
enamel-admin `user set-provider`, protected like the other user commands, audited, listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import Services, build_services
from services.access import AccessDenied, Actor, ActorType, Role
from services.audit import AuditEntry
from services.installation import open_installation
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.support import admin, admin_as, person_in

PASSWORD = "correct horse battery staple"
SETUP = Actor("system_test_setup", ActorType.SYSTEM, Role.IT_ADMIN)


def reopened(root: str, clock: object) -> Services:
    return build_services(open_installation(DataLayout(Path(root)), KeyringKeyStore()), clock)  # type: ignore[arg-type]


def test_it_links_an_account_to_its_provider_with_enamel_admin(
    cheap_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = cheap_services
    root = str(s.installation.layout.root)
    it = person_in(s, "it-anna")
    dentist_id = s.users.add(SETUP, "drsmith", Role.DENTIST, PASSWORD, temporary=False).user_id
    clock = s.clock
    s.close()
    from services.auth import passwords as pw

    monkeypatch.setattr(pw, "PRODUCTION", pw.HashParams(1, 8192, 1))
    base = ("--data-dir", root, "user")

    # Without a sign-in it is refused and nothing changes.
    bare = admin(*base, "set-provider", "drsmith", "2", clock=clock)  # type: ignore[arg-type]
    assert bare.code == 2
    check = reopened(root, clock)
    assert check.users.provider_of(dentist_id) is None
    check.close()

    linked = admin_as(it, *base, "set-provider", "drsmith", "2")
    assert linked.code == 0, linked.err
    assert "Open Dental provider 2" in linked.out
    listing = admin(*base, "list", clock=it.clock)
    line = next(x for x in listing.out.splitlines() if x.startswith("drsmith"))
    assert " 2 " in line and "PROVIDER" in listing.out
    bad = admin_as(it, *base, "set-provider", "drsmith", "DrA")
    assert bad.code == 2 and "ProvNum" in bad.err
    assert admin_as(it, *base, "set-provider", "ghost", "2").code == 2

    check = reopened(root, it.clock)
    assert check.users.provider_of(dentist_id) == 2
    summary = next(u for u in check.users.list(SETUP) if u.login == "drsmith")
    assert summary.prov_num == 2
    rows = [AuditEntry.from_row(*r).data for r in check.trail.repository.rows()]
    entry = next(r for r in rows if r["action"] == "provider_linked")
    assert entry["actor_id"] == it.user_id and entry["outcome"] == "success"
    check.close()

    unlinked = admin_as(it, *base, "set-provider", "drsmith", "0")
    assert unlinked.code == 0 and "no longer linked" in unlinked.out
    check = reopened(root, it.clock)
    assert check.users.provider_of(dentist_id) is None
    check.close()


def test_only_a_role_that_manages_users_may_link_a_provider(cheap_services: Services) -> None:
    s = cheap_services
    s.users.add(SETUP, "drsmith", Role.DENTIST, PASSWORD, temporary=False)
    dentist = Actor("someone", ActorType.HUMAN, Role.DENTIST)
    with pytest.raises(AccessDenied):
        s.users.set_provider(dentist, "drsmith", 1)
    record = s.accounts.by_login("drsmith")
    assert record is not None and s.users.provider_of(record.user_id) is None
