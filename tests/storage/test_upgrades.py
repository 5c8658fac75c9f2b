"""Stored databases of every earlier schema version open through Database.open and upgrade.

The files are tests/fixtures/schemas/vN.db (built by make.py beside them, committed): real
SQLCipher files as an installation of schema N left them, rows and encrypted values included.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, AuditTrail, Pseudonymizer, verify_local
from services.auth.passwords import verify_password
from services.clock import ManualClock
from storage.accounts_repo import FailureState, SqlAccountDirectory
from storage.archive_repo import ArchiveRepository
from storage.audit_repo import AuditRepository
from storage.compliance_repo import ComplianceRepository
from storage.database import Database, raw_connect
from storage.desk_repo import DeskRepository
from storage.errors import WrongKey
from storage.jobs_repo import JobRow, JobsRepository
from storage.migrations import LATEST_VERSION, MIGRATIONS
from storage.settings_repo import SecretsRepository, SettingsRepository
from tests.fixtures.schemas import make

EARLIER = list(range(1, LATEST_VERSION))
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # the tests' clock, never the wall's


def schema(conn: Any) -> set[tuple[str, str, str]]:
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL"
    )
    return {(str(t), str(n), " ".join(str(s).split())) for t, n, s in rows}


def fresh_schema(tmp: Path, version: int) -> set[tuple[str, str, str]]:
    """The schema that migrations 1..version produce on an empty file today."""
    conn = raw_connect(tmp / f"fresh-{version}.db", make.KEY)
    try:
        for _number, step in MIGRATIONS[:version]:
            conn.execute("BEGIN IMMEDIATE")
            step(conn, make.KEY)
            conn.execute("COMMIT")
        return schema(conn)
    finally:
        conn.close()


def manifest() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(make.MANIFEST.read_text())
    return data


@pytest.fixture
def stored(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[int, Path]]:
    version: int = request.param
    target = tmp_path / "enamel.db"
    shutil.copyfile(make.path_for(version), target)
    yield version, target


def open_upgraded(path: Path, version: int) -> Database:
    entry = manifest()[str(version)]
    return Database.open(
        path, make.KEY, expected_key_check=entry["key_check"], expected_salt=entry["salt"]
    )


def test_there_is_a_stored_database_for_every_earlier_version() -> None:
    stored = sorted(int(p.stem[1:]) for p in make.HERE.glob("v*.db"))
    assert stored == EARLIER, (
        "each schema before the latest needs its stored database: run "
        "'.venv/bin/python -m tests.fixtures.schemas.make' and commit the new file"
    )
    assert sorted(int(v) for v in manifest()) == EARLIER


@pytest.mark.parametrize("version", EARLIER, ids=lambda v: f"v{v}")
def test_a_stored_database_is_what_its_migrations_made(tmp_path: Path, version: int) -> None:
    """Released migrations are never edited: today's 1..N still make the stored schema N."""
    conn = raw_connect(make.path_for(version), make.KEY)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        stored = schema(conn)
    finally:
        conn.close()
    assert stored == fresh_schema(tmp_path, version)


@pytest.mark.parametrize("stored", EARLIER, indirect=True, ids=lambda v: f"v{v}")
def test_an_earlier_database_upgrades_keeps_its_data_and_works(
    tmp_path: Path, stored: tuple[int, Path]
) -> None:
    version, path = stored
    assert path.read_bytes()[:16].hex() == manifest()[str(version)]["salt"]
    db = open_upgraded(path, version)
    try:
        conn = db.connection()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert schema(conn) == fresh_schema(tmp_path, LATEST_VERSION)
        check_survivors(db, version)
        check_new_writes(db)
    finally:
        db.close()
    # Opening it again is a plain open: nothing left to apply, the values still readable.
    again = open_upgraded(path, version)
    try:
        assert again.connection().execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        secrets = SecretsRepository(again, make.KEY)
        assert {n: secrets.get(n) for n in make.SECRETS} == make.SECRETS
        assert verify_local(AuditRepository(again)).ok
        if version >= 3:
            accounts = SqlAccountDirectory(again, make.KEY)
            assert accounts.totp_secret(make.ACTOR_ID) == make.TOTP_SECRET
    finally:
        again.close()


@pytest.mark.parametrize("stored", EARLIER[-1:], indirect=True, ids=lambda v: f"v{v}")
def test_an_earlier_database_under_another_key_is_refused_untouched(
    stored: tuple[int, Path],
) -> None:
    version, path = stored
    before = path.read_bytes()
    with pytest.raises(WrongKey):
        Database.open(path, bytes(32), expected_key_check=manifest()[str(version)]["key_check"])
    assert path.read_bytes() == before


