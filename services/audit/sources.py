"""Where the compliance tools read audit entries from: this PC's trail, or the whole practice's.

One seam (`EntrySource`) for the patient access report, the breach assessment and the audit
viewer. A single PC reads its own trail (`LocalEntrySource`: that is the whole practice). A
joined PC reads the practice's entries from the hub plus its own not yet at the hub
(`services/hub/practice_source.py`); with the hub away it says so and marks what it shows as
this workstation's only, never silently partial.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from services.access import Actor
from services.audit.entry import AuditEntry
from services.audit.trail import AuditTrail
from storage.hub_entries_repo import EntryFilter

# The compliance tool that asks (the hub checks the permission that tool needs).
AUDIT_VIEW = "audit_view"
ACCESS_REPORT = "patient_access_report"
BREACH_ASSESSMENT = "breach_assessment"
QUERIES = frozenset({AUDIT_VIEW, ACCESS_REPORT, BREACH_ASSESSMENT})

MAX_ENTRIES = 20_000

THIS_WORKSTATION_ONLY = (
    "The practice hub cannot be reached: these are this workstation's entries only, not the "
    "whole practice's. Try again when the hub is back."
)


@dataclass(frozen=True)
class FoundEntries:
    entries: list[AuditEntry]
    practice_wide: bool = True  # False: this workstation's entries only
    notice: str = ""  # what the person is told when it is not the whole practice
    truncated: bool = False  # more matched than `limit`
    workstations: dict[str, str] = field(default_factory=dict)  # id -> name, where known
    # The workstations whose entries can be shown (the audit viewer's choice); empty: not known.
    stations: tuple[str, ...] = ()


class EntrySource(Protocol):
    def find(self, actor: Actor, query: str, wanted: EntryFilter, limit: int) -> FoundEntries:
        """Entries matching `wanted`, oldest first, at most `limit`. The caller checked the
        actor's permission and records the look-up in this PC's trail."""
        ...


def workstation_label(workstation_id: str, names: dict[str, str]) -> str:
    """ "PC-2 (ws_…)" where the hub named the workstation, else its id."""
    name = names.get(workstation_id)
    return f"{name} ({workstation_id})" if name else workstation_id


def matches(entry: AuditEntry, wanted: EntryFilter) -> bool:
    d = entry.data
    ts = str(d.get("timestamp", ""))
    if (wanted.ts_from and ts < wanted.ts_from) or (wanted.ts_to and ts >= wanted.ts_to):
        return False
    for key, value in (
        ("workstation_id", wanted.workstation_id),
        ("patient_id", wanted.patient_id),
        ("purpose", wanted.purpose),
    ):
        if value and d.get(key) != value:
            return False
    by_actor = bool(wanted.actor_ids) and d.get("actor_id") in wanted.actor_ids
    text = wanted.text.lower()
    if text and wanted.actor_ids:
        return text in entry.body.lower() or by_actor
    if wanted.actor_ids:
        return by_actor
    return not text or text in entry.body.lower()


class LocalEntrySource:
    """This PC's own trail."""

    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    def find(self, actor: Actor, query: str, wanted: EntryFilter, limit: int) -> FoundEntries:
        repo = self._trail.repository
        if wanted.patient_id:
            rows = iter(repo.rows_for_patient(wanted.patient_id))
        else:
            rows = repo.rows_between(wanted.ts_from or "", wanted.ts_to or "\uffff")
        found: list[AuditEntry] = []
        for seq, body, hash_ in rows:
            entry = AuditEntry(seq, body, hash_)
            if not matches(entry, wanted):
                continue
            if len(found) >= limit:
                return FoundEntries(found, truncated=True, stations=self.stations)
            found.append(entry)
        return FoundEntries(found, stations=self.stations)

    @property
    def stations(self) -> tuple[str, ...]:
        return (self._trail.workstation_id,)
