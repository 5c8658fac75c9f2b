"""Bad input that used to surprise: a deeply nested provisioning file, a damaged page, a
read-only database, SQLCipher's own error lines. Each is a clear message and its exit code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Services
from errors import EnamelError
from services.access import Actor, ActorType, Role
from services.calendar import PracticeCalendar
from services.pms.http import RetryPolicy
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice
from services.workflows.context import DeskContext
from services.workflows.schedule import ScheduleService
from storage.database import raw_connect
from storage.desk_repo import DeskRepository
from tests.archive.conftest import add_entries
from tests.support import AdminResult, admin_process

RAW = ("Traceback", "sqlcipher", "ERROR CORE", "hmac", "DatabaseError", "unexpected error")


def clean(result: AdminResult) -> None:
    text = result.out + result.err
    for raw in RAW:
        assert raw not in text, f"{raw!r} in the output:\n{text}"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"a":' * 100_000 + "1" + "}" * 100_000),
        ("deep.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("forty.json", '{"format": "enamel-provision-v1", "pms": ' + "[" * 40 + "]" * 40 + "}"),
    ],
)
def test_a_deeply_nested_provisioning_file_is_refused_in_words(
    tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = admin_process("--data-dir", str(tmp_path / "data"), "provision", str(path))
    assert result.code == 2, result.err
    assert "is nested too deeply to be a provisioning file" in result.err
    clean(result)
    assert not (tmp_path / "data" / "enamel.db").exists()  # nothing was created


def damage_page(services: Services, table: str) -> str:
    """Overwrite part of the first page of `table` (a table or an index) in the closed file."""
    inst = services.installation
    conn = raw_connect(inst.layout.database, inst.database_key)
    try:
        [(root,)] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()
    services.close()
    assert not Path(f"{inst.layout.database}-wal").exists()  # every page is in the main file
    with inst.layout.database.open("r+b") as fh:
        fh.seek((int(root) - 1) * size + 200)
        fh.write(b"\xa5" * 256)
    return str(inst.layout.root)


@pytest.mark.parametrize("table", ["audit_log_ts", "audit_log", "settings"])
def test_a_damaged_page_fails_audit_verify_and_status_says_so(
    services: Services, table: str
) -> None:
    """An index page verify never reads, the trail's own pages, a table status reads."""
    add_entries(services, 1500)
    root = damage_page(services, table)
    verify = admin_process("--data-dir", root, "audit", "verify")
    assert verify.code == 1, verify.out + verify.err
    assert "Audit trail cannot be trusted: enamel.db is damaged" in verify.out
    assert "Audit trail OK" not in verify.out
    clean(verify)
    status = admin_process("--data-dir", root, "status")
    assert status.code == 1, status.out + status.err
    assert "DAMAGED: enamel.db is damaged: some of its pages cannot be read" in status.out
    assert "enamel-admin backup restore" in status.out
    clean(status)


@pytest.fixture
def sim(cheap_services: Services) -> Iterator[SimulatorServer]:
    practice = SyntheticPractice(today=cheap_services.clock.now().date(), patients_count=50)
    server = SimulatorServer(practice, page_size=1000).start()
    yield server
    server.stop()


def test_a_read_only_database_gives_the_schedule_a_clear_message(
    cheap_services: Services, sim: SimulatorServer
) -> None:
    from datetime import UTC

    s = cheap_services
    pms = OpenDentalClient(
        sim.url, sim.developer_key, sim.customer_key, page_size=1000, retry=RetryPolicy(1)
    )
    ctx = DeskContext(
        s.gateway, pms, DeskRepository(s.installation.db), PracticeCalendar(s.clock, UTC)
    )
    front = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)
    # What SQLite does with a file it may only read (chmod 444 for a non-root user): every
    # write fails with SQLITE_READONLY. query_only gives the same answer on any account.
    s.installation.db.connection().execute("PRAGMA query_only = ON")
    try:
        with pytest.raises(EnamelError) as caught:
            ScheduleService(ctx).day(front, s.clock.now().date())
    finally:
        s.installation.db.connection().execute("PRAGMA query_only = OFF")
        pms.close()
    assert "read-only" in caught.value.message
    assert "OperationalError" not in type(caught.value).__name__