def check_survivors(db: Database, version: int) -> None:
    """The rows the stored version held, read back through today's repositories."""
    settings = SettingsRepository(db)
    for name, value in make.SETTINGS.items():
        assert settings.get(name) == value
    # Written under the old derivation; migration 7 moved them, so today's key opens them.
    secrets = SecretsRepository(db, make.KEY)
    for name, value in make.SECRETS.items():
        assert secrets.get(name) == value
    if version >= 2:
        audit = AuditRepository(db)
        assert audit.count() == len(make.AUDIT_ACTIONS)
        result = verify_local(audit)
        assert result.ok, result.broken
        assert result.entries >= len(make.AUDIT_ACTIONS)
        for ref, (kind, number) in make.audit_refs().items():
            assert audit.resolve(ref) == (kind, str(number))
        patient = next(r for r, (k, _) in make.audit_refs().items() if k == "pt")
        assert len(audit.rows_for_patient(patient)) == 2  # the generated query column works
    if version >= 3:
        accounts = SqlAccountDirectory(db, make.KEY)
        record = accounts.by_login(make.LOGIN)
        assert record is not None
        assert (record.user_id, record.role) == (make.ACTOR_ID, "front_desk")
        assert record.totp_enrolled and record.last_totp_step == make.LAST_TOTP_STEP
        assert verify_password(record.password_hash, make.PASSWORD)
        assert accounts.totp_secret(make.ACTOR_ID) == make.TOTP_SECRET
        assert accounts.unused_recovery_codes(make.ACTOR_ID) == len(make.RECOVERY_HASHES)
        assert [g["id"] for g in accounts.unreviewed_break_glass()] == ["bg_fixture01"]
    if version >= 4:
        archive = ArchiveRepository(db)
        name, first, last = make.ARCHIVE_BATCH
        assert [b[:3] for b in archive.batches()] == [(name, first, last)]
        assert archive.cursor()[0] == last
    if version >= 5:
        desk = DeskRepository(db)
        assert desk.insurance_status() == make.INSURANCE
        assert desk.last_recall_outcomes() == make.RECALL_OUTCOMES
        assert desk.noshow_outcomes() == make.NOSHOW_OUTCOMES
        (wish,) = desk.open_wishes()
        assert {k: wish[k] for k in wish if k != "id"} == {
            k: v for k, v in make.WISH.items() if k != "added_by"
        }
        cached = desk.cache_get(make.CACHE[0], make.CACHE[1])
        assert cached is not None and cached[0] == make.CACHE[2]
    if version >= 6:
        compliance = ComplianceRepository(db)
        assert [a.alert_id for a in compliance.alerts()] == [make.ALERT_ID]
        assert [b.backup_id for b in compliance.backups()] == [make.BACKUP_ID]
        review = compliance.last_review()
        assert review is not None and review.review_id == make.REVIEW_ID


def check_new_writes(db: Database) -> None:
    """Every table of the latest schema takes today's writes, whatever version it came from."""
    clock = ManualClock(NOW)
    SettingsRepository(db).set("timezone", "America/Chicago", NOW)
    secrets = SecretsRepository(db, make.KEY)
    secrets.put("archive.secret_key", b"new-secret", NOW)
    assert secrets.get("archive.secret_key") == b"new-secret"

    trail = AuditTrail(
        db,
        clock,
        Pseudonymizer(make.PSEUDONYM_KEY),
        practice_id=make.PRACTICE,
        workstation_id=make.WORKSTATION,
        user_agent="enamel/test",
        ip_address="192.0.2.20",
    )
    before = trail.repository.count()
    trail.append(AuditEvent("sign_in", Actor("user_new", ActorType.HUMAN, Role.BILLING)))
    assert trail.repository.count() == before + 1
    assert verify_local(trail.repository).ok  # the chain goes on from the stored entries

    accounts = SqlAccountDirectory(db, make.KEY)
    state = FailureState(2, NOW, NOW + timedelta(minutes=15))
    accounts.set_unknown_login_state("nobody", state)
    assert accounts.unknown_login_state("nobody") == state
    accounts.note_workstation_failure(NOW)
    assert accounts.workstation_failures_since(NOW - timedelta(minutes=1)) == 1

    desk = DeskRepository(db)
    desk.set_insurance_status(9001, "verified", "", "user_new", NOW)
    desk.add_recall_contact(1043, 78, "contacted", "user_new", NOW)
    wish_id = desk.add_wish({**make.WISH, "pat_num": 1043, "added_at": NOW.isoformat()})
    assert wish_id in {int(w["id"]) for w in desk.open_wishes()}

    ArchiveRepository(db).note_failure("ArchiveUnavailable", NOW)
    compliance = ComplianceRepository(db)
    compliance.add_backup("backup_new", "enamel-backup-new.enb", NOW, 4)
    assert "backup_new" in {b.backup_id for b in compliance.backups()}

    jobs = JobsRepository(db)
    row = JobRow("archive_sync", "Archive sync", "running", None, None, 0, "", None, NOW)
    jobs.save(row)
    assert jobs.all() == [row]
