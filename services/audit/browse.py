"""Reading the pseudonymous trail for review: permission-checked, and the viewing is recorded."""

from __future__ import annotations

from datetime import date, timedelta

from services.access import Actor, Permission, require
from services.audit.entry import AuditEntry, AuditEvent
from services.audit.trail import AuditTrail

MAX_ROWS = 20_000


def entries_between(
    trail: AuditTrail, actor: Actor, start: date, end: date, text: str = ""
) -> list[AuditEntry]:
    """Entries of the UTC days start..end whose actor, action, purpose or ids contain `text`."""
    require(actor, Permission.VIEW_AUDIT)
    trail.append(AuditEvent(action="audit_view", actor=actor, resource_type="audit_log"))
    ts_from = f"{start.isoformat()}T00:00:00.000Z"
    ts_to = f"{(end + timedelta(days=1)).isoformat()}T00:00:00.000Z"
    needle = text.lower()
    found: list[AuditEntry] = []
    for seq, body, hash_ in trail.repository.rows_between(ts_from, ts_to):
        if needle and needle not in body.lower():
            continue
        found.append(AuditEntry.from_row(seq, body, hash_))
        if len(found) >= MAX_ROWS:
            break
    return found
