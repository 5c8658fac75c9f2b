"""The practice's whole audit trail in one place: one hub and three workstations.

The hub is `enamel-hub serve` (its own process). Each workstation is its own data folder,
joined with its own invite through `enamel-admin join` (separate processes); its accesses
go through its own composition root (build_services: the PHI gateway, the trail) and its
archive job seals and sends them to the hub, which indexes them and runs the breach rules
over every workstation's. The compliance officer signs in at one PC (AuthService, the hub
checks the password and the code) and reads the practice's report there. Every clock is a
ManualClock or `--clock-start`. The tests share one office and run in file order.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.access import Actor, ActorType, Purpose, Role
from services.auth import totp
from services.clock import TEST_EPOCH, ManualClock
from tests.hub.kit import init_hub, invite
from tests.hub.test_workstation_e2e import HUB_START, Hub, as_person, new_person, open_pc
from tests.support import Person, admin, admin_process, passphrase_from, person_via_cli

pytestmark = pytest.mark.slow

PRACTICE = "smile-dental-01"
SHARED = 4711  # one patient everyone opens
PER_PC = 20  # below the 50-an-hour limit on each PC; 60 together


@dataclass
class Office:
    hub: Hub
    passphrase: str
    pcs: list[Path]
    ids: list[str]
    alice: Person  # IT
    dana: Person  # front desk: opens the records
    olive: Person  # the compliance officer
    clocks: list[ManualClock] = field(default_factory=list)  # each PC's


def workstation_id(pc: Path) -> str:
    from services.hub.membership import HubMembership
    from storage.layout import DataLayout

    member = HubMembership.load(DataLayout(pc))
    assert member is not None
    return member.workstation_id


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    base = tmp_path_factory.mktemp("practice-audit")
    hub_root, pcs = base / "hub", [base / f"pc{i}" for i in (1, 2, 3)]
    passphrase = init_hub(hub_root)
    hub = Hub(hub_root)
    hub.start()
    try:
        made = admin("--data-dir", str(pcs[0]), "init", "--practice-id", PRACTICE)
        assert made.code == 0, made.err
        clock = ManualClock(TEST_EPOCH + timedelta(minutes=1))
        alice = person_via_cli(pcs[0], passphrase_from(made.out), "alice", "it_admin", clock)
        codes = [invite(hub_root, passphrase, f"PC-{i}") for i in (1, 2, 3)]
        joined = as_person(pcs[0], alice, "join", codes[0], "--name", "PC-1")
        assert joined.code == 0, joined.err
        adopted = as_person(pcs[0], alice, "hub", "adopt")
        assert adopted.code == 0, adopted.err
        for pc, code, name in ((pcs[1], codes[1], "PC-2"), (pcs[2], codes[2], "PC-3")):
            joined = admin_process("--data-dir", str(pc), "join", code, "--name", name)
            assert joined.code == 0, joined.err
        holder: Any = type("Holder", (), {"alice": alice})()
        dana = new_person(holder, pcs[0], "dana", "front_desk")
        olive = new_person(holder, pcs[1], "olive", "compliance_officer")
        yield Office(
            hub,
            passphrase,
            pcs,
            [workstation_id(pc) for pc in pcs],
            alice,
            dana,
            olive,
            [ManualClock(HUB_START + timedelta(minutes=2)) for _ in pcs],
        )
    finally:
        hub.stop()


def open_records(office: Office, i: int, patients: list[int], *, send: bool = True) -> str:
    """Dana opens each patient's record at PC i through its PHI gateway; then one archive
    job round past the minute a partial batch waits (unless `send` is False)."""
    from app.jobs_setup import archive_job
    from services.audit import RecordKind, Touched

    clock = office.clocks[i]
    services = open_pc(office.pcs[i], clock)
    try:
        dana = Actor(office.dana.user_id, ActorType.HUMAN, Role.FRONT_DESK)
        for number in patients:
            services.gateway.read(
                dana,
                Purpose.PATIENT_LOOKUP,
                "patient_viewed",
                lambda: None,
                lambda _, n=number: [Touched(RecordKind.PATIENT, n, n)],
                resource_type="patient",
            )
            clock.advance(1)
        if not send:
            return ""
        clock.advance(90)
        return archive_job(services).run()
    finally:
        services.close()


@dataclass
class SignedIn:
    services: Any
    actor: Actor

    def close(self) -> None:
        self.services.close()


def sign_in(office: Office, i: int, person: Person) -> SignedIn:
    """`person` signs in at PC i through its own AuthService (the hub checks both halves).

    The person's clock goes on to at least the hub's (which runs from `--clock-start` at the
    pace of the test), so the code is typed at a time the hub checks it at."""
    hub_now = HUB_START + timedelta(seconds=time.monotonic() - office.hub._started)
    person.clock.set(max(person.clock.now() + timedelta(seconds=30), hub_now))
    services = open_pc(office.pcs[i], person.clock)
    step = services.auth.check_password(person.login, person.password)
    session = services.auth.check_code(step, totp.code_at(person.secret, person.clock.now()))
    return SignedIn(services, session.actor)


def access_report(signed: SignedIn, patient: int | str) -> Any:
    from app.practice_setup import entry_source
    from services.compliance.reports import patient_access_report

    s = signed.services
    return patient_access_report(s.gateway, s.clock, signed.actor, patient, source=entry_source(s))


def hub_db(office: Office) -> Any:
    from services.installation import open_installation
    from storage.layout import DataLayout
    from tests.support import key_store

    return open_installation(DataLayout(office.hub.root), key_store(office.hub.root))


def hub_rows(office: Office, sql: str, *params: object) -> list[tuple[Any, ...]]:
    inst = hub_db(office)
    try:
        return [tuple(r) for r in inst.db.connection().execute(sql, params)]
    finally:
        inst.close()


def local_alerts(pc: Path) -> list[str]:
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        return [
            str(r[0]) for r in inst.db.connection().execute("SELECT rule FROM compliance_alerts")
        ]
    finally:
        inst.close()


def test_accesses_on_all_three_appear_in_one_patient_s_access_report(office: Office) -> None:
    for i in range(3):
        patients = [SHARED] + [1000 * (i + 1) + n for n in range(1, PER_PC)]
        assert open_records(office, i, patients) == "up to date at the hub"
    indexed = hub_rows(office, "SELECT workstation_id, count(*) FROM hub_entries GROUP BY 1")
    assert {ws for ws, _ in indexed} >= set(office.ids)
    open_records(office, 1, [SHARED], send=False)  # at PC-2, not sealed yet: not at the hub
    signed = sign_in(office, 1, office.olive)
    try:
        report = access_report(signed, SHARED)
    finally:
        signed.close()
    assert report.practice_wide and report.notice == ""
    viewed = [r for r in report.rows if r.action == "patient_viewed"]
    stations = [r.workstation_id for r in viewed]
    assert sorted(stations) == sorted([*office.ids, office.ids[1]])  # PC-2's twice, no duplicate
    assert {r.actor_id for r in viewed} == {office.dana.user_id}
    assert [report.workstations[ws] for ws in office.ids] == ["PC-1", "PC-2", "PC-3"]
    # The hub recorded who looked at the practice's trail, from where.
    asked = hub_rows(
        office,
        "SELECT body FROM audit_log WHERE json_extract(body, '$.action') = ?",
        "patient_access_report",
    )
    last = json.loads(asked[-1][0])
    assert last["actor_id"] == office.olive.user_id and last["resource_id"] == office.ids[1]


def test_a_breach_rule_fires_on_the_combined_count_and_the_officer_sees_it_elsewhere(
    office: Office,
) -> None:
    alerts = hub_rows(office, "SELECT rule, subject, summary FROM compliance_alerts")
    assert [(rule, subject) for rule, subject, _ in alerts] == [
        ("patient_volume", office.dana.user_id)
    ]
    assert "distinct patients within an hour" in alerts[0][2]
    for pc in office.pcs:  # one misuse, one alert: none raised at any PC
        assert local_alerts(pc) == []
    signed = sign_in(office, 2, office.olive)  # at PC-3 this time
    try:
        from app.practice_setup import entry_source
        from services.compliance.reports import breach_assessment

        s = signed.services
        start = HUB_START
        assessment = breach_assessment(
            s.gateway,
            s.clock,
            signed.actor,
            start,
            start + timedelta(hours=2),
            actor_id=office.dana.user_id,
            source=entry_source(s),
        )
        assert assessment.practice_wide and assessment.notes == []
        assert len(assessment.patients) == 3 * PER_PC - 2  # the shared patient once
        assert s.compliance.scan(s) == []  # the PC's own sweep leaves the rules to the hub
        views = signed.services.compliance.alerts.views(signed.actor)
        assert [v.alert.rule for v in views] == ["patient_volume"]
        assert signed.services.compliance.alerts.unacknowledged_count() == 1
        signed.services.compliance.alerts.acknowledge(
            signed.actor, views[0].alert.alert_id, "Spoke with Dana: a recall campaign."
        )
        assert signed.services.compliance.alerts.unacknowledged_count() == 0
    finally:
        signed.close()
    signed = sign_in(office, 0, office.olive)  # and PC-1 sees it acknowledged
    try:
        (view,) = signed.services.compliance.alerts.views(signed.actor)
        assert view.alert.acknowledged_by == office.olive.user_id
    finally:
        signed.close()


def test_a_role_without_the_permission_is_refused_by_the_hub_and_recorded(office: Office) -> None:
    from services.access.policy import AccessDenied
    from services.audit.sources import AUDIT_VIEW
    from storage.hub_entries_repo import EntryFilter

    signed = sign_in(office, 0, office.dana)  # front desk: no VIEW_AUDIT
    try:
        from app.practice_setup import entry_source

        source = entry_source(signed.services)
        with pytest.raises(AccessDenied, match="does not allow"):
            source.find(signed.actor, AUDIT_VIEW, EntryFilter(), 10)
        from services.compliance.alerts import AlertService  # the alerts too

        hub_alerts = signed.services.compliance.alerts._practice
        assert hub_alerts is not None
        with pytest.raises(AccessDenied):
            hub_alerts.alerts(signed.actor, False)
        assert AlertService  # imported for the reader: the service checks locally first
    finally:
        signed.close()
    refused = hub_rows(
        office,
        "SELECT body FROM audit_log WHERE json_extract(body, '$.actor_id') = ? "
        "AND json_extract(body, '$.outcome') = 'failure'",
        office.dana.user_id,
    )
    actions = [json.loads(b)["action"] for (b,) in refused]
    assert "audit_view" in actions and "alerts_view" in actions


def test_with_the_hub_away_the_report_is_this_workstation_s_only_and_says_so(
    office: Office,
) -> None:
    signed = sign_in(office, 1, office.olive)
    try:
        office.hub.stop()
        try:
            report = access_report(signed, SHARED)
        finally:
            office.hub.start()
    finally:
        signed.close()
    assert not report.practice_wide
    assert "this workstation's entries only" in report.notice
    assert {r.workstation_id for r in report.rows} == {office.ids[1]}


def test_a_stopped_workstation_catches_up_without_a_gap(office: Office) -> None:
    from services.archive.backends import ArchiveUnavailable

    office.hub.stop()
    try:
        with pytest.raises(ArchiveUnavailable):  # PC-3's job cannot reach the hub
            open_records(office, 2, [SHARED, 3901, 3902])
    finally:
        office.hub.start()
    assert open_records(office, 2, [3903]) == "up to date at the hub"
    seqs = [
        int(s)
        for (s,) in hub_rows(
            office,
            "SELECT seq FROM hub_entries WHERE workstation_id = ? ORDER BY seq",
            office.ids[2],
        )
    ]
    assert seqs == list(range(1, seqs[-1] + 1))  # every entry, from seq 1, no gap
    signed = sign_in(office, 0, office.olive)
    try:
        report = access_report(signed, SHARED)
    finally:
        signed.close()
    at_pc3 = [
        r for r in report.rows if r.action == "patient_viewed" and r.workstation_id == office.ids[2]
    ]
    assert len(at_pc3) == 2  # the first round's and the one made while the hub was away


def test_the_audit_viewer_filters_the_practice_s_entries_by_workstation(office: Office) -> None:
    from datetime import date

    from services.audit.browse import ViewerFilters
    from services.compliance.people import audit_page

    signed = sign_in(office, 0, office.olive)
    try:
        from app.practice_setup import entry_source

        s = signed.services
        day = s.clock.now().date()
        page = audit_page(
            s.trail,
            signed.actor,
            None,
            day - timedelta(days=1),
            day + timedelta(days=1),
            filters=ViewerFilters(workstation_id=office.ids[1], actor_id=office.dana.user_id),
            source=entry_source(s),
        )
        assert isinstance(day, date)
        everything = audit_page(
            s.trail,
            signed.actor,
            None,
            day - timedelta(days=1),
            day + timedelta(days=1),
            source=entry_source(s),
        )
    finally:
        signed.close()
    assert page.practice_wide and page.entries
    assert {e.data["workstation_id"] for e in page.entries} == {office.ids[1]}
    assert {e.data["actor_id"] for e in page.entries} == {office.dana.user_id}
    # The hub's own trail is there too: who read the practice's trail, from where.
    (hub_id,) = hub_rows(office, "SELECT json_extract(body, '$.workstation_id') FROM audit_log")[0]
    assert {e.data["workstation_id"] for e in everything.entries} >= {hub_id, *office.ids}
    asked = [
        e.data
        for e in everything.entries
        if e.data["workstation_id"] == hub_id and e.data["action"] == "patient_access_report"
    ]
    assert asked and asked[0]["actor_id"] == office.olive.user_id
    assert everything.workstations[hub_id] == "Practice hub"


def test_the_hub_indexes_at_start_up_what_it_stored_but_did_not_index(office: Office) -> None:
    ws = office.ids[1]
    query = "SELECT seq, hash FROM hub_entries WHERE workstation_id = ? ORDER BY seq"
    before = hub_rows(office, query, ws)
    office.hub.stop()
    try:
        inst = hub_db(office)
        try:
            with inst.db.transaction() as conn:
                conn.execute("DELETE FROM hub_entries WHERE workstation_id = ?", (ws,))
        finally:
            inst.close()
    finally:
        office.hub.start()
    assert before and hub_rows(office, query, ws) == before
    # Evaluated again as it is indexed again: the alert it raised is not raised twice.
    assert len(hub_rows(office, "SELECT 1 FROM compliance_alerts")) == 1


def test_verify_practice_passes_then_names_an_altered_and_a_withheld_batch(office: Office) -> None:
    from tests.hub.test_hub_batches import _alter

    ok = admin("--data-dir", str(office.hub.root), "audit", "verify", "--practice")
    assert ok.code == 0, ok.out + ok.err
    for ws in office.ids:
        assert f"OK     {ws}" in ok.out
    ws = office.ids[2]
    name, first, last = (
        hub_rows(
            office,
            "SELECT name, first_seq, last_seq FROM hub_batches WHERE workstation_id = ? "
            "ORDER BY first_seq",
            ws,
        )
    )[0]
    _alter(office, name)  # type: ignore[arg-type]
    altered = admin("--data-dir", str(office.hub.root), "audit", "verify", "--practice")
    assert altered.code == 1
    assert f"FAILED {ws}" in altered.out
    assert f"{ws}/{first:012d}-{last:012d}: the signature is not the workstation's" in altered.out
    inst = hub_db(office)
    try:
        with inst.db.transaction() as conn:
            conn.execute("DELETE FROM hub_batches WHERE name = ?", (name,))
    finally:
        inst.close()
    withheld = admin("--data-dir", str(office.hub.root), "audit", "verify", "--practice")
    assert withheld.code == 1
    assert f"FAILED {ws}" in withheld.out and f"expected seq {first}" in withheld.out


def test_a_revoked_workstation_reads_nothing_of_the_practice(office: Office) -> None:
    from services.hub.client import HubRevoked

    signed = sign_in(office, 0, office.olive)
    try:
        revoked = admin("--data-dir", str(office.hub.root), "hub", "revoke", office.ids[0],
                        "--recovery-passphrase-stdin", stdin=office.passphrase + "\n")  # fmt: skip
        assert revoked.code == 0, revoked.err
        with pytest.raises(HubRevoked):
            access_report(signed, SHARED)
    finally:
        signed.close()
