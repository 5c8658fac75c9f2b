"""The workflow tests' desk over HTTP: the Open Dental simulator on 127.0.0.1, a client for it,
the desk context on the test clock, and the booking service with weekday office hours."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC

import pytest

from app.bootstrap import Services
from services.calendar import PracticeCalendar
from services.compliance.breach.office_hours import parse_office_hours
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice
from services.workflows.booking import BookingService
from services.workflows.context import DeskContext
from services.workflows.schedule import ScheduleService
from storage.desk_repo import DeskRepository
from tests.sim_client import client_to

HOURS = json.dumps({d: ["08:00", "17:00"] for d in ("mon", "tue", "wed", "thu", "fri")})


@pytest.fixture
def sim(cheap_services: Services) -> Iterator[SimulatorServer]:
    # The practice's "today" is the test clock's day (a Monday), never the wall clock's.
    practice = SyntheticPractice(today=cheap_services.clock.now().date(), patients_count=300)
    server = SimulatorServer(practice, page_size=1000).start()
    yield server
    server.stop()


@pytest.fixture
def client(sim: SimulatorServer) -> Iterator[OpenDentalClient]:
    pms = client_to(sim, page_size=1000)
    yield pms
    pms.close()


@pytest.fixture
def ctx(cheap_services: Services, client: OpenDentalClient) -> DeskContext:
    # The practice calendar in UTC, so "today" is the test clock's date and the simulator's.
    calendar = PracticeCalendar(cheap_services.clock, UTC)
    repo = DeskRepository(cheap_services.installation.db)
    return DeskContext(cheap_services.gateway, client, repo, calendar)


@pytest.fixture
def booking(ctx: DeskContext) -> BookingService:
    """The booking service with the office open 08:00-17:00 on weekdays."""
    return BookingService(ctx, ScheduleService(ctx).reference, lambda: parse_office_hours(HOURS))
