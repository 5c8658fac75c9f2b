"""The audit entry: the 12 fields of the reference format plus chain and purpose fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from services.access.actors import Actor


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    PARTIAL = "partial"


@dataclass(frozen=True)
class AuditEvent:
    """What a caller records. The trail adds time, ids, sequence and hashes.

    Identifiers must already be pseudonyms (`pt_…`, `apt_…`): the trail never sees a
    PMS record number, a name or any other PHI value. `fields` holds field *names*.
    """

    action: str
    actor: Actor
    outcome: Outcome = Outcome.SUCCESS
    resource_type: str = ""
    patient_id: str = ""
    resource_id: str = ""
    purpose: str = ""
    fields: tuple[str, ...] = ()
    correlation_id: str = ""
    flags: tuple[str, ...] = ()


def iso_millis(when: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a Z, as the reference format shows."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def canonical(document: dict[str, Any]) -> str:
    """Sorted keys, no spaces, UTF-8: the bytes the hash covers."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_escape: Callable[[str], str] = json.encoder.encode_basestring


class AuditEntry:
    """A stored entry: `body` is the canonical JSON without `hash`; `data` is parsed on demand."""

    __slots__ = ("_data", "body", "hash", "seq")

    def __init__(self, seq: int, body: str, hash_: str) -> None:
        self.seq = seq
        self.body = body
        self.hash = hash_
        self._data: dict[str, Any] | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AuditEntry) and (self.seq, self.hash) == (other.seq, other.hash)

    def __hash__(self) -> int:
        return hash((self.seq, self.hash))

    def __repr__(self) -> str:
        return f"AuditEntry(seq={self.seq}, hash={self.hash[:12]}…)"

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = json.loads(self.body)
        return self._data

    @staticmethod
    def from_row(seq: int, body: str, hash_: str) -> AuditEntry:
        return AuditEntry(seq, body, hash_)

    def as_json_line(self) -> str:
        """The full entry, hash included, as one line (exports and archive batches)."""
        return canonical(dict(self.data, hash=self.hash))

    @property
    def prev_hash(self) -> str:
        return str(self.data["prev_hash"])

    @property
    def timestamp(self) -> str:
        return str(self.data["timestamp"])


def build_batch(
    events: Sequence[AuditEvent],
    *,
    first_seq: int,
    prev_hash: str,
    timestamp: datetime | str,
    practice_id: str,
    workstation_id: str,
    ip_address: str,
    user_agent: str,
    correlation_id: str,
) -> list[AuditEntry]:
    """Chain `events` after (first_seq - 1, prev_hash).

    This is the append hot path, so it writes the canonical JSON directly, keys in
    sorted order, escaping each value with the json module's own string encoder; a test
    holds every body equal to canonical(data), and tests/audit/test_entry_format.py pins
    the bytes and hashes. What is the same for the whole batch is written once, and the
    actor's and the field list's parts are kept while the next event has the same ones
    (a batch usually does).
    """
    e = _escape
    stamp = e(timestamp if isinstance(timestamp, str) else iso_millis(timestamp))
    default_correlation = e(correlation_id)
    after_flags = f'],"ip_address":{e(ip_address)},"outcome":"'
    practice = f',"practice_id":{e(practice_id)},"prev_hash":"'
    tail = (
        f',"timestamp":{stamp},"user_agent":{e(user_agent)},"workstation_id":{e(workstation_id)}}}'
    )
    sha256 = hashlib.sha256
    entries: list[AuditEntry] = []
    seq = first_seq - 1
    prev = prev_hash
    actor: Actor | None = None
    actor_part = ""
    fields_of: tuple[str, ...] | None = None
    fields = ""
    flags_of: tuple[str, ...] | None = None
    flags = ""
    for ev in events:
        seq += 1
        if ev.actor is not actor:
            actor = ev.actor
            # StrEnum: formatting gives the value itself, without the enum's slower .value.
            actor_part = f',"actor_id":{e(actor.actor_id)},"actor_type":"{actor.actor_type}"'
            flags_of = None  # the actor's auth flags are among the entry's flags
        if ev.fields is not fields_of:
            fields_of = ev.fields
            fields = ",".join(map(e, sorted(fields_of)))
        if ev.flags is not flags_of:
            flags_of = ev.flags
            auth = ev.actor.auth_flags
            tags = (*flags_of, *auth) if auth else flags_of
            flags = ",".join(map(e, sorted(tags)))
        correlation = e(ev.correlation_id) if ev.correlation_id else default_correlation
        body = (
            f'{{"action":{e(ev.action)}{actor_part},"correlation_id":{correlation},'
            f'"fields":[{fields}],"flags":[{flags}{after_flags}{ev.outcome}",'
            f'"patient_id":{e(ev.patient_id)}{practice}{prev}","purpose":{e(ev.purpose)},'
            f'"resource_id":{e(ev.resource_id)},"resource_type":{e(ev.resource_type)},'
            f'"seq":{seq}{tail}'
        )
        prev = sha256(body.encode()).hexdigest()
        entries.append(AuditEntry(seq, body, prev))
    return entries
