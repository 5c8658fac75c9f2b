"""Which screens each role gets: the pure function, checked without Qt against a literal table."""

from __future__ import annotations

from datetime import timedelta

from services.access import Actor, ActorType, Purpose, Role
from services.access.screens import Screen, screens_for
from services.clock import TEST_EPOCH

S = Screen
DESK = (S.SCHEDULE, S.PATIENTS, S.NO_SHOWS, S.INSURANCE, S.RECALL, S.CONFLICTS, S.WAITLIST)
EXPECTED = {
    Role.FRONT_DESK: DESK,
    Role.OFFICE_MANAGER: (*DESK, S.ALERTS, S.REPORTS, S.USERS),
    Role.DENTIST: (S.SCHEDULE, S.CONFLICTS),
    Role.HYGIENIST: (S.SCHEDULE, S.CONFLICTS),
    Role.BILLING: (S.INSURANCE,),
    Role.COMPLIANCE_OFFICER: (S.AUDIT, S.ALERTS, S.REPORTS, S.ACCESS_REVIEW, S.CHECKLIST),
    Role.IT_ADMIN: (S.CHECKLIST, S.USERS),  # administers; no screen shows PHI
}


def test_each_role_gets_exactly_its_screens_in_rail_order() -> None:
    for role, wanted in EXPECTED.items():
        actor = Actor(f"user_{role.value}", ActorType.HUMAN, role)
        assert screens_for(actor, TEST_EPOCH) == wanted, role


def test_break_glass_adds_screens_only_while_the_grant_lasts() -> None:
    until = TEST_EPOCH + timedelta(hours=1)
    dentist = Actor(
        "user_d",
        ActorType.HUMAN,
        Role.DENTIST,
        break_glass_id="bg_1",
        break_glass_until=until,
        break_glass_purposes=frozenset({Purpose.PATIENT_LOOKUP}),
    )
    assert screens_for(dentist, TEST_EPOCH) == (S.SCHEDULE, S.PATIENTS, S.CONFLICTS)
    assert screens_for(dentist, until + timedelta(seconds=1)) == (S.SCHEDULE, S.CONFLICTS)
