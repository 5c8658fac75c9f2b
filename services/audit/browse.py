"""Reading the pseudonymous trail for review: permission-checked, and the viewing is recorded."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from services.access import Actor, Permission, require
from services.audit.entry import AuditEntry, AuditEvent, iso_millis
from services.audit.trail import AuditTrail

MAX_ROWS = 20_000


def day_span(start: date, end: date, zone: tzinfo) -> tuple[str, str]:
    """The trail's timestamps [from, to) covering the days start..end at the practice."""
    first = datetime.combine(start, time(0), zone)
    after = datetime.combine(end + timedelta(days=1), time(0), zone)
    return iso_millis(first), iso_millis(after)


def entries_between(
    trail: AuditTrail,
    actor: Actor,
    start: date,
    end: date,
    text: str = "",
    *,
    actors: Collection[str] = (),
    zone: tzinfo = UTC,
) -> list[AuditEntry]:
    """Entries of the days start..end (in `zone`, the practice's) matching `text`.

    An entry matches when its action, purpose, ids or pseudonyms contain `text`, or when its
    actor is one of `actors` (the accounts whose name or role matched it: the trail keeps
    ids, the person searching types names).
    """
    require(actor, Permission.VIEW_AUDIT)
    trail.append(AuditEvent(action="audit_view", actor=actor, resource_type="audit_log"))
    ts_from, ts_to = day_span(start, end, zone)
    needle = text.lower()
    wanted = frozenset(actors)
    found: list[AuditEntry] = []
    for seq, body, hash_ in trail.repository.rows_between(ts_from, ts_to):
        entry = AuditEntry.from_row(seq, body, hash_)
        by_text = not needle or needle in body.lower()
        if not by_text and not (wanted and entry.data.get("actor_id") in wanted):
            continue
        found.append(entry)
        if len(found) >= MAX_ROWS:
            break
    return found
