"""The stored entry's exact bytes and hashes, pinned: a faster append or verify may not change them."""

from __future__ import annotations

import json

from services.access import Actor, ActorType, Role
from services.audit import verify_rows
from services.audit.entry import AuditEntry, AuditEvent, Outcome, build_batch, canonical

ODD = Actor('user_"quoted"\\back', ActorType.AGENT, Role.AGENT, auth_flags=("offline_signin",))
NURSE = Actor("user_7", ActorType.HUMAN, Role.FRONT_DESK)
EVENTS = [
    AuditEvent(
        action="appointment_query",
        actor=NURSE,
        resource_type="appointment",
        patient_id="pt_1",
        resource_id="apt_2",
        purpose="schedule",
        fields=("phone", "appointment_date"),
    ),
    AuditEvent(
        action="é ünicode \n line",
        actor=ODD,
        outcome=Outcome.PARTIAL,
        fields=("b", "a"),
        flags=("x", "queued"),
        correlation_id="req_own",
    ),
    AuditEvent(action="sign_in", actor=Actor.system(), outcome=Outcome.FAILURE),
]
PREV = "ab" * 32
FIRST_BODY = (
    '{"action":"appointment_query","actor_id":"user_7","actor_type":"human",'
    '"correlation_id":"req_batch","fields":["appointment_date","phone"],"flags":[],'
    '"ip_address":"10.0.0.5","outcome":"success","patient_id":"pt_1","practice_id":"practice_1",'
    f'"prev_hash":"{PREV}","purpose":"schedule","resource_id":"apt_2",'
    '"resource_type":"appointment","seq":41,"timestamp":"2026-03-04T05:06:07.089Z",'
    '"user_agent":"Enamel/1.0 (test)","workstation_id":"ws_1"}'
)
# Computed by the implementation every stored trail was written with.
HASHES = [
    "5945fcdb7a1fc6b6df11d40cb3230f34ae826f70d01cf43dddbb70c601a97465",
    "43e6842cf43cfcf1e7f05f1e48df9e55ee467c67946f010e7f02f6bcd3444e7b",
    "f47163fbe54ad3ab7547e52a4aaa5d5ff49a5a6d56f47049c5a7dccbbef09f60",
]


def built(events: list[AuditEvent], first_seq: int) -> list[AuditEntry]:
    """`events` as one batch after PREV, at the pinned time and request context."""
    return build_batch(
        events,
        first_seq=first_seq,
        prev_hash=PREV,
        timestamp="2026-03-04T05:06:07.089Z",
        practice_id="practice_1",
        workstation_id="ws_1",
        ip_address="10.0.0.5",
        user_agent="Enamel/1.0 (test)",
        correlation_id="req_batch",
    )


def batch() -> list[tuple[int, str, str]]:
    return [(e.seq, e.body, e.hash) for e in built(EVENTS, 41)]


def test_bodies_and_hashes_are_the_stored_format() -> None:
    rows = batch()
    assert rows[0][1] == FIRST_BODY
    assert [h for _, _, h in rows] == HASHES
    for (_, body, _), (_, previous, prev_hash) in zip(rows[1:], rows, strict=False):
        data = json.loads(body)
        assert body == canonical(data)
        assert data["prev_hash"] == prev_hash != previous
    second = json.loads(rows[1][1])
    assert second["flags"] == ["offline_signin", "queued", "x"]
    assert second["correlation_id"] == "req_own" and second["actor_id"] == ODD.actor_id


def test_verify_accepts_the_pinned_chain_and_no_other() -> None:
    rows = batch()
    result = verify_rows(rows, (40, PREV))
    assert result.ok and (result.entries, result.last_seq, result.last_hash) == (3, 43, HASHES[2])
    assert not verify_rows(rows, (40, "cd" * 32)).ok  # a different previous hash
    assert not verify_rows(rows, (39, PREV)).ok  # a different previous seq
    renumbered = [(seq + 10, body, stored) for seq, body, stored in rows]
    assert not verify_rows(renumbered, (50, PREV)).ok  # hashes fine, the bodies' seq not


def reference(ev: AuditEvent, seq: int, prev: str) -> str:
    """The entry as canonical(dict): the slow, obvious way of writing the same bytes."""
    return canonical(
        {
            "action": ev.action,
            "actor_id": ev.actor.actor_id,
            "actor_type": ev.actor.actor_type.value,
            "correlation_id": ev.correlation_id or "req_batch",
            "fields": sorted(ev.fields),
            "flags": sorted((*ev.flags, *ev.actor.auth_flags)),
            "ip_address": "10.0.0.5",
            "outcome": ev.outcome.value,
            "patient_id": ev.patient_id,
            "practice_id": "practice_1",
            "prev_hash": prev,
            "purpose": ev.purpose,
            "resource_id": ev.resource_id,
            "resource_type": ev.resource_type,
            "seq": seq,
            "timestamp": "2026-03-04T05:06:07.089Z",
            "user_agent": "Enamel/1.0 (test)",
            "workstation_id": "ws_1",
        }
    )


def test_parts_kept_between_events_follow_each_event() -> None:
    """The actor's, fields' and flags' parts are reused only while they are the same."""
    flags = ("queued",)
    fields = ("phone",)
    events = [
        AuditEvent("a", NURSE, fields=fields, flags=flags),
        AuditEvent("b", NURSE, fields=fields, flags=flags),
        AuditEvent("c", ODD, fields=fields, flags=flags),  # same flags, actor adds its own
        AuditEvent("d", ODD, fields=("phone", "name"), flags=flags, outcome=Outcome.FAILURE),
        AuditEvent("e", NURSE, fields=fields, flags=flags),  # back: the actor's flags go
        AuditEvent("f", NURSE, fields=("zip",), flags=()),
        AuditEvent("g", Actor("user_7", ActorType.HUMAN, Role.FRONT_DESK, auth_flags=("x",))),
    ]
    entries = built(events, 1)
    prev = PREV
    for seq, (ev, entry) in enumerate(zip(events, entries, strict=True), start=1):
        assert entry.body == reference(ev, seq, prev)
        prev = entry.hash
