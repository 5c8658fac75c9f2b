"""TOTP steps used offline, reported when the hub is back: the ones seen elsewhere are conflicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.hub.errors import bad_request
from storage.hub_repo import HubRepository

MAX_USES = 1000


def reconcile(repo: HubRepository, uses: Any, workstation_id: str) -> list[dict[str, object]]:
    if not isinstance(uses, list) or len(uses) > MAX_USES:
        raise bad_request("'uses' is a list of at most 1000 {user_id, step, at}.")
    conflicts: list[dict[str, object]] = []
    for use in uses:
        try:
            user_id, step = str(use["user_id"]), int(use["step"])
            at = datetime.fromisoformat(str(use["at"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise bad_request("Each use is {user_id, step, at (ISO 8601)}.") from exc
        if repo.reconcile_step(user_id, step, workstation_id, at):
            conflicts.append({"user_id": user_id, "step": step})
    return conflicts
