"""The hub answers the practice-wide compliance queries: entries and alerts, per person.

Each query carries the person's actor token (bound to the asking workstation) and needs the
permission the workstation's own screen needs: VIEW_AUDIT for the audit viewer, the access
report's purpose (or the pseudonymous report's RUN_REPORTS / VIEW_AUDIT) for a patient's
report, the breach assessment's purpose or RUN_REPORTS for an assessment, MANAGE_ALERTS for
alerts. Every query, allowed or refused, is an entry in the hub's own trail naming the person
and the workstation; the workstation records it in its trail as well, as it always did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from services.access import Actor, Permission, Purpose, may, may_read
from services.audit import AuditEvent, AuditTrail, Outcome
from services.audit.sources import ACCESS_REPORT, AUDIT_VIEW, BREACH_ASSESSMENT, QUERIES
from services.clock import Clock
from services.compliance.alerts import AlertNotFound, AlertService
from services.hub.errors import HubError, bad_request, forbidden
from services.hub.tokens import ActorTokens
from storage.compliance_repo import AlertRecord, ComplianceRepository
from storage.hub_entries_repo import EntryFilter, HubEntryRepository

MAX_ENTRIES = 5_000  # one answer; the workstation says when more matched
MAX_ALERTS = 1_000


def permitted(actor: Actor, query: str, now: datetime) -> bool:
    if query == AUDIT_VIEW:
        return may(actor, Permission.VIEW_AUDIT)
    if query == ACCESS_REPORT:
        return (
            may_read(actor, Purpose.ACCESS_REPORT, now)
            or may(actor, Permission.RUN_REPORTS)
            or may(actor, Permission.VIEW_AUDIT)
        )
    if query == BREACH_ASSESSMENT:
        return may_read(actor, Purpose.BREACH_ASSESSMENT, now) or may(actor, Permission.RUN_REPORTS)
    return False


def _text(body: Mapping[str, Any], name: str, most: int = 200) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > most:
        raise bad_request(f"'{name}' is a short text.")
    return value


def entry_filter(body: Mapping[str, Any]) -> EntryFilter:
    actors = body.get("actor_ids", [])
    if (
        not isinstance(actors, list)
        or len(actors) > 200
        or not all(isinstance(a, str) for a in actors)
    ):
        raise bad_request("'actor_ids' is a list of at most 200 account ids.")
    return EntryFilter(
        ts_from=_text(body, "ts_from"),
        ts_to=_text(body, "ts_to"),
        workstation_id=_text(body, "workstation_id"),
        actor_ids=tuple(actors),
        patient_id=_text(body, "patient_id"),
        purpose=_text(body, "purpose"),
        text=_text(body, "text"),
    )


def encode_alert(a: AlertRecord) -> dict[str, Any]:
    return {
        "alert_id": a.alert_id,
        "rule": a.rule,
        "severity": a.severity,
        "subject": a.subject,
        "event_at": a.event_at.isoformat(),
        "raised_at": a.raised_at.isoformat(),
        "summary": a.summary,
        "entry_count": a.entry_count,
        "first_seq": a.first_seq,
        "last_seq": a.last_seq,
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "acknowledged_by": a.acknowledged_by,
        "ack_note": a.ack_note,
    }


def decode_alert(d: Mapping[str, Any]) -> AlertRecord:
    def when(value: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(str(value))

    return AlertRecord(
        alert_id=str(d["alert_id"]),
        rule=str(d["rule"]),
        severity=str(d["severity"]),
        subject=str(d["subject"]),
        event_at=datetime.fromisoformat(str(d["event_at"])),
        raised_at=datetime.fromisoformat(str(d["raised_at"])),
        summary=str(d["summary"]),
        entry_count=int(d["entry_count"]),
        first_seq=int(d["first_seq"]),
        last_seq=int(d["last_seq"]),
        acknowledged_at=when(d.get("acknowledged_at")),
        acknowledged_by=None if d.get("acknowledged_by") is None else str(d["acknowledged_by"]),
        ack_note=None if d.get("ack_note") is None else str(d["ack_note"]),
    )


class PracticeAudit:
    def __init__(
        self,
        entries: HubEntryRepository,
        alerts: ComplianceRepository,
        tokens: ActorTokens,
        trail: AuditTrail,
        clock: Clock,
        names: Callable[[], dict[str, str]] = dict,
    ) -> None:
        self._names = names  # workstation id -> the name the hub lists it by
        self._entries = entries
        self._alerts = alerts
        self._tokens = tokens
        self._trail = trail
        self._clock = clock

    def _actor(self, token: str | None, workstation_id: str) -> Actor:
        actor = self._tokens.actor(token, workstation_id)
        if actor is None:
            raise forbidden(
                "The practice's audit trail needs the sign-in of the person asking; sign in "
                "again at this workstation.",
                "actor_required",
            )
        return actor

    def _record(
        self, action: str, actor: Actor, workstation_id: str, *, ok: bool, patient: str = ""
    ) -> None:
        self._trail.append(
            AuditEvent(
                action=action,
                actor=actor,
                outcome=Outcome.SUCCESS if ok else Outcome.FAILURE,
                resource_type="audit_log" if "alert" not in action else "alert",
                resource_id=workstation_id,  # where the person asked from
                patient_id=patient,
                flags=("practice",) if ok else ("practice", "denied"),
            )
        )

    def entries(
        self, token: str | None, workstation_id: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        query = body.get("query")
        if query not in QUERIES:
            raise bad_request("'query' names the compliance tool asking.")
        wanted = entry_filter(body)
        if query == ACCESS_REPORT and not wanted.patient_id:
            raise bad_request("A patient's access report names the patient's pseudonym.")
        limit = body.get("limit", MAX_ENTRIES)
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise bad_request("'limit' is a positive whole number.")
        actor = self._actor(token, workstation_id)
        query = str(query)
        if not permitted(actor, query, self._clock.now()):
            self._record(query, actor, workstation_id, ok=False, patient=wanted.patient_id)
            raise forbidden(
                f"Your role ({actor.role.label}) does not allow reading the practice's audit "
                "trail this way. The attempt has been recorded.",
                "not_permitted",
            )
        self._record(query, actor, workstation_id, ok=True, patient=wanted.patient_id)
        limit = min(limit, MAX_ENTRIES)
        rows = self._entries.query(wanted, limit + 1)
        return {
            "entries": [
                {"workstation_id": r.workstation_id, "seq": r.seq, "body": r.body, "hash": r.hash}
                for r in rows[:limit]
            ],
            "truncated": len(rows) > limit,
            "workstations": self._names(),
            "with_entries": self._entries.workstations(),
        }

    def _service(self, actor: Actor) -> AlertService:
        return AlertService(self._alerts, self._trail, self._clock)

    def alerts(
        self, token: str | None, workstation_id: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        actor = self._actor(token, workstation_id)
        if not may(actor, Permission.MANAGE_ALERTS):
            self._record("alerts_view", actor, workstation_id, ok=False)
            raise forbidden(
                f"Your role ({actor.role.label}) does not allow reading the practice's alerts. "
                "The attempt has been recorded.",
                "not_permitted",
            )
        self._record("alerts_view", actor, workstation_id, ok=True)
        rows = self._alerts.alerts(
            unacknowledged_only=bool(body.get("open_only")), limit=MAX_ALERTS
        )
        return {"alerts": [encode_alert(a) for a in rows]}

    def acknowledge(
        self, token: str | None, workstation_id: str, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        actor = self._actor(token, workstation_id)
        alert_id, note = _text(body, "alert_id"), _text(body, "note", 4000)
        if not may(actor, Permission.MANAGE_ALERTS):
            self._record("alert_acknowledged", actor, workstation_id, ok=False)
            raise forbidden(
                f"Your role ({actor.role.label}) does not allow acknowledging alerts. The "
                "attempt has been recorded.",
                "not_permitted",
            )
        try:
            record = self._service(actor).acknowledge(actor, alert_id, note)
        except AlertNotFound as exc:
            raise HubError(404, "not_found", exc.message) from None
        return {"alert": encode_alert(record)}

    def count(self) -> dict[str, Any]:
        """For the badge: a number, no PHI."""
        return {"open": self._alerts.unacknowledged_count()}
