"""The PHI gateway: denied and failed reads are audited; no audit entry, no data (fail closed)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.bootstrap import Services, build_services
from services.access import AccessDenied, Actor, ActorType, Purpose, Role
from services.audit import AuditEntry, AuditUnavailable, RecordKind, Touched
from services.audit.lookup import resolve
from services.installation import initialise
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout
from tests.support import admin_recovery, all_files, known_passphrase, phi_hits

FRONT = Actor("user_front", ActorType.HUMAN, Role.FRONT_DESK)
IT = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)
COMPLIANCE = Actor("user_co", ActorType.HUMAN, Role.COMPLIANCE_OFFICER)
PAT_NUM = 90817263  # PMS record numbers long enough never to turn up in a hash by chance
APT_NUM = 71625384


def patient_rows(fake_phi: dict[str, str]) -> list[dict[str, object]]:
    return [
        {
            "PatNum": PAT_NUM + i,
            "AptNum": APT_NUM + i,
            "name": fake_phi["name"],
            "phone": fake_phi["phone"],
            "email": fake_phi["email"],
            "dob": fake_phi["birthdate"],
        }
        for i in range(3)
    ]


def touched(rows: list[dict[str, object]]) -> list[Touched]:
    return [Touched(RecordKind.APPOINTMENT, str(r["AptNum"]), str(r["PatNum"])) for r in rows]


def entries(services: Services) -> list[AuditEntry]:
    return [AuditEntry.from_row(*r) for r in services.trail.repository.rows()]


def test_a_read_is_audited_before_it_returns(services: Services, fake_phi: dict[str, str]) -> None:
    rows = services.gateway.read(
        FRONT,
        Purpose.NO_SHOW_RESCHEDULING,
        "appointment_query",
        lambda: patient_rows(fake_phi),
        touched,
        resource_type="appointment",
    )
    assert len(rows) == 3
    logged = entries(services)
    assert len(logged) == 3
    first = logged[0].data
    assert first["purpose"] == "no_show_rescheduling" and first["outcome"] == "success"
    assert first["patient_id"].startswith("pt_") and first["resource_id"].startswith("apt_")
    assert "phone" in first["fields"] and "clinical_note" not in first["fields"]
    assert len({e.data["correlation_id"] for e in logged}) == 1  # one screen, one batch


def test_denied_reads_are_audited_and_it_admin_sees_no_phi(services: Services) -> None:
    calls = []
    for purpose in Purpose:
        with pytest.raises(AccessDenied, match="IT administrator"):
            services.gateway.read(
                IT, purpose, "read", lambda: calls.append(1), lambda _: [], resource_type="patient"
            )
    assert calls == []  # the PMS was never asked
    logged = entries(services)
    assert len(logged) == len(Purpose)
    assert {e.data["outcome"] for e in logged} == {"failure"}
    assert all("denied" in e.data["flags"] for e in logged)


def test_a_failed_fetch_is_audited_as_failure(services: Services) -> None:
    def broken() -> list[dict[str, object]]:
        raise ConnectionError("pms down")

    with pytest.raises(ConnectionError):
        services.gateway.read(
            FRONT, Purpose.SCHEDULE, "schedule_day", broken, touched, resource_type="appointment"
        )
    [entry] = entries(services)
    assert entry.data["outcome"] == "failure" and "fetch_failed" in entry.data["flags"]


@pytest.mark.parametrize("how", ["read_only", "database_full"])
def test_no_audit_entry_no_data(services: Services, fake_phi: dict[str, str], how: str) -> None:
    conn = services.installation.db.connection()
    if how == "read_only":
        conn.execute("PRAGMA query_only = ON")
    else:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with pytest.raises(AuditUnavailable) as info:
        services.gateway.read(
            FRONT,
            Purpose.NO_SHOW_RESCHEDULING,
            "appointment_query",
            lambda: patient_rows(fake_phi) * 200,
            touched,
            resource_type="appointment",
        )
    assert "nothing is shown" in info.value.message
    assert fake_phi["name"] not in info.value.message
    conn.execute("PRAGMA query_only = OFF")
    assert services.trail.repository.count() == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here; the database_full case covers SQLITE_FULL")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_refuses_the_read(tiny_disk: Path, clock, fake_phi: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    layout = DataLayout(tiny_disk / "enamel")
    result = initialise(layout, KeyringKeyStore(), "full-disk", clock)
    services = build_services(result.installation, clock)
    filler = tiny_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while (
            True
        ):  # unbuffered: the write that finds the disk full raises, nothing is left to flush
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    with pytest.raises(AuditUnavailable):
        services.gateway.read(
            FRONT,
            Purpose.NO_SHOW_RESCHEDULING,
            "appointment_query",
            lambda: patient_rows(fake_phi) * 300,
            touched,
            resource_type="appointment",
        )
    filler.unlink()
    assert services.trail.repository.count() == 0
    rows = services.gateway.read(
        FRONT,
        Purpose.NO_SHOW_RESCHEDULING,
        "appointment_query",
        lambda: patient_rows(fake_phi),
        touched,
        resource_type="appointment",
    )
    assert len(rows) == 3
    services.close()


def test_no_phi_or_record_number_in_entries_exports_or_logs(
    services: Services, fake_phi: dict[str, str], tmp_path: Path
) -> None:
    from app.logging_setup import configure_logging

    root = services.installation.layout.root
    configure_logging(services.installation.layout.log_dir)
    for purpose in (Purpose.NO_SHOW_RESCHEDULING, Purpose.SCHEDULE, Purpose.RECALL_REMINDERS):
        services.gateway.read(
            FRONT,
            purpose,
            "query",
            lambda: patient_rows(fake_phi),
            touched,
            resource_type="appointment",
        )
    with pytest.raises(AccessDenied):
        services.gateway.read(
            IT,
            Purpose.PATIENT_LOOKUP,
            "query",
            lambda: patient_rows(fake_phi),
            touched,
            resource_type="patient",
        )
    out = tmp_path / "export.jsonl"
    passphrase = known_passphrase(services)
    assert (
        admin_recovery(
            "--data-dir",
            str(root),
            "audit",
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--out",
            str(out),
            passphrase=passphrase,
        ).code
        == 0
    )
    needles = [*fake_phi.values(), str(PAT_NUM), str(APT_NUM), str(PAT_NUM + 1)]
    bodies = "\n".join(e.body for e in entries(services))
    assert all(n.lower() not in bodies.lower() for n in needles)
    assert phi_hits([out, *all_files(services.installation.layout.log_dir)], needles) == []
    assert phi_hits(all_files(root), fake_phi.values()) == []


def test_only_an_authorised_role_resolves_a_pseudonym(
    services: Services, fake_phi: dict[str, str]
) -> None:
    services.gateway.read(
        FRONT,
        Purpose.SCHEDULE,
        "schedule_day",
        lambda: patient_rows(fake_phi),
        touched,
        resource_type="appointment",
    )
    ref = entries(services)[0].data["patient_id"]
    with pytest.raises(AccessDenied):
        resolve(services.gateway, FRONT, ref)
    with pytest.raises(AccessDenied):
        resolve(services.gateway, IT, ref)
    kind, number = resolve(services.gateway, COMPLIANCE, ref)
    assert (kind, number) == (RecordKind.PATIENT, str(PAT_NUM))
    last = entries(services)[-1].data
    assert last["action"] == "pseudonym_resolve" and last["actor_id"] == "user_co"
    assert json.dumps(last).count(str(PAT_NUM)) == 0
