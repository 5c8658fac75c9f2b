"""Random and hostile JSON from a real (simulated) server into every read: only PmsError escapes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.access import Purpose
from services.pms.http import RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.records import PmsError
from services.pms.simulator import Fault, SimulatorServer, SyntheticPractice
from tests.pms.conftest import TODAY

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "true", "True", "false", "", "0001-01-01", "0001-01-01 00:00:00", "2026-11-23",
            "2026-11-23 09:00:00", "2026-02-30", "9999-12-31 23:59:60", "//XX//", "X" * 400,
            "Scheduled", "Broken", "ASAP", "Normal", "1e400", "-1", "١٢", "\x00", "NaN",
        ]
    )
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
KEYS = [
    "AptNum", "PatNum", "AptDateTime", "Pattern", "Op", "ProvNum", "ProvHyg", "AptStatus",
    "confirmed", "ProcDescript", "Priority", "Note", "IsHygiene", "LName", "FName",
    "Preferred", "Birthdate", "HmPhone", "WirelessPhone", "Email", "RecallNum", "DateDue",
    "DatePrevious", "IsDisabled", "RecallTypeNum", "Ordinal", "CarrierName", "SubscriberID",
    "GroupNum", "PatPlanNum", "Abbr", "IsSecondary", "IsHidden", "OperatoryNum", "OpName",
    "Abbrev", "IsHygiene", "ItemOrder", "DateTimeStart", "DateTimeEnd", "OpNum",
    "serverDateTime", "PrefName", "ValueString", "Description", "FieldValue",
]  # fmt: skip
records = st.fixed_dictionaries({}, optional={k: json_values for k in KEYS})
payloads = st.one_of(
    st.lists(records, max_size=4),
    records,
    json_values,
).map(lambda v: json.dumps(v).encode())
raw_bytes = st.binary(max_size=64)


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[SimulatorServer]:
    server = SimulatorServer(SyntheticPractice(today=TODAY, patients_count=300)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_client(shared_sim: SimulatorServer) -> Iterator[OpenDentalClient]:
    client = OpenDentalClient(
        shared_sim.url,
        shared_sim.developer_key,
        shared_sim.customer_key,
        timeout=2.0,
        retry=RetryPolicy(attempts=1),
        sleep=lambda _: None,
    )
    yield client
    client.close()


PAT = 1001
READS: dict[str, tuple[str, Callable[[OpenDentalClient], Any]]] = {
    "appointments": (
        r"^/api/v1/appointments\?",
        lambda c: c.appointments(Purpose.SCHEDULE, TODAY, TODAY + timedelta(days=1)),
    ),
    "appointment": (r"^/api/v1/appointments/\d+$", lambda c: c.appointment(Purpose.SCHEDULE, 5001)),
    "asap": (r"^/api/v1/appointments/ASAP", lambda c: c.asap_list(Purpose.WAITLIST)),
    "slots": (
        r"^/api/v1/appointments/Slots",
        lambda c: c.open_slots(TODAY, TODAY + timedelta(days=1), 30),
    ),
    "patients": (
        r"^/api/v1/patients\?",
        lambda c: c.find_patients(Purpose.PATIENT_LOOKUP, name="Oak"),
    ),
    "patient": (r"^/api/v1/patients/\d+$", lambda c: c.patients(Purpose.PATIENT_LOOKUP, [PAT])),
    "recalls": (r"^/api/v1/recalls\?", lambda c: c.recalls_due(Purpose.RECALL_REMINDERS, TODAY)),
    "recalltypes": (
        r"^/api/v1/recalltypes",
        lambda c: c.recalls_due(Purpose.RECALL_REMINDERS, TODAY),
    ),
    "insurance": (
        r"^/api/v1/familymodules/",
        lambda c: c.insurance_for(Purpose.INSURANCE_VERIFICATION, PAT),
    ),
    "providers": (r"^/api/v1/providers", lambda c: c.providers()),
    "operatories": (r"^/api/v1/operatories", lambda c: c.operatories()),
    "version": (r"^/api/v1/preferences", lambda c: c.server_info()),
    "apptfield": (r"^/api/v1/apptfields", lambda c: c.appointment_field(5001, "Ins Verified")),
}


@pytest.mark.parametrize("read", sorted(READS))
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.one_of(payloads, raw_bytes), status=st.sampled_from([200, 200, 200, 201, 204]))
def test_only_pms_errors_escape(
    shared_sim: SimulatorServer,
    shared_client: OpenDentalClient,
    read: str,
    body: bytes,
    status: int,
) -> None:
    pattern, call = READS[read]
    shared_sim.faults.clear()
    shared_sim.inject(Fault(pattern, "body", body=body, status=status))
    try:
        result = call(shared_client)
    except PmsError as exc:
        assert exc.message and "\\" not in exc.message
        assert body.decode("utf-8", "replace")[:40] not in exc.message or len(body) < 6
        return
    finally:
        shared_sim.faults.clear()
    # If it was accepted, it is a well-formed result of the promised types.
    if isinstance(result, list):
        for item in result:
            assert hasattr(item, "__dataclass_fields__")
    assert not isinstance(result, dict | bytes)


def test_the_shared_simulator_still_answers_after_the_storm(
    shared_client: OpenDentalClient,
) -> None:
    assert len(shared_client.providers()) == 4
    assert shared_client.appointments(Purpose.SCHEDULE, TODAY, TODAY + timedelta(days=1))
    version, server_time = shared_client.server_info()
    assert isinstance(version, str) and server_time.year >= 2026
