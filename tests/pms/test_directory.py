"""The patient directory: contacts loaded once into the encrypted database, kept current with
DateTStamp increments, read through the PHI gateway as before; against the simulator over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, timedelta

import httpx
import pytest

from app.bootstrap import Services
from services.access import FIELD_SETS, Actor, ActorType, Purpose, Role
from services.audit import AuditEntry, RecordKind
from services.calendar import PracticeCalendar
from services.clock import ManualClock
from services.pms.directory import PatientDirectory
from services.pms.opendental import OpenDentalClient
from services.pms.records import AptStatus
from services.pms.simulator import SimulatorServer
from services.workflows.context import DeskContext
from services.workflows.insurance import InsuranceService
from services.workflows.recall import RecallService
from services.workflows.schedule import ScheduleService
from storage.contacts_repo import ContactsRepository
from storage.desk_repo import DeskRepository
from tests.pms.conftest import StartSim
from tests.sim_client import client_to

FRONT = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)


@pytest.fixture
def sim(start_sim: StartSim) -> SimulatorServer:
    return start_sim(300)


def client_for(
    sim: SimulatorServer, directory: PatientDirectory | None, concurrency: int = 1
) -> OpenDentalClient:
    return client_to(sim, directory=directory, concurrency=concurrency)


@pytest.fixture
def contacts(cheap_services: Services) -> ContactsRepository:
    return ContactsRepository(cheap_services.installation.db)


@pytest.fixture
def client(
    sim: SimulatorServer, contacts: ContactsRepository, clock: ManualClock
) -> Iterator[OpenDentalClient]:
    pms = client_for(sim, PatientDirectory(contacts, clock))
    yield pms
    pms.close()


def ctx_for(services: Services, pms: OpenDentalClient) -> DeskContext:
    calendar = PracticeCalendar(services.clock, UTC)
    return DeskContext(services.gateway, pms, DeskRepository(services.installation.db), calendar)


def patient_gets(sim: SimulatorServer) -> list[str]:
    return [p for m, p in sim.requests if m == "GET" and p.startswith("/api/v1/patients/")]


def put_patient(sim: SimulatorServer, pat_num: int, body: dict[str, str]) -> None:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    response = httpx.put(f"{sim.url}/patients/{pat_num}", json=body, headers=headers)
    assert response.status_code == 200, response.text


def expected_name(sim: SimulatorServer, pat_num: int) -> str:
    record = sim.practice.patients[pat_num]
    return f"{record['Preferred'] or record['FName']} {record['LName']}"


def test_the_schedule_loads_every_contact_once_and_then_asks_only_for_changes(
    sim: SimulatorServer, client: OpenDentalClient, clock: ManualClock
) -> None:
    day = clock.now().date()
    first = client.appointments(Purpose.SCHEDULE, day, day)
    assert first and all(a.patient_name for a in first)
    for a in first:
        assert a.patient_name == expected_name(sim, a.pat_num)
    simple = [p for p in patient_gets(sim) if p.startswith("/api/v1/patients/Simple")]
    assert len(simple) == 4  # 300 patients: three full pages of 100 and the empty last one
    assert len(patient_gets(sim)) == 4  # and no Patients GET (single)

    sim.requests.clear()
    client.appointments(Purpose.SCHEDULE, day, day)
    assert patient_gets(sim) == []  # within a minute of the last sync: the cache as it is

    changed = first[0].pat_num
    put_patient(sim, changed, {"FName": "Renamed", "WirelessPhone": "(503)555-0142"})
    clock.advance(61)
    sim.requests.clear()
    again = client.appointments(Purpose.SCHEDULE, day, day)
    asked = patient_gets(sim)
    assert len(asked) == 1 and "DateTStamp=" in asked[0]  # only what changed, as documented
    moved = {a.pat_num: a for a in again}[changed]
    assert moved.patient_name == f"Renamed {sim.practice.patients[changed]['LName']}"
    assert moved.phone == "(503)555-0142"


def test_the_directory_keeps_only_the_contact_fields(
    sim: SimulatorServer,
    client: OpenDentalClient,
    contacts: ContactsRepository,
    cheap_services: Services,
    clock: ManualClock,
) -> None:
    day = clock.now().date()
    client.appointments(Purpose.SCHEDULE, day, day)
    assert contacts.count() == len(sim.practice.patients)
    conn = cheap_services.installation.db.connection()
    columns = [r[1] for r in conn.execute("PRAGMA table_info(patient_contacts)")]
    assert columns == ["pat_num", "name", "birthdate", "phone", "email", "changed_at"]
    dump = "\n".join(str(row) for row in conn.execute("SELECT * FROM patient_contacts"))
    some = next(iter(sim.practice.patients.values()))
    assert some["Address"] not in dump and some["ImageFolder"] not in dump
    # A purpose still gets only its own fields: the conflicts list no names, insurance no phone.
    assert all(
        a.patient_name is None for a in client.appointments(Purpose.APPOINTMENT_CONFLICTS, day, day)
    )
    insured = next(iter(sim.practice.insurance))
    facts = client.insurance_of(Purpose.INSURANCE_VERIFICATION, [insured])[insured]
    assert facts is not None
    assert facts.birthdate == date.fromisoformat(sim.practice.patients[insured]["Birthdate"])


def test_a_patient_the_directory_lacks_is_read_on_its_own(
    sim: SimulatorServer, contacts: ContactsRepository, clock: ManualClock
) -> None:
    pms = client_for(sim, PatientDirectory(contacts, clock), concurrency=4)
    try:
        day = clock.now().date()
        pms.appointments(Purpose.SCHEDULE, day, day)
        # A patient added after the sync (the feed is fresh, so it is not asked again).
        newcomer = dict(sim.practice.patients[1001], PatNum=9999, LName="Newcomer")
        with sim.practice.lock:
            sim.practice.patients[9999] = newcomer
            apt = next(
                a
                for a in sim.practice.appointments.values()
                if a["AptDateTime"][:10] == day.isoformat()
            )
            apt["PatNum"] = 9999
        sim.requests.clear()
        found = pms.appointments(Purpose.SCHEDULE, day, day)
        assert patient_gets(sim) == ["/api/v1/patients/9999"]
        assert {a.pat_num: a.patient_name for a in found}[9999].endswith("Newcomer")
    finally:
        pms.close()


def test_reads_from_the_directory_are_audited_as_before(
    sim: SimulatorServer,
    client: OpenDentalClient,
    cheap_services: Services,
    clock: ManualClock,
) -> None:
    ctx = ctx_for(cheap_services, client)
    day = ScheduleService(ctx).day(FRONT, clock.now().date())
    rows = [AuditEntry.from_row(*r).data for r in cheap_services.trail.repository.rows()]
    reads = [e for e in rows if e["action"] == "schedule_view"]
    assert len(reads) >= len(day.appointments) > 0  # one entry per appointment read
    assert {tuple(e["fields"]) for e in reads} == {
        tuple(sorted(f.value for f in FIELD_SETS[Purpose.SCHEDULE]))
    }
    refs = {e["patient_id"] for e in reads}
    for a in day.appointments:
        assert cheap_services.trail.ref(RecordKind.PATIENT, a.pat_num) in refs

    before = cheap_services.trail.repository.count()
    items = RecallService(ctx).overdue(FRONT)
    assert items and all(i.recall.patient_name and i.recall.phone for i in items)
    recall_reads = [AuditEntry.from_row(*r).data for r in cheap_services.trail.repository.rows()][
        before:
    ]
    assert len(recall_reads) == len(items)
    assert {e["purpose"] for e in recall_reads} == {"recall_reminders"}

    work = InsuranceService(ctx, write_back_field=None).worklist(FRONT)
    assert work and all(w.appointment.patient_name for w in work)
    assert all(w.appointment.phone is None for w in work)  # not in the insurance field set
    assert all(w.appointment.status is AptStatus.SCHEDULED for w in work)


def test_a_full_reload_when_the_directory_was_forgotten(
    sim: SimulatorServer,
    client: OpenDentalClient,
    contacts: ContactsRepository,
    clock: ManualClock,
) -> None:
    day = clock.now().date() + timedelta(days=1)
    client.appointments(Purpose.SCHEDULE, day, day)
    assert client.directory is not None
    client.directory.forget()
    assert contacts.count() == 0 and contacts.sync_state("patients") is None
    sim.requests.clear()
    client.appointments(Purpose.SCHEDULE, day, day)
    assert contacts.count() == len(sim.practice.patients)
    assert all("DateTStamp" not in p for p in patient_gets(sim))
