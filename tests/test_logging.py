"""The log filter: only event names and allow-listed token fields reach the file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from app.logging_setup import configure_logging
from tests.support import phi_hits


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = configure_logging(tmp_path / "logs")
    yield path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_enamel", False):
            root.removeHandler(handler)
            handler.close()


def lines(path: Path) -> list[dict[str, object]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_names_and_phones_never_reach_the_log(log_file: Path, fake_phi: dict[str, str]) -> None:
    log = logging.getLogger("services.example")
    log.info(f"Scheduled appointment for {fake_phi['name']}")  # the classic mistake
    log.info("Called %s", fake_phi["phone"])
    log.warning(
        "pms.patient_loaded",
        extra={
            "patient_name": fake_phi["name"],
            "actor_id": fake_phi["phone"],
            "status": fake_phi["email"],
            "count": 3,
            "patient_ref": "pt_3f9a1c",
        },
    )
    try:
        raise ValueError(f"bad birth date {fake_phi['birthdate']} for {fake_phi['name']}")
    except ValueError:
        log.exception("pms.parse_failed")
    entries = lines(log_file)
    assert phi_hits([log_file], fake_phi.values()) == []
    assert [e["event"] for e in entries] == [
        "[redacted]",
        "[redacted]",
        "pms.patient_loaded",
        "pms.parse_failed",
    ]
    loaded = entries[2]
    assert loaded["count"] == 3 and loaded["patient_ref"] == "pt_3f9a1c"
    assert loaded["actor_id"] == "[redacted]" and loaded["status"] == "[redacted]"
    assert loaded["dropped_fields"] == 1
    assert entries[3]["error_class"] == "ValueError"
    assert any("test_logging.py" in w for w in entries[3]["where"])  # type: ignore[union-attr]


def test_uncaught_exceptions_are_logged_without_their_message(
    log_file: Path, fake_phi: dict[str, str]
) -> None:
    import sys

    try:
        raise RuntimeError(f"patient {fake_phi['name']} {fake_phi['phone']}")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    entries = lines(log_file)
    assert entries[-1]["event"] == "app.uncaught_exception"
    assert entries[-1]["error_class"] == "RuntimeError"
    assert phi_hits([log_file], fake_phi.values()) == []
