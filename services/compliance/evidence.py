"""Evidence for the checklist items people do (a risk analysis, training, agreements): the
compliance officer marks an item done with a date, a note and where the proof is kept.

Only the reference is stored (a file path, a document number, "binder in the office"),
never the document. The note may name people: it stays in the encrypted database, and the
audit trail records only which item was marked, undone or replaced, and by whom.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, tzinfo

from errors import EnamelError
from services.access import AccessDenied, Actor, Permission, may
from services.audit import AuditEvent, AuditTrail, Outcome
from services.clock import Clock
from services.compliance.checklist import BY_KEY, ItemDef, add_months
from storage.compliance_repo import WITHDRAWAL_PREFIX, ComplianceRepository, EvidenceRecord

RECORDED = "checklist_evidence_recorded"
WITHDRAWN = "checklist_evidence_withdrawn"
NOTE_MAX = 2000
ATTACHMENT_MAX = 500


class EvidenceError(EnamelError):
    """The evidence cannot be recorded as given; the message says what to change."""

    exit_code = 2


@dataclass(frozen=True)
class Evidence:
    """What the officer enters in the dialog."""

    done_on: date
    note: str
    attachment: str = ""  # a file path or a document id: the reference, not the file


def _item(key: str) -> ItemDef:
    item = BY_KEY.get(key)
    if item is None or not item.recordable:
        raise EvidenceError(
            "This checklist item is checked by Enamel itself; there is no evidence to record."
        )
    return item


def _refuse(trail: AuditTrail, actor: Actor, action: str, key: str) -> None:
    trail.append(
        AuditEvent(
            action=action,
            actor=actor,
            outcome=Outcome.FAILURE,
            resource_type="checklist_item",
            resource_id=key,
            flags=("denied",),
        )
    )
    raise AccessDenied(
        f"Your role ({actor.role.label}) does not allow this: only the compliance officer "
        "marks checklist items done. The attempt has been recorded."
    )


def _check(item: ItemDef, evidence: Evidence, today: date) -> tuple[str, str]:
    note = evidence.note.strip()
    where = evidence.attachment.strip()
    if evidence.done_on > today:
        raise EvidenceError(f"The date done ({evidence.done_on.isoformat()}) is in the future.")
    if not note:
        raise EvidenceError("Write a short note: what was done, by whom, what it found.")
    if len(note) > NOTE_MAX:
        raise EvidenceError(f"The note is longer than {NOTE_MAX} characters.")
    if item.needs_attachment and not where:
        raise EvidenceError(
            "Say where the written report is kept: a file path or a document number."
        )
    if len(where) > ATTACHMENT_MAX or any(c in where for c in "\r\n\t"):
        raise EvidenceError(
            f"The attachment reference must be one line of at most {ATTACHMENT_MAX} characters."
        )
    months = item.renew_months
    if months is not None and add_months(evidence.done_on, months) <= today:
        raise EvidenceError(
            f"Done on {evidence.done_on.isoformat()} is more than {months} "
            "months ago: it would not count. Record the latest one."
        )
    return note, where


def record_evidence(
    repo: ComplianceRepository,
    trail: AuditTrail,
    clock: Clock,
    zone: tzinfo,
    actor: Actor,
    key: str,
    evidence: Evidence,
) -> EvidenceRecord:
    """Mark the item done (or replace its evidence); audited before it is stored."""
    item = _item(key)
    if not may(actor, Permission.RECORD_EVIDENCE):
        _refuse(trail, actor, RECORDED, key)
    now = clock.now()
    note, where = _check(item, evidence, now.astimezone(zone).date())
    earlier = repo.latest_evidence().get(key)
    replaced = earlier is not None and not earlier.withdrawn
    record = EvidenceRecord(
        evidence_id=f"ev_{secrets.token_hex(6)}",
        item_key=key,
        done_on=evidence.done_on,
        note=note,
        attachment=where,
        recorded_at=now,
        recorded_by=actor.actor_id,
    )
    flags = [f"evidence:{record.evidence_id}", f"done_on:{evidence.done_on.isoformat()}"]
    if where:
        flags.append("attachment")
    if replaced and earlier is not None:
        flags.append(f"replaces:{earlier.evidence_id}")
    trail.append(
        AuditEvent(
            action=RECORDED,
            actor=actor,
            resource_type="checklist_item",
            resource_id=key,
            flags=tuple(flags),
        )
    )
    repo.add_evidence(record)
    return record


def withdraw_evidence(
    repo: ComplianceRepository,
    trail: AuditTrail,
    clock: Clock,
    zone: tzinfo,
    actor: Actor,
    key: str,
    reason: str = "",
) -> EvidenceRecord:
    """Undo the item's mark: it is not done until evidence is recorded again; audited."""
    _item(key)
    if not may(actor, Permission.RECORD_EVIDENCE):
        _refuse(trail, actor, WITHDRAWN, key)
    earlier = repo.latest_evidence().get(key)
    if earlier is None or earlier.withdrawn:
        raise EvidenceError("This item is not marked done: there is nothing to undo.")
    now = clock.now()
    record = EvidenceRecord(
        evidence_id=f"{WITHDRAWAL_PREFIX}{secrets.token_hex(6)}",
        item_key=key,
        done_on=now.astimezone(zone).date(),
        note=reason.strip()[:NOTE_MAX] or "Mark undone.",
        attachment="",
        recorded_at=now,
        recorded_by=actor.actor_id,
    )
    trail.append(
        AuditEvent(
            action=WITHDRAWN,
            actor=actor,
            resource_type="checklist_item",
            resource_id=key,
            flags=(f"evidence:{record.evidence_id}", f"withdraws:{earlier.evidence_id}"),
        )
    )
    repo.add_evidence(record)
    return record
