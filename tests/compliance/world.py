"""A small practice for report, UI and screenshot tests: accounts, a seeded trail, alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, Outcome, RecordKind
from services.clock import ManualClock
from services.compliance.breach.engine import AlertEngine
from services.compliance.facts import AccountDirectoryFacts
from storage.accounts_repo import AccountRecord
from storage.compliance_repo import ComplianceRepository
from tests.support import FAKE_PHI

PATIENT = 4217  # the record number whose access report the tests ask for
NAMES = {str(PATIENT): FAKE_PHI["name"]}
GLASS_REASON = "Patient in pain on a Sunday, chart needed."

FRONT = Actor("user_frontdesk1", ActorType.HUMAN, Role.FRONT_DESK)
MANAGER = Actor("user_manager", ActorType.HUMAN, Role.OFFICE_MANAGER)
OFFICER = Actor("user_compliance", ActorType.HUMAN, Role.COMPLIANCE_OFFICER)
DENTIST = Actor("user_drlee", ActorType.HUMAN, Role.DENTIST)
BILLING = Actor("user_billing", ActorType.HUMAN, Role.BILLING)
IT = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)


def _account(
    actor: Actor,
    name: str,
    now: datetime,
    *,
    mfa: bool = True,
    disabled: bool = False,
    age: int = 20,
    last: int | None = 1,
) -> AccountRecord:
    return AccountRecord(
        user_id=actor.actor_id,
        login=actor.actor_id.removeprefix("user_"),
        display_name=name,
        role=actor.role.value,
        password_hash="$argon2id$test",
        totp_enrolled=mfa,
        last_totp_step=0,
        failures=0,
        last_failure_at=None,
        locked_until=None,
        disabled=disabled,
        must_change_password=False,
        created_at=now - timedelta(days=400),
        password_changed_at=now - timedelta(days=age),
        last_sign_in_at=None if last is None else now - timedelta(days=last),
    )


def build(services, clock: ManualClock) -> ComplianceRepository:  # type: ignore[no-untyped-def]
    """Accounts, three days of activity, and the alerts they raise."""
    now = clock.now()
    accounts = services.accounts
    for record in (
        _account(FRONT, "Robin Front", now),
        _account(MANAGER, "Morgan Manager", now, age=120),
        _account(OFFICER, "Casey Compliance", now),
        _account(DENTIST, "Dr. Lee", now, last=3),
        _account(BILLING, "Bailey Billing", now, mfa=False, last=140),
        _account(
            Actor("user_former", ActorType.HUMAN, Role.FRONT_DESK),
            "Former Temp",
            now,
            disabled=True,
            last=200,
        ),
    ):
        accounts.create(record)
    repo = ComplianceRepository(services.installation.db)
    engine = AlertEngine(services.trail, repo, clock, users=AccountDirectoryFacts(accounts))
    engine.attach()
    trail = services.trail

    def read(
        actor: Actor, patients: list[int], purpose: str = "schedule", flags: tuple[str, ...] = ()
    ) -> None:
        trail.append_batch(
            [
                AuditEvent(
                    action="schedule_read",
                    actor=actor,
                    resource_type="appointment",
                    patient_id=trail.ref(RecordKind.PATIENT, n),
                    resource_id=trail.ref(RecordKind.APPOINTMENT, n * 10),
                    purpose=purpose,
                    fields=("patient_name", "phone", "appointment_date"),
                    flags=flags,
                )
                for n in patients
            ],
            [(trail.ref(RecordKind.PATIENT, n), RecordKind.PATIENT, n) for n in patients],
        )

    clock.set(now - timedelta(days=2))
    read(FRONT, [PATIENT, 11, 12, 13])
    clock.advance(3600)
    read(DENTIST, [PATIENT], purpose="clinical_schedule")
    clock.set(now - timedelta(days=1))
    trail.append(AuditEvent(action="sign_in", actor=FRONT, resource_type="session"))
    read(FRONT, [PATIENT], purpose="no_show_rescheduling")
    for _ in range(5):
        trail.append(
            AuditEvent(
                action="sign_in", actor=MANAGER, outcome=Outcome.FAILURE, resource_type="session"
            )
        )
        clock.advance(30)
    clock.set(now - timedelta(hours=3))
    read(FRONT, list(range(100, 160)))  # a burst: 60 patients in an hour
    grant_at = clock.now()
    accounts.add_break_glass(
        {
            "id": "bg_world",
            "user_id": DENTIST.actor_id,
            "reason": GLASS_REASON,
            "purposes": "schedule",
            "started_at": grant_at.isoformat(),
            "until": (grant_at + timedelta(hours=1)).isoformat(),
        }
    )
    trail.append(
        AuditEvent(
            action="break_glass_start",
            actor=DENTIST,
            resource_type="session",
            resource_id="bg_world",
            flags=("break_glass",),
        )
    )
    read(DENTIST, [PATIENT], flags=("break_glass",))
    trail.append(AuditEvent(action="call_list_export", actor=MANAGER, resource_type="recall"))
    clock.set(now)
    return repo
