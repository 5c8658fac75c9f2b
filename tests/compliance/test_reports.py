"""Reports: names only for roles that may resolve pseudonyms, every report audited; checklist."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from services.access.policy import AccessDenied
from services.audit import RecordKind, verify_local
from services.compliance.checklist import ChecklistSources, Status, checklist
from services.compliance.facts import AccountDirectoryFacts
from services.compliance.reports import (
    access_review,
    breach_assessment,
    patient_access_report,
    sign_access_review,
)
from tests.compliance import world
from tests.compliance.world import BILLING, FRONT, IT, MANAGER, NAMES, OFFICER, PATIENT


@pytest.fixture
def practice(services, clock):  # type: ignore[no-untyped-def]
    repo = world.build(services, clock)
    return services, repo


def _last(services) -> dict:  # type: ignore[no-untyped-def, type-arg]
    rows = list(services.trail.repository.rows())
    return json.loads(rows[-1][1])


def test_compliance_officer_sees_the_name_and_the_read_is_audited(
    practice, clock, fake_phi
) -> None:  # type: ignore[no-untyped-def]
    services, _ = practice
    users = AccountDirectoryFacts(services.accounts)
    report = patient_access_report(
        services.gateway, clock, OFFICER, str(PATIENT), names=NAMES.get, users=users
    )
    assert report.named and report.patient_label == fake_phi["name"]
    assert {r.actor_id for r in report.rows} >= {FRONT.actor_id, "user_drlee"}
    assert any(r.actor_label == "Robin Front, Front desk (user_frontdesk1)" for r in report.rows)
    assert any("break_glass" in r.flags for r in report.rows)
    entry = _last(services)
    assert entry["action"] == "patient_access_report" and entry["purpose"] == "access_report"
    assert entry["patient_id"] == services.trail.ref(RecordKind.PATIENT, PATIENT)
    assert fake_phi["last_name"] not in json.dumps(entry)
    # Asked again by pseudonym: the same rows plus the first report's own entry.
    again = patient_access_report(
        services.gateway, clock, OFFICER, report.patient_ref, names=NAMES.get
    )
    assert again.patient_label == fake_phi["name"] and len(again.rows) == len(report.rows) + 1


def test_office_manager_gets_pseudonyms_only(practice, clock, fake_phi) -> None:  # type: ignore[no-untyped-def]
    services, _ = practice
    ref = services.trail.ref(RecordKind.PATIENT, PATIENT)
    report = patient_access_report(services.gateway, clock, MANAGER, ref, names=NAMES.get)
    assert not report.named and report.patient_label == ref
    assert fake_phi["last_name"] not in repr(report)
    assert _last(services)["flags"] == ["pseudonymous"]
    with pytest.raises(AccessDenied, match="record number"):
        patient_access_report(services.gateway, clock, MANAGER, str(PATIENT), names=NAMES.get)
    denied = _last(services)
    assert denied["outcome"] == "failure" and denied["actor_id"] == MANAGER.actor_id


@pytest.mark.parametrize("actor", [FRONT, BILLING, IT])
def test_other_roles_are_refused_and_the_attempt_is_audited(practice, clock, actor) -> None:  # type: ignore[no-untyped-def]
    services, _ = practice
    ref = services.trail.ref(RecordKind.PATIENT, PATIENT)
    for patient in (str(PATIENT), ref):
        with pytest.raises(AccessDenied):
            patient_access_report(services.gateway, clock, actor, patient, names=NAMES.get)
        entry = _last(services)
        assert entry["outcome"] == "failure" and entry["actor_id"] == actor.actor_id
    assert verify_local(services.trail.repository).ok


def test_breach_assessment_counts_patients_and_sets_the_deadline(practice, clock, fake_phi) -> None:  # type: ignore[no-untyped-def]
    services, _ = practice
    now = clock.now()
    start, end = now - timedelta(days=3), now + timedelta(minutes=1)
    named = breach_assessment(
        services.gateway,
        clock,
        OFFICER,
        start,
        end,
        actor_id=FRONT.actor_id,
        discovered=date(2026, 11, 23),
        names=NAMES.get,
    )
    assert named.notify_by == date(2027, 1, 22)
    assert len(named.patients) == 64  # 4 + 60 distinct (the report patient twice)
    mine = next(p for p in named.patients if p.label == fake_phi["name"])
    assert mine.accesses == 2 and mine.first_access < mine.last_access
    assert named.entries == 4 + 1 + 1 + 60  # reads, sign-in and the burst
    touched = [
        json.loads(b) for _, b, _ in services.trail.repository.rows() if '"breach_assessment"' in b
    ]
    assert len(touched) == 64 and all(t["purpose"] == "breach_assessment" for t in touched)

    plain = breach_assessment(services.gateway, clock, MANAGER, start, end, actor_id=FRONT.actor_id)
    assert not plain.named and all(p.label.startswith("pt_") for p in plain.patients)
    assert fake_phi["last_name"] not in repr(plain)
    with pytest.raises(AccessDenied):
        breach_assessment(services.gateway, clock, FRONT, start, end)


def test_access_review_flags_and_sign_off(practice, clock) -> None:  # type: ignore[no-untyped-def]
    services, repo = practice
    users = AccountDirectoryFacts(services.accounts)
    review = access_review(users, repo, services.gateway, clock, OFFICER)
    by_login = {r.login: r for r in review.rows}
    assert by_login["billing"].findings == ("no MFA", "inactive 140 days")
    assert by_login["manager"].password_age_days == 120
    assert by_login["former"].disabled and by_login["former"].findings == ()
    with pytest.raises(AccessDenied):
        sign_access_review(review, repo, services.gateway, clock, MANAGER, "looks fine")
    record = sign_access_review(
        review, repo, services.gateway, clock, OFFICER, "Billing to enrol MFA"
    )
    assert repo.last_review() == record
    assert _last(services)["action"] == "access_review_signed"
    assert "Billing to enrol" not in json.dumps(_last(services))
    with pytest.raises(AccessDenied):
        access_review(users, repo, services.gateway, clock, FRONT)


def test_checklist_reads_live_state(practice, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    services, repo = practice
    inst = services.installation

    class Archive:
        def __init__(self, when):  # type: ignore[no-untyped-def]
            self.when = when

        def last_success(self):  # type: ignore[no-untyped-def]
            return self.when

    src = ChecklistSources(
        database_file=inst.layout.database,
        settings=inst.settings,
        secrets=inst.secrets,
        repo=repo,
        users=AccountDirectoryFacts(services.accounts),
        archive=Archive(None),
        audit_ok=lambda: verify_local(services.trail.repository).ok,
    )

    def status() -> dict[str, Status]:
        return {i.reference.split(" (")[0]: i.status for i in checklist(src, clock.now())}

    s = status()
    assert s["Encryption implemented"] is Status.MET
    assert s["Access controls and authentication implemented"] is Status.NOT_MET  # billing
    assert s["Inactive sessions lock within 15 minutes"] is Status.MET
    assert s["Audit logging implemented with 6-year retention"] is Status.NOT_MET
    assert s["Backup and disaster recovery tested"] is Status.NOT_MET
    assert s["Access control review"] is Status.NOT_MET
    assert s["Quarterly credential rotation scheduled"] is Status.NOT_MET  # no PMS keys
    assert s["BAAs signed with all third-party services"] is Status.MANUAL

    inst.settings.set("idle_lock_minutes", "30", clock.now())
    inst.secrets.put("pms.developer_key", b"d", clock.now())
    inst.secrets.put("pms.customer_key", b"c", clock.now())
    src.archive = Archive(clock.now() - timedelta(hours=2))
    review = access_review(src.users, repo, services.gateway, clock, OFFICER)  # type: ignore[arg-type]
    sign_access_review(review, repo, services.gateway, clock, OFFICER, "ok")
    s = status()
    assert s["Inactive sessions lock within 15 minutes"] is Status.NOT_MET
    assert s["Audit logging implemented with 6-year retention"] is Status.MET
    assert s["Access control review"] is Status.MET
    assert s["Quarterly credential rotation scheduled"] is Status.MET
    clock.advance(91 * 86400)
    s = status()
    assert s["Access control review"] is Status.NOT_MET
    assert s["Quarterly credential rotation scheduled"] is Status.NOT_MET


def test_plaintext_database_fails_the_encryption_item(practice, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    services, repo = practice
    inst = services.installation
    plain = tmp_path / "plain.db"
    plain.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)
    src = ChecklistSources(plain, inst.settings, inst.secrets, repo)
    first = checklist(src, clock.now())[2]
    assert first.key == "encryption" and first.status is Status.NOT_MET
