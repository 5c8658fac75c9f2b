"""`enamel-admin hub adopt`, the workstation's side: this PC's accounts move to a hub with none."""

from __future__ import annotations

from services.access import Actor
from services.audit import AuditEvent, AuditTrail
from services.hub.client import HubClient
from storage.account_json import record_to_json
from storage.accounts_repo import SqlAccountDirectory


def push_accounts(
    client: HubClient, local: SqlAccountDirectory, trail: AuditTrail, actor: Actor
) -> int:
    """POST /v1/adopt with every account of this PC (record, TOTP secret, recovery-code hashes).

    The hub takes them only while it has no account; it refuses otherwise and nothing changes.
    The local accounts stay in this PC's database, unused while the PC is joined.
    """
    accounts = [
        {
            "record": record_to_json(record),
            "totp_secret": local.totp_secret(record.user_id),
            "recovery_code_hashes": local.unused_recovery_code_hashes(record.user_id),
        }
        for record in local.all()
    ]
    answer = client.post("/v1/adopt", {"accounts": accounts})
    count = int(answer.get("adopted", 0))
    trail.append(
        AuditEvent(
            action="accounts_moved_to_hub",
            actor=actor,
            resource_type="workstation",
            flags=(f"accounts:{count}",),
        )
    )
    return count
