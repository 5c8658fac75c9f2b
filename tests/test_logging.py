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


def test_enamel_admin_prints_its_own_words_only_and_logs_to_the_file(tmp_path: Path) -> None:
    """A command that fails before the installation is open (no log file yet), and one that
    fails inside it: stderr holds the one sentence; the failure is in the log file only."""
    from tests.support import admin_process

    fresh = str(tmp_path / "fresh")
    bad_id = admin_process("--data-dir", fresh, "init", "--practice-id", "Bad Id!")
    assert bad_id.code == 2
    assert bad_id.err.splitlines() == [bad_id.err.strip()]
    assert (
        bad_id.err.startswith("enamel-admin: A practice id is")
        and "command_failed" not in bad_id.err
    )
    bad_file = tmp_path / "bad.toml"
    bad_file.write_text("{not toml")
    bad_toml = admin_process("--data-dir", fresh, "provision", str(bad_file))
    assert bad_toml.code == 2 and bad_toml.err.startswith("enamel-admin: ")
    assert len(bad_toml.err.splitlines()) == 1, bad_toml.err

    root = tmp_path / "office"
    made = admin_process("--data-dir", str(root), "init", "--practice-id", "test-practice")
    assert made.code == 0, made.err
    wrong = admin_process(
        "--data-dir", str(root), "user", "unlock", "ghost", "--recovery-passphrase-stdin",
        stdin="NOT00-THE00-RIGHT-PASS0-PHRAS-E0000\n",
    )  # fmt: skip
    assert wrong.code == 2 and wrong.err.splitlines() == [
        "enamel-admin: That recovery passphrase is not correct. Nothing was changed."
    ]
    logged = [json.loads(line) for line in (root / "logs" / "enamel.log").read_text().splitlines()]
    assert {"event": "cli.command_failed", "error_class": "WrongPassphrase"}.items() <= next(
        e for e in logged if e["event"] == "cli.command_failed"
    ).items()
