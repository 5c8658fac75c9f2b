"""The worklists' PMS list pages read side by side on a bounded set of reader threads: the same
rows and the same requests as one at a time, overlapping in the simulator's request log;
against the simulator over HTTP with latency injected."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import pytest

from app.bootstrap import Services
from app.pms_setup import pms_client
from services.access import Actor, ActorType, Purpose, Role
from services.calendar import PracticeCalendar
from services.clock import ManualClock
from services.pms.directory import PatientDirectory
from services.pms.opendental import Mode, OpenDentalClient, read_concurrency_for
from services.pms.records import AptStatus, PmsUnavailable
from services.pms.settings import PmsSettings, write_keys
from services.pms.simulator import Fault, SimulatorServer, SyntheticPractice
from services.workflows.context import DeskContext
from services.workflows.insurance import InsuranceService, VerificationItem
from services.workflows.recall import RecallItem, RecallService
from storage.contacts_repo import ContactsRepository
from storage.desk_repo import DeskRepository
from tests.pms.conftest import StartSim
from tests.sim_client import client_to

FRONT = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)
READERS = 4
PURPOSE = Purpose.INSURANCE_VERIFICATION
LATENCY = 0.02  # seconds added to every request, so that reads in flight together show


@pytest.fixture
def sim(start_sim: StartSim) -> SimulatorServer:
    return start_sim(600, latency=LATENCY)


@pytest.fixture
def contacts(cheap_services: Services) -> ContactsRepository:
    return ContactsRepository(cheap_services.installation.db)


def client(
    sim: SimulatorServer, contacts: ContactsRepository, clock: ManualClock, concurrency: int
) -> OpenDentalClient:
    return client_to(sim, directory=PatientDirectory(contacts, clock), concurrency=concurrency)


def ctx_for(services: Services, pms: OpenDentalClient) -> DeskContext:
    calendar = PracticeCalendar(services.clock, UTC)
    return DeskContext(services.gateway, pms, DeskRepository(services.installation.db), calendar)


def insurance(services: Services, pms: OpenDentalClient) -> list[VerificationItem]:
    return InsuranceService(ctx_for(services, pms), write_back_field=None).worklist(FRONT)


def recalls(services: Services, pms: OpenDentalClient) -> list[RecallItem]:
    return RecallService(ctx_for(services, pms)).overdue(FRONT)


def since(sim: SimulatorServer, start: int) -> list[tuple[str, str]]:
    return sorted(sim.requests[start:])


def overlapping(sim: SimulatorServer, prefix: str) -> bool:
    """Two requests for `prefix` were being answered at the same time."""
    spans = [(b, e) for _m, path, b, e in sim.spans if path.startswith(prefix)]
    return any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1 :])


def readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("pms-read")]


@pytest.mark.parametrize(
    ("load", "lists"),
    [(insurance, ("/api/v1/patplans", "/api/v1/inssubs")), (recalls, ("/api/v1/recalls?",))],
    ids=["insurance worklist", "recall list"],
)
def test_the_list_pages_are_read_side_by_side_with_the_same_rows_and_requests(
    sim: SimulatorServer,
    contacts: ContactsRepository,
    cheap_services: Services,
    clock: ManualClock,
    load: Callable[[Services, OpenDentalClient], list[Any]],
    lists: tuple[str, ...],
) -> None:
    read = load
    one_at_a_time = client(sim, contacts, clock, concurrency=1)
    side_by_side = client(sim, contacts, clock, concurrency=READERS)
    try:
        read(cheap_services, one_at_a_time)  # the patient directory filled once, for both
        start = len(sim.requests)
        sim.peak_in_flight = 0
        before = read(cheap_services, one_at_a_time)
        asked_before = since(sim, start)
        assert sim.peak_in_flight == 1
        assert before

        for _ in range(2):  # the first read learns how far each list goes; the second uses it
            start, spans = len(sim.requests), len(sim.spans)
            sim.peak_in_flight = 0
            after = read(cheap_services, side_by_side)
            assert after == before  # the same rows, in the same order
            assert since(sim, start) == asked_before  # the same requests, none past a list's end
            assert 2 <= sim.peak_in_flight <= READERS
        sim.spans[:] = sim.spans[spans:]
        for path in lists:  # the pages of one list were in flight together
            assert overlapping(sim, path), path
    finally:
        one_at_a_time.close()
        side_by_side.close()


def test_the_reader_threads_are_bounded_and_do_not_grow_with_reads(
    sim: SimulatorServer, contacts: ContactsRepository, cheap_services: Services, clock: ManualClock
) -> None:
    assert not readers()
    pms = client(sim, contacts, clock, concurrency=READERS)
    insurance(cheap_services, pms)
    first = {t.ident for t in readers()}
    assert 2 <= len(first) <= READERS
    sim.peak_in_flight = 0
    for _ in range(5):  # a screen opened again and again: the same threads serve it
        insurance(cheap_services, pms)
        recalls(cheap_services, pms)
        assert {t.ident for t in readers()} == first
    assert sim.peak_in_flight <= READERS
    threads = readers()
    pms.close()
    for t in threads:
        t.join(timeout=10)
    assert not readers()


def test_one_failed_page_fails_the_whole_load_with_the_usual_message(
    sim: SimulatorServer, contacts: ContactsRepository, cheap_services: Services, clock: ManualClock
) -> None:
    messages = []
    for concurrency in (1, READERS, READERS):  # twice side by side: with the pages learnt
        pms = client(sim, contacts, clock, concurrency)
        try:
            insurance(cheap_services, pms)  # a good read first
            # The second page of the subscriptions fails every try, whatever else arrives.
            fault = Fault(r"^/api/v1/inssubs\?.*Offset=100\b", "500", times=10**6)
            sim.faults.insert(0, fault)  # before the latency, which matches every request
            with pytest.raises(PmsUnavailable) as failed:
                insurance(cheap_services, pms)
            messages.append(str(failed.value))
            sim.faults.remove(fault)
            assert insurance(cheap_services, pms)  # and the next load is whole again
        finally:
            pms.close()
    assert len(set(messages)) == 1
    assert "HTTP 500" in messages[0]


def test_a_server_paging_shorter_than_asked_still_gives_the_whole_list(
    sim: SimulatorServer, contacts: ContactsRepository, cheap_services: Services, clock: ManualClock
) -> None:
    one_at_a_time = client(sim, contacts, clock, concurrency=1)
    side_by_side = client(sim, contacts, clock, concurrency=READERS)
    one_at_a_time.page_size = side_by_side.page_size = 1000  # the server still pages at 100
    try:
        before = insurance(cheap_services, one_at_a_time)
        for _ in range(2):
            assert insurance(cheap_services, side_by_side) == before
    finally:
        one_at_a_time.close()
        side_by_side.close()


@pytest.mark.parametrize(("mode", "readers_at_once"), [(Mode.REMOTE, 4), (Mode.LOCAL, 1)])
def test_the_app_reads_as_many_at_once_as_the_mode_allows(
    cheap_services: Services, clock: ManualClock, mode: Mode, readers_at_once: int
) -> None:
    installation = cheap_services.installation
    PmsSettings(mode).write(installation.settings, clock.now())
    write_keys(installation.secrets, "developer", "customer", clock.now())
    pms = pms_client(installation, clock)
    try:
        assert read_concurrency_for(mode) == pms.concurrency == readers_at_once
    finally:
        pms.close()


def three_calls(pms: OpenDentalClient, clock: ManualClock) -> list[Any]:
    """The worklist as it was read before: appointments, then plans, then verifications."""
    today = clock.now().date()
    found = pms.appointments(PURPOSE, today, today + timedelta(days=3), status=AptStatus.SCHEDULED)
    facts = pms.insurance_of(PURPOSE, {a.pat_num for a in found})
    plans = {f.pat_plan_num for f in facts.values() if f is not None and f.pat_plan_num}
    verified = pms.eligibility_verified(plans)
    return [
        (a, facts[a.pat_num], verified.get(f.pat_plan_num) if (f := facts[a.pat_num]) else None)
        for a in found
    ]


def worklist(pms: OpenDentalClient, clock: ManualClock) -> list[Any]:
    today = clock.now().date()
    return list(pms.insurance_worklist(PURPOSE, today, today + timedelta(days=3)))


def test_the_worklist_reads_its_independent_lists_beside_the_appointments(
    sim: SimulatorServer, contacts: ContactsRepository, cheap_services: Services, clock: ManualClock
) -> None:
    before_client = client(sim, contacts, clock, concurrency=1)
    pms = client(sim, contacts, clock, concurrency=READERS)
    try:
        first = three_calls(before_client, clock)  # the directory filled once
        plan = next(f.pat_plan_num for _a, f, _v in first if f is not None and f.pat_plan_num)
        before_client.verify_eligibility(plan, clock.now().date())
        clock.advance(61)  # past the directory's freshness: its changes are asked again
        start = len(sim.requests)
        before = three_calls(before_client, clock)
        asked_before = since(sim, start)
        assert any(verified for _a, _f, verified in before)  # verifications were joined
        assert any(f is not None and f.birthdate for _a, f, _v in before)

        worklist(pms, clock)  # learns that this worklist needs the plan lists
        clock.advance(61)
        start, spans = len(sim.requests), len(sim.spans)
        after = worklist(pms, clock)
        assert after == before  # the same rows, in the same order, the same fields
        assert since(sim, start) == asked_before  # the same requests
        assert [item.appointment for item in insurance(cheap_services, pms)] == sorted(
            (a for a, _f, _v in before), key=lambda a: a.start
        )
    finally:
        before_client.close()
        pms.close()
    mine = sim.spans[spans:]

    def together(a: str, b: str) -> bool:
        firsts = [(s, e) for _m, p, s, e in mine if p.startswith(a)]
        seconds = [(s, e) for _m, p, s, e in mine if p.startswith(b)]
        return any(x[0] < y[1] and y[0] < x[1] for x in firsts for y in seconds)

    api = "/api/v1"
    for other in ("/patients/Simple", "/patplans", "/insverifies"):
        assert together(f"{api}/appointments", f"{api}{other}"), other
    assert together(f"{api}/patients/Simple", f"{api}/insverifies")


def test_a_short_worklist_reads_each_patients_plans_and_never_more_requests(
    clock: ManualClock, contacts: ContactsRepository
) -> None:
    practice = SyntheticPractice(today=clock.now().date(), patients_count=6, clock=clock)
    server = SimulatorServer(practice, page_size=100).start()
    before_client = client(server, contacts, clock, concurrency=1)
    pms = client(server, contacts, clock, concurrency=READERS)
    try:
        three_calls(before_client, clock)
        clock.advance(61)
        start = len(server.requests)
        before = three_calls(before_client, clock)
        asked_before = since(server, start)
        assert before
        assert any("/familymodules/" in path for _m, path in asked_before)
        for _ in range(2):
            clock.advance(61)
            start = len(server.requests)
            assert worklist(pms, clock) == before
            assert since(server, start) == asked_before
    finally:
        before_client.close()
        pms.close()
        server.stop()


def test_a_failed_directory_page_fails_the_whole_worklist(
    sim: SimulatorServer, contacts: ContactsRepository, clock: ManualClock
) -> None:
    pms = client(sim, contacts, clock, concurrency=READERS)
    try:
        good = worklist(pms, clock)
        clock.advance(61)
        fault = Fault(r"^/api/v1/patients/Simple\?", "500", times=10**6)
        sim.faults.insert(0, fault)
        with pytest.raises(PmsUnavailable):
            worklist(pms, clock)
        sim.faults.remove(fault)
        assert worklist(pms, clock) == good
    finally:
        pms.close()
