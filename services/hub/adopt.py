"""`hub adopt`: a single PC's accounts move to a hub that has none yet."""

from __future__ import annotations

from typing import Any

from services.audit import AuditEvent, AuditTrail
from services.hub.directory_rpc import decode_record
from services.hub.errors import HubError, bad_request
from services.hub.registry import HUB_ACTOR
from storage.accounts_repo import SqlAccountDirectory

MAX_ACCOUNTS = 500


def adopt(accounts: SqlAccountDirectory, trail: AuditTrail, body: Any, workstation_id: str) -> int:
    """Take every account of `body["accounts"]`; refused once the hub has any account."""
    if accounts.all():
        raise HubError(
            409,
            "hub_has_accounts",
            "The hub has accounts already; accounts move to a hub only before it has any.",
        )
    items = body.get("accounts") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or len(items) > MAX_ACCOUNTS:
        raise bad_request("'accounts' is a list of 1 to 500 accounts.")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise bad_request("Each account is {record, totp_secret, recovery_code_hashes}.")
        record = decode_record(item.get("record"))
        secret = item.get("totp_secret")
        hashes = item.get("recovery_code_hashes", [])
        if (secret is not None and not isinstance(secret, str)) or not (
            isinstance(hashes, list) and all(isinstance(h, str) for h in hashes)
        ):
            raise bad_request("Each account is {record, totp_secret, recovery_code_hashes}.")
        parsed.append((record, secret, hashes))
    if len({r.user_id for r, _, _ in parsed}) != len(parsed) or len(
        {r.login for r, _, _ in parsed}
    ) != len(parsed):
        raise bad_request("The accounts repeat an id or a user name.")
    for record, secret, hashes in parsed:
        accounts.create(record)
        if secret is not None:
            accounts.set_totp_secret(record.user_id, secret)
            # set_totp_secret starts a new enrollment; these accounts keep theirs.
            accounts.update(
                record.user_id,
                totp_enrolled=int(record.totp_enrolled),
                last_totp_step=record.last_totp_step,
            )
        accounts.set_recovery_codes(record.user_id, hashes)
    trail.append(
        AuditEvent(
            action="accounts_adopted",
            actor=HUB_ACTOR,
            resource_type="workstation",
            resource_id=workstation_id,
            flags=(f"accounts:{len(parsed)}",),
        )
    )
    return len(parsed)
