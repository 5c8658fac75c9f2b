"""The audit entry: the 12 fields of the reference format plus chain and purpose fields."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from services.access.actors import Actor

GENESIS_HASH = "0" * 64


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


def hash_body(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """A stored entry: `body` is the canonical JSON without `hash`."""

    seq: int
    body: str
    hash: str
    data: dict[str, Any] = field(compare=False, repr=False)

    @staticmethod
    def build(
        event: AuditEvent,
        *,
        seq: int,
        prev_hash: str,
        timestamp: datetime | str,
        practice_id: str,
        workstation_id: str,
        ip_address: str,
        user_agent: str,
        correlation_id: str,
    ) -> AuditEntry:
        stamp = timestamp if isinstance(timestamp, str) else iso_millis(timestamp)
        fields = sorted(event.fields)
        flags = sorted(event.flags)
        data: dict[str, Any] = {
            "action": event.action,
            "actor_id": event.actor.actor_id,
            "actor_type": event.actor.actor_type.value,
            "correlation_id": event.correlation_id or correlation_id,
            "fields": fields,
            "flags": flags,
            "ip_address": ip_address,
            "outcome": event.outcome.value,
            "patient_id": event.patient_id,
            "practice_id": practice_id,
            "prev_hash": prev_hash,
            "purpose": event.purpose,
            "resource_id": event.resource_id,
            "resource_type": event.resource_type,
            "seq": seq,
            "timestamp": stamp,
            "user_agent": user_agent,
            "workstation_id": workstation_id,
        }
        # The append hot path writes the canonical form directly (keys already sorted);
        # a test holds it equal to canonical(data).
        e = _escape
        body = (
            f'{{"action":{e(data["action"])},"actor_id":{e(data["actor_id"])},'
            f'"actor_type":{e(data["actor_type"])},"correlation_id":{e(data["correlation_id"])},'
            f'"fields":[{",".join(map(e, fields))}],"flags":[{",".join(map(e, flags))}],'
            f'"ip_address":{e(ip_address)},"outcome":{e(data["outcome"])},'
            f'"patient_id":{e(event.patient_id)},"practice_id":{e(practice_id)},'
            f'"prev_hash":{e(prev_hash)},"purpose":{e(event.purpose)},'
            f'"resource_id":{e(event.resource_id)},"resource_type":{e(event.resource_type)},'
            f'"seq":{int(seq)},"timestamp":{e(stamp)},"user_agent":{e(user_agent)},'
            f'"workstation_id":{e(workstation_id)}}}'
        )
        return AuditEntry(seq=seq, body=body, hash=hash_body(body), data=data)

    @staticmethod
    def from_row(seq: int, body: str, hash_: str) -> AuditEntry:
        return AuditEntry(seq=seq, body=body, hash=hash_, data=json.loads(body))

    def as_json_line(self) -> str:
        """The full entry, hash included, as one line (exports and archive batches)."""
        return canonical(dict(self.data, hash=self.hash))

    @property
    def prev_hash(self) -> str:
        return str(self.data["prev_hash"])

    @property
    def timestamp(self) -> str:
        return str(self.data["timestamp"])
