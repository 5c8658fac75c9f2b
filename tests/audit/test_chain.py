"""The hash chain: append, verify, and each kind of tampering found at the right seq."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from app.bootstrap import Services
from services.access import Actor, ActorType, Role
from services.audit import AuditEvent, BreakKind, Outcome, verify_local
from storage.database import raw_connect
from tests.support import admin, admin_recovery, known_passphrase

NURSE = Actor("user_7", ActorType.HUMAN, Role.FRONT_DESK)


def fill(services: Services, n: int) -> None:
    events = [
        AuditEvent(
            action="appointment_query",
            actor=NURSE,
            resource_type="appointment",
            patient_id=f"pt_{i:04d}",
            purpose="schedule",
            fields=("phone",),
        )
        for i in range(n)
    ]
    services.trail.append_batch(events)


def tamper(services: Services, *statements: str) -> None:
    """Raw SQL through the key, triggers dropped first: what an insider with the key can do."""
    inst = services.installation
    conn = raw_connect(inst.layout.database, inst.database_key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    for statement in statements:
        conn.execute(statement)
    conn.close()


def cli_verify(services: Services) -> tuple[int, str]:
    result = admin("--data-dir", str(services.installation.layout.root), "audit", "verify")
    return result.code, result.out + result.err


def test_entries_have_the_reference_fields_and_link(services: Services) -> None:
    fill(services, 3)
    rows = list(services.trail.repository.rows())
    assert [r[0] for r in rows] == [1, 2, 3]
    from services.audit import AuditEntry

    entries = [AuditEntry.from_row(*r) for r in rows]
    expected = {
        "timestamp",
        "action",
        "actor_id",
        "actor_type",
        "practice_id",
        "patient_id",
        "resource_type",
        "resource_id",
        "outcome",
        "ip_address",
        "user_agent",
        "correlation_id",
        "seq",
        "workstation_id",
        "purpose",
        "fields",
        "prev_hash",
        "flags",
    }
    assert set(entries[0].data) == expected
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].hash
    assert entries[0].data["timestamp"] == "2026-11-23T14:00:00.000Z"
    assert entries[0].data["practice_id"] == "test-practice"
    assert entries[0].data["actor_type"] == "human"
    assert ", " not in entries[0].body and '": ' not in entries[0].body
    code, out = cli_verify(services)
    assert code == 0 and "3 entries" in out


def test_the_table_refuses_update_and_delete(services: Services) -> None:
    fill(services, 2)
    conn = services.installation.db.connection()
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET hash = 'x' WHERE seq = 1")
    with pytest.raises(sqlcipher3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE seq = 1")
    assert services.trail.repository.count() == 2


def test_a_changed_field_is_found(services: Services) -> None:
    fill(services, 10)
    tamper(
        services,
        'UPDATE audit_log SET body = replace(body, \'"outcome":"success"\', '
        '\'"outcome":"failure"\') WHERE seq = 6',
    )
    code, out = cli_verify(services)
    assert code == 1
    assert "seq 6: changed" in out


def test_a_changed_and_rehashed_entry_is_found(services: Services) -> None:
    fill(services, 10)
    repo = services.trail.repository
    _seq, body, _ = next(repo.rows(4, 4))
    forged = body.replace('"pt_0003"', '"pt_9999"')
    import hashlib

    new_hash = hashlib.sha256(forged.encode()).hexdigest()
    tamper(services, f"UPDATE audit_log SET body = '{forged}', hash = '{new_hash}' WHERE seq = 4")
    result = verify_local(repo)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.kind) == (4, BreakKind.CHANGED)


def test_a_deleted_row_is_found(services: Services) -> None:
    fill(services, 10)
    tamper(services, "DELETE FROM audit_log WHERE seq = 7")
    code, out = cli_verify(services)
    assert code == 1
    assert "seq 7: missing" in out


def test_deleted_rows_hidden_by_renumbering_are_found(services: Services) -> None:
    fill(services, 10)
    tamper(
        services,
        "DELETE FROM audit_log WHERE seq IN (4, 5)",
        "UPDATE audit_log SET seq = seq - 2 WHERE seq > 5",
    )
    result = verify_local(services.trail.repository)
    assert result.broken is not None
    assert (result.broken.seq, result.broken.kind) == (4, BreakKind.MISSING)


def test_a_swapped_pair_is_found(services: Services) -> None:
    fill(services, 10)
    tamper(
        services,
        "UPDATE audit_log SET seq = -1 WHERE seq = 5",
        "UPDATE audit_log SET seq = 5 WHERE seq = 6",
        "UPDATE audit_log SET seq = 6 WHERE seq = -1",
    )
    code, out = cli_verify(services)
    assert code == 1
    assert "seq 5: reordered" in out


def test_an_inserted_row_is_found(services: Services) -> None:
    fill(services, 10)
    repo = services.trail.repository
    _, _body3, hash3 = next(repo.rows(3, 3))
    # A forged entry that links correctly to entry 3 and claims to be entry 4.
    from services.audit.entry import build_batch

    [forged] = build_batch(
        [AuditEvent(action="appointment_query", actor=NURSE, outcome=Outcome.SUCCESS)],
        first_seq=4,
        prev_hash=hash3,
        timestamp=services.clock.now(),
        practice_id="test-practice",
        workstation_id=services.trail.workstation_id,
        ip_address="127.0.0.1",
        user_agent="x",
        correlation_id="req_forged",
    )
    statements = ["UPDATE audit_log SET seq = seq + 100 WHERE seq >= 4"]
    statements += ["UPDATE audit_log SET seq = seq - 99 WHERE seq >= 104"]
    statements += [
        f"INSERT INTO audit_log(seq, body, hash) VALUES (4, '{forged.body}', '{forged.hash}')"
    ]
    tamper(services, *statements)
    code, out = cli_verify(services)
    assert code == 1
    assert "seq 4: inserted" in out


def test_verify_on_an_empty_trail(services: Services) -> None:
    code, out = cli_verify(services)
    assert code == 0 and "no entries yet" in out


def test_prune_leaves_an_anchor_that_verification_starts_from(services: Services) -> None:
    fill(services, 10)
    assert services.trail.repository.prune(6) == 6
    result = verify_local(services.trail.repository)
    assert result.ok and (result.first_seq, result.last_seq, result.entries) == (7, 10, 4)
    fill(services, 2)
    assert verify_local(services.trail.repository).last_seq == 12


def test_export_writes_json_lines_and_is_audited(services: Services, tmp_path: Path) -> None:
    fill(services, 5)
    out = tmp_path / "export.jsonl"
    passphrase = known_passphrase(services)
    result = admin_recovery(
        "--data-dir",
        str(services.installation.layout.root),
        "audit",
        "export",
        "--from",
        "2026-11-23",
        "--to",
        "2026-11-23",
        "--out",
        str(out),
        passphrase=passphrase,
        clock=services.clock,
    )
    assert result.code == 0, result.err
    import json

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 6  # five entries and the export itself, recorded first
    assert lines[-1]["action"] == "audit_export"
    assert lines[-1]["actor_id"] == "recovery_passphrase"  # who proved it, not the OS account
    assert "recovery_passphrase" in lines[-1]["flags"]
    assert all(len(line["hash"]) == 64 for line in lines)
    bad = admin_recovery(
        "--data-dir",
        str(services.installation.layout.root),
        "audit",
        "export",
        "--from",
        "23/11/2026",
        "--to",
        "2026-11-23",
        "--out",
        str(out),
        passphrase=passphrase,
    )
    assert bad.code == 2 and "YYYY-MM-DD" in bad.err


def test_the_fast_body_is_the_canonical_json(services: Services) -> None:
    from services.audit.entry import canonical

    odd = Actor('user_"quoted"\\back', ActorType.AGENT, Role.AGENT)
    services.trail.append(
        AuditEvent(action="é ünicode \n line", actor=odd, fields=("b", "a"), flags=("x",))
    )
    fill(services, 2)
    from services.audit import AuditEntry

    for row in services.trail.repository.rows():
        entry = AuditEntry.from_row(*row)
        assert entry.body == canonical(entry.data)
