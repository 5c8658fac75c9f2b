"""The hub's entry index answers the same as a PC's own trail for every filter of the tools.

Real SQLCipher: a workstation's entries are written through its trail, indexed into
`hub_entries` as the hub does (from the sealed batch's lines), and every filter the audit
viewer, the access report and the breach assessment use is asked of both.
"""

from __future__ import annotations

from typing import Any

import pytest

from services.access import Actor, ActorType, Role
from services.audit import AuditEntry, AuditEvent, Outcome
from services.audit.sources import LocalEntrySource
from storage.hub_entries_repo import EntryFilter, HubEntryRepository, IndexedEntry

ROBIN = Actor("user_robin", ActorType.HUMAN, Role.FRONT_DESK)
LEE = Actor("user_lee", ActorType.HUMAN, Role.DENTIST)


def _work(services: Any, clock: Any) -> None:
    for n in range(12):
        who = ROBIN if n % 3 else LEE
        services.trail.append(
            AuditEvent(
                action="patient_viewed" if n % 2 else "schedule_read",
                actor=who,
                outcome=Outcome.SUCCESS if n % 5 else Outcome.FAILURE,
                resource_type="patient",
                patient_id=f"pt_{n % 4}",
                purpose="patient_lookup" if n % 2 else "schedule",
            )
        )
        clock.advance(600)


def _index(services: Any) -> HubEntryRepository:
    """Into `hub_entries` as the hub indexes a batch: from the batch's lines (hash included)."""
    from services.archive.batch import OpenedBatch
    from services.hub.entry_index import indexed_entries

    repo = HubEntryRepository(services.installation.db)
    lines = [AuditEntry(*row).as_json_line() for row in services.trail.repository.rows()]
    ws = services.trail.workstation_id
    rows = indexed_entries(ws, OpenedBatch({}, lines, ""))
    assert repo.add(rows) == len(rows)
    assert repo.add(rows[:3]) == 0  # indexing a batch twice adds nothing
    assert all(isinstance(r, IndexedEntry) and r.workstation_id == ws for r in rows)
    return repo


@pytest.mark.parametrize(
    "wanted",
    [
        EntryFilter(),
        EntryFilter(patient_id="pt_2"),
        EntryFilter(purpose="schedule"),
        EntryFilter(actor_ids=("user_lee",)),
        EntryFilter(text="patient_viewed"),
        EntryFilter(text="PATIENT_VIEWED", actor_ids=("user_lee",)),  # text or actor
        EntryFilter(workstation_id="ws_elsewhere"),
        EntryFilter(ts_from="2026-01-01T00:00:00.000Z"),
    ],
    ids=lambda f: repr(f)[11:60],
)
def test_the_index_and_the_trail_agree(services: Any, clock: Any, wanted: EntryFilter) -> None:
    _work(services, clock)
    repo = _index(services)
    if wanted.ts_from:  # a window inside the work's: its middle third
        times = sorted(AuditEntry(*r).timestamp for r in services.trail.repository.rows())
        wanted = EntryFilter(ts_from=times[len(times) // 3], ts_to=times[2 * len(times) // 3])
    local = LocalEntrySource(services.trail).find(ROBIN, "audit_view", wanted, 1000)
    hub = repo.query(wanted, 1000)
    assert [(e.seq, e.hash) for e in local.entries] == [(r.seq, r.hash) for r in hub]
    assert [e.body for e in local.entries] == [r.body for r in hub]  # the body as hashed


def test_a_query_is_bounded(services: Any, clock: Any) -> None:
    _work(services, clock)
    repo = _index(services)
    assert len(repo.query(EntryFilter(), 5)) == 5
    local = LocalEntrySource(services.trail).find(ROBIN, "audit_view", EntryFilter(), 5)
    assert len(local.entries) == 5 and local.truncated


def test_without_a_hub_token_a_joined_pc_shows_its_own_and_says_why(
    services: Any, clock: Any
) -> None:
    import ssl

    from services.hub.client import HubClient
    from services.hub.practice_source import NO_HUB_SESSION, PracticeEntrySource

    _work(services, clock)
    here = services.trail.workstation_id
    source = PracticeEntrySource(
        HubClient("https://127.0.0.1:9", ssl.create_default_context()),
        lambda _user: None,  # signed in offline: the hub gave this session no token
        LocalEntrySource(services.trail),
        here,
    )
    found = source.find(ROBIN, "audit_view", EntryFilter(), 1000)
    assert not found.practice_wide and found.notice == NO_HUB_SESSION
    assert {e.data["workstation_id"] for e in found.entries} == {here}
    elsewhere = source.find(ROBIN, "audit_view", EntryFilter(workstation_id="ws_other"), 1000)
    assert elsewhere.entries == [] and not elsewhere.practice_wide


def test_the_index_lists_the_workstations_it_holds_entries_from(services: Any, clock: Any) -> None:
    from dataclasses import replace

    _work(services, clock)
    repo = _index(services)
    here = services.trail.workstation_id
    assert repo.workstations() == [here]
    theirs = [replace(r, workstation_id="ws_a_pc") for r in repo.query(EntryFilter(), 3)]
    assert repo.add(theirs) == 3
    assert repo.workstations() == sorted([here, "ws_a_pc"])
