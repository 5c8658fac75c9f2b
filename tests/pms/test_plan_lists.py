"""Insurance plans for a worklist from Open Dental's plan lists in pages, not one request per
patient; the same facts as FamilyModules gives; against the simulator over HTTP."""

from __future__ import annotations

import pytest

from app.bootstrap import Services
from services.access import Purpose
from services.clock import ManualClock
from services.pms.directory import PatientDirectory
from services.pms.opendental import OpenDentalClient
from services.pms.plans import PER_PATIENT_UP_TO
from services.pms.simulator import SimulatorServer
from storage.contacts_repo import ContactsRepository
from tests.pms.conftest import StartSim
from tests.sim_client import client_to

PURPOSE = Purpose.INSURANCE_VERIFICATION


@pytest.fixture
def sim(start_sim: StartSim) -> SimulatorServer:
    return start_sim(600)


def client(
    sim: SimulatorServer, concurrency: int = 1, directory: PatientDirectory | None = None
) -> OpenDentalClient:
    return client_to(sim, directory=directory, concurrency=concurrency)


def asked(sim: SimulatorServer, since: int) -> list[str]:
    return [path.split("?")[0].removeprefix("/api/v1") for _method, path in sim.requests[since:]]


def test_a_worklist_reads_the_plan_lists_and_finds_what_family_modules_finds(
    sim: SimulatorServer,
) -> None:
    pms = client(sim, concurrency=4)
    patients = sorted(sim.practice.patients)
    worklist = patients[:150]  # insured and not
    start = len(sim.requests)
    from_lists = pms.insurance_of(PURPOSE, worklist)
    paths = asked(sim, start)
    assert not any(p.startswith("/familymodules/") for p in paths)
    assert {"/patplans", "/inssubs", "/insplans", "/carriers"} <= set(paths)
    one_by_one = {n: pms.insurance_for(PURPOSE, n) for n in worklist}
    assert from_lists == one_by_one
    insured = [f for f in from_lists.values() if f is not None]
    assert insured and len(insured) < len(worklist)
    assert all(f.carrier and f.subscriber_id and f.group_number for f in insured)
    assert all(f.pat_plan_num for f in insured)
    pms.close()  # its reader threads end with it


def test_the_requests_do_not_grow_with_the_worklist(
    sim: SimulatorServer, cheap_services: Services, clock: ManualClock
) -> None:
    # Birth dates from the patient directory, as the app wires it (loaded once here).
    directory = PatientDirectory(ContactsRepository(cheap_services.installation.db), clock)
    pms = client(sim, directory=directory)
    patients = sorted(sim.practice.patients)
    pms.insurance_of(PURPOSE, patients)
    counts = []
    for size in (PER_PATIENT_UP_TO + 1, 100, len(patients)):
        start = len(sim.requests)
        pms.insurance_of(PURPOSE, patients[:size])
        counts.append(len(sim.requests) - start)
    assert counts[0] == counts[1] == counts[2], counts
    # The lists in pages of 100 (a plan each for about 70% of 600 patients), one for carriers
    # and the directory's one look for changed patients.
    assert counts[0] <= 3 * 6 + 1 + 1
    start = len(sim.requests)
    pms.insurance_of(PURPOSE, patients[:PER_PATIENT_UP_TO])  # a few: one FamilyModules each
    assert asked(sim, start) == [f"/familymodules/{n}/Insurance" for n in patients[:10]]
