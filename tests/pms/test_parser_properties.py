"""Random and hostile JSON into the payload parser: only PmsBadAnswer may come out."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.access import Purpose, fields_for
from services.pms import parse
from services.pms.opendental import OpenDentalClient
from services.pms.records import PmsBadAnswer

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = [
    "AptNum",
    "PatNum",
    "AptDateTime",
    "Pattern",
    "Op",
    "ProvNum",
    "AptStatus",
    "confirmed",
    "ProcDescript",
    "Priority",
    "Note",
]
appointment_like = st.fixed_dictionaries({}, optional={k: json_values for k in KEYS})


@settings(max_examples=400, deadline=None)
@given(appointment_like)
def test_an_appointment_record_parses_or_is_refused(record: dict[str, Any]) -> None:
    try:
        apt = OpenDentalClient._appointment(record, fields_for(Purpose.SCHEDULE))
    except PmsBadAnswer as exc:
        assert "malformed" in exc.message
        return
    assert apt.minutes % 5 == 0 and apt.minutes > 0


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_payload_is_a_list_of_records_or_refused(payload: Any) -> None:
    try:
        items = parse.as_list(payload, "appointments")
    except PmsBadAnswer:
        return
    assert isinstance(items, list) and all(isinstance(i, dict) for i in items)
