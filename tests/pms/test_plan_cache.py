"""The insurance worklist's plan lists kept in the encrypted database: later use asks only for
the SecDateTEdit changes, and still shows an edited subscription, a new verification and a
dropped plan (saying when coverage was read while it uses the kept copy); against the
simulator over HTTP and a real SQLCipher file."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.access import Purpose
from services.clock import ManualClock
from services.pms.directory import PatientDirectory
from services.pms.opendental import OpenDentalClient
from services.pms.plan_cache import COVERAGE_FOR, PlanCache
from services.pms.records import InsuranceFacts, PmsUnavailable
from services.pms.simulator import Fault, SimulatorServer
from storage.contacts_repo import ContactsRepository
from storage.database import Database
from storage.plan_rows_repo import PlanRowsRepository
from tests.pms.conftest import StartSim
from tests.sim_client import client_to

PURPOSE = Purpose.INSURANCE_VERIFICATION
Row = tuple[Any, InsuranceFacts | None, date | None]


@pytest.fixture
def sim(start_sim: StartSim) -> SimulatorServer:
    return start_sim(600)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database.create(tmp_path / "desk.db", secrets.token_bytes(32))
    yield database
    database.close()


@pytest.fixture
def pms(sim: SimulatorServer, db: Database, clock: ManualClock) -> Iterator[OpenDentalClient]:
    client = client_to(
        sim,
        directory=PatientDirectory(ContactsRepository(db), clock),
        plans=PlanCache(PlanRowsRepository(db), clock),
        concurrency=4,
    )
    yield client
    client.close()


def worklist(pms: OpenDentalClient, clock: ManualClock) -> list[Row]:
    today = clock.now().date()
    return pms.insurance_worklist(PURPOSE, today, today + timedelta(days=3))


def from_the_pms(sim: SimulatorServer, clock: ManualClock) -> list[Row]:
    """The same worklist read whole, nothing kept: what Open Dental says now."""
    plain = client_to(sim, concurrency=4)
    try:
        return worklist(plain, clock)
    finally:
        plain.close()


def as_read_now(rows: list[Row]) -> list[Row]:
    return [(a, replace(f, coverage_read_at=None) if f else None, v) for a, f, v in rows]


def asked(sim: SimulatorServer, start: int) -> list[str]:
    return [path.removeprefix("/api/v1") for _method, path in sim.requests[start:]]


def send(sim: SimulatorServer, method: str, path: str, body: Any = None) -> None:
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    answer = httpx.request(method, f"{sim.url}{path}", headers=headers, json=body)
    assert answer.status_code == 200, answer.text


def insured(rows: list[Row]) -> InsuranceFacts:
    return next(f for _a, f, _v in rows if f is not None)


def test_later_use_asks_only_for_the_changes_and_gives_the_same_rows(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    plan = next(iter(sim.practice.insurance)) * 7  # one verification on file already
    send(sim, "PUT", "/insverifies", {"VerifyType": "PatientEnrollment", "FKey": plan})
    start = len(sim.requests)
    first = worklist(pms, clock)
    first_asks = asked(sim, start)
    assert {"/patplans", "/inssubs", "/insplans", "/carriers"} <= {
        p.split("?")[0] for p in first_asks
    }
    assert first == from_the_pms(sim, clock)
    assert all(f.coverage_read_at is None for _a, f, _v in first if f)  # read by this load

    clock.advance(61)  # past the directory's freshness, as the benchmark's later use
    start = len(sim.requests)
    later = worklist(pms, clock)
    paths = asked(sim, start)
    assert len(paths) < len(first_asks) / 3
    lists = [p for p in paths if not p.startswith(("/appointments", "/patients"))]
    assert sorted(p.split("?")[0] for p in lists) == ["/inssubs", "/insverifies"]
    assert all("SecDateTEdit=" in p for p in lists)
    assert as_read_now(later) == from_the_pms(sim, clock)
    read_at = {f.coverage_read_at for _a, f, _v in later if f}
    assert read_at == {clock.now() - timedelta(seconds=61)}  # said: the copy of that time


def test_an_edited_subscription_shows_at_the_next_use(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    facts = insured(worklist(pms, clock))
    clock.advance(61)
    send(sim, "PUT", f"/inssubs/{facts.pat_num * 10}", {"SubscriberID": "NEW4455"})
    start = len(sim.requests)
    later = worklist(pms, clock)
    assert later == from_the_pms(sim, clock)
    mine = [f for _a, f, _v in later if f and f.pat_num == facts.pat_num]
    assert mine and all(f.subscriber_id == "NEW4455" for f in mine)
    # A changed subscription may come with new coverage: PatPlans were read whole again.
    assert any(p.startswith("/patplans") for p in asked(sim, start))
    assert all(f.coverage_read_at is None for _a, f, _v in later if f)


def test_a_new_verification_shows_at_the_next_use(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    rows = worklist(pms, clock)
    facts = insured(rows)
    assert all(v is None for _a, f, v in rows if f and f.pat_num == facts.pat_num)
    clock.advance(61)
    body = {"VerifyType": "PatientEnrollment", "FKey": facts.pat_plan_num}
    send(sim, "PUT", "/insverifies", body | {"DateLastVerified": "2026-11-20"})
    later = worklist(pms, clock)
    mine = [v for _a, f, v in later if f and f.pat_num == facts.pat_num]
    assert mine and all(v == date(2026, 11, 20) for v in mine)
    clock.advance(61)
    send(sim, "PUT", "/insverifies", body | {"DateLastVerified": "2026-11-23"})
    again = worklist(pms, clock)
    assert {v for _a, f, v in again if f and f.pat_num == facts.pat_num} == {date(2026, 11, 23)}
    assert as_read_now(again) == from_the_pms(sim, clock)


def test_a_dropped_plan_is_shown_as_of_its_read_then_disappears(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    first_read = clock.now()
    facts = insured(worklist(pms, clock))
    send(sim, "DELETE", f"/patplans/{facts.pat_plan_num}")
    clock.advance(61)
    kept = worklist(pms, clock)
    mine = [f for _a, f, _v in kept if f and f.pat_num == facts.pat_num]
    # Within COVERAGE_FOR the kept copy is used, and every row says when it was read.
    assert mine and all(f.coverage_read_at == first_read for f in mine)
    clock.advance(int(COVERAGE_FOR.total_seconds()))
    later = worklist(pms, clock)
    assert later == from_the_pms(sim, clock)
    assert [f for a, f, _v in later if a.pat_num == facts.pat_num] and all(
        f is None for a, f, _v in later if a.pat_num == facts.pat_num
    )
    assert all(f.coverage_read_at is None for _a, f, _v in later if f)


def test_a_failed_page_keeps_nothing_in_part(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    facts = insured(worklist(pms, clock))
    clock.advance(61)
    send(sim, "PUT", f"/inssubs/{facts.pat_num * 10}", {"SubscriberID": "AFTER1"})
    # The changes arrive, the coverage pages they call for fail: the read fails whole.
    sim.inject(Fault(r"/patplans", "500", times=10))
    with pytest.raises(PmsUnavailable):
        worklist(pms, clock)
    # Nothing of that read was kept: the subscription still counts as changed next time.
    start = len(sim.requests)
    later = worklist(pms, clock)
    assert any(p.startswith("/patplans") for p in asked(sim, start))
    assert later == from_the_pms(sim, clock)


def test_subscriber_ids_are_kept_only_encrypted(
    sim: SimulatorServer,
    pms: OpenDentalClient,
    clock: ManualClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rows = worklist(pms, clock)
    ids = [f.subscriber_id for _a, f, _v in rows if f]
    assert ids and all(ids)
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert not any(i.encode() in files for i in ids)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert not any(i in logged for i in ids)


def test_the_kept_copy_survives_a_restart_of_the_desk(
    sim: SimulatorServer, pms: OpenDentalClient, db: Database, clock: ManualClock
) -> None:
    first = worklist(pms, clock)
    clock.advance(61)
    again = client_to(
        sim,
        directory=PatientDirectory(ContactsRepository(db), clock),
        plans=PlanCache(PlanRowsRepository(db), clock),
    )
    try:
        start = len(sim.requests)
        later = worklist(again, clock)
    finally:
        again.close()
    assert not any(p.startswith(("/patplans", "/insplans")) for p in asked(sim, start))
    assert as_read_now(later) == first
    assert isinstance(insured(later).coverage_read_at, datetime)


def test_a_clock_set_back_reads_the_coverage_again(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    worklist(pms, clock)
    clock.set(clock.now() - timedelta(hours=1))  # the kept copy would look fresh for 75 min
    start = len(sim.requests)
    later = worklist(pms, clock)
    assert any(p.startswith("/patplans") for p in asked(sim, start))
    assert all(f.coverage_read_at is None for _a, f, _v in later if f)


def test_fresh_reads_the_coverage_whole_within_coverage_for_and_restarts_its_age(
    sim: SimulatorServer, pms: OpenDentalClient, clock: ManualClock
) -> None:
    facts = insured(worklist(pms, clock))
    send(sim, "DELETE", f"/patplans/{facts.pat_plan_num}")
    clock.advance(5 * 60)
    start = len(sim.requests)
    today = clock.now().date()
    fresh = pms.insurance_worklist(PURPOSE, today, today + timedelta(days=3), fresh=True)
    paths = [p.split("?")[0] for p in asked(sim, start)]
    assert {"/patplans", "/insplans", "/carriers"} <= set(paths)
    # The lists with a change filter still ask only for their changes.
    assert all("SecDateTEdit=" in p for p in asked(sim, start) if p.startswith("/inssubs"))
    assert fresh == from_the_pms(sim, clock)
    assert all(f.coverage_read_at is None for _a, f, _v in fresh if f)
    refreshed_at = clock.now()
    clock.advance(12 * 60)  # 17 minutes after the first read, 12 after the fresh one
    start = len(sim.requests)
    later = worklist(pms, clock)
    assert not any(p.startswith(("/patplans", "/insplans", "/carriers")) for p in asked(sim, start))
    assert {f.coverage_read_at for _a, f, _v in later if f} == {refreshed_at}
    assert as_read_now(later) == from_the_pms(sim, clock)
