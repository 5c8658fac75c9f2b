"""Exporting the trail as JSON lines (pseudonyms only, no PHI); the export is itself audited."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from services.access import Actor
from services.audit.entry import AuditEntry, AuditEvent, Outcome
from services.audit.trail import AuditTrail


def export_jsonl(trail: AuditTrail, actor: Actor, start: date, end: date, out: Path) -> int:
    """Write the entries from `start` to `end` (inclusive, UTC dates). Returns the count.

    The export is recorded first: if that cannot be written, nothing is exported.
    """
    trail.append(AuditEvent(action="audit_export", actor=actor, resource_type="audit_log"))
    ts_from = f"{start.isoformat()}T00:00:00.000Z"
    ts_to = f"{(end + timedelta(days=1)).isoformat()}T00:00:00.000Z"
    tmp = out.with_name(out.name + ".part")
    count = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for seq, body, hash_ in trail.repository.rows_between(ts_from, ts_to):
                fh.write(AuditEntry.from_row(seq, body, hash_).as_json_line())
                fh.write("\n")
                count += 1
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        trail.append(
            AuditEvent(
                action="audit_export",
                actor=actor,
                outcome=Outcome.FAILURE,
                resource_type="audit_log",
            )
        )
        raise
    return count
