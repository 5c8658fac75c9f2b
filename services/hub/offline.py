"""When the hub is back: offline sign-ins reported to it, conflicts raised as compliance alerts."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from services.access import Actor
from services.audit import AuditEvent, AuditTrail, Outcome
from services.clock import Clock
from services.compliance.breach.rules import Rule
from services.hub.client import HubClient
from storage.compliance_repo import AlertRecord, ComplianceRepository
from storage.hub_cache_repo import HubCacheRepository

log = logging.getLogger("services.hub.offline")

HUB_SYNC_ACTOR = Actor.system("hub_sync")


@dataclass(frozen=True)
class Reconciled:
    reported: int
    conflicts: int


def reconcile(
    client: HubClient,
    cache: HubCacheRepository,
    trail: AuditTrail,
    alerts: ComplianceRepository,
    clock: Clock,
) -> Reconciled:
    """Tell the hub every TOTP step used here offline; one it saw already is an alert."""
    uses = cache.unreported()
    if not uses:
        return Reconciled(0, 0)
    answer = client.post(
        "/v1/offline/reconcile",
        {"uses": [{"user_id": u.user_id, "step": u.step, "at": u.at.isoformat()} for u in uses]},
    )
    conflicts = {
        (str(c.get("user_id")), int(c.get("step", 0)))
        for c in answer.get("conflicts") or []
        if isinstance(c, dict)
    }
    now = clock.now()
    cache.reported(uses, conflicts, now)
    for use in uses:
        if (use.user_id, use.step) not in conflicts:
            continue
        entry = trail.append(
            AuditEvent(
                action="offline_code_conflict",
                actor=HUB_SYNC_ACTOR,
                outcome=Outcome.FAILURE,
                resource_type="account",
                resource_id=use.user_id,
                flags=("offline",),
            )
        )
        alert = AlertRecord(
            alert_id=f"al_{secrets.token_hex(6)}",
            rule=Rule.OFFLINE_CODE_CONFLICT.value,
            severity=Rule.OFFLINE_CODE_CONFLICT.severity,
            subject=use.user_id,
            event_at=use.at,
            raised_at=now,
            summary=(
                "An authenticator code used to sign in at this PC while the practice hub was "
                "away had been used elsewhere too: check who signed in, and reset the person's "
                "authenticator if it was not them."
            ),
            entry_count=1,
            first_seq=entry.seq,
            last_seq=entry.seq,
        )
        if alerts.insert_alert_unless_recent(alert, use.at, use.at + timedelta(microseconds=1)):
            trail.append(
                AuditEvent(
                    action="alert_raised",
                    actor=HUB_SYNC_ACTOR,
                    resource_type="alert",
                    resource_id=alert.alert_id,
                    flags=(alert.rule, alert.severity),
                )
            )
        log.warning("hub.offline_conflict", extra={"action": alert.rule})
    return Reconciled(len(uses), len(conflicts))
