"""Reading the pseudonymous trail for review: permission-checked, and the viewing is recorded."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from services.access import Actor, Permission, require
from services.audit.entry import AuditEntry, AuditEvent, iso_millis
from services.audit.sources import AUDIT_VIEW, EntrySource, FoundEntries, LocalEntrySource
from services.audit.trail import AuditTrail
from storage.hub_entries_repo import EntryFilter

MAX_ROWS = 20_000


def day_span(start: date, end: date, zone: tzinfo) -> tuple[str, str]:
    """The trail's timestamps [from, to) covering the days start..end at the practice."""
    first = datetime.combine(start, time(0), zone)
    after = datetime.combine(end + timedelta(days=1), time(0), zone)
    return iso_millis(first), iso_millis(after)


@dataclass(frozen=True)
class ViewerFilters:
    """The audit viewer's filters beyond the days and the search text (empty: any)."""

    workstation_id: str = ""
    actor_id: str = ""
    patient_id: str = ""
    purpose: str = ""


def find_entries(
    trail: AuditTrail,
    actor: Actor,
    start: date,
    end: date,
    text: str = "",
    *,
    actors: Collection[str] = (),
    zone: tzinfo = UTC,
    filters: ViewerFilters = ViewerFilters(),
    source: EntrySource | None = None,
) -> FoundEntries:
    """Entries of the days start..end (in `zone`, the practice's) matching `text` and `filters`.

    An entry matches `text` when its action, purpose, ids or pseudonyms contain it, or when its
    actor is one of `actors` (the accounts whose name or role matched it: the trail keeps ids,
    the person searching types names). `source` is the practice's entries on a joined PC
    (services/audit/sources.py); by default this PC's trail.
    """
    require(actor, Permission.VIEW_AUDIT)
    trail.append(AuditEvent(action="audit_view", actor=actor, resource_type="audit_log"))
    ts_from, ts_to = day_span(start, end, zone)
    wanted = EntryFilter(
        ts_from=ts_from,
        ts_to=ts_to,
        workstation_id=filters.workstation_id,
        patient_id=filters.patient_id,
        purpose=filters.purpose,
        text=text,
        actor_ids=tuple(sorted(actors))
        if text
        else ((filters.actor_id,) if filters.actor_id else ()),
    )
    found = (source or LocalEntrySource(trail)).find(actor, AUDIT_VIEW, wanted, MAX_ROWS)
    if filters.actor_id:
        kept = [e for e in found.entries if e.data.get("actor_id") == filters.actor_id]
        found = replace(found, entries=kept)
    return found


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
    """This PC's entries of the days start..end matching `text` (see `find_entries`)."""
    return find_entries(trail, actor, start, end, text, actors=actors, zone=zone).entries
