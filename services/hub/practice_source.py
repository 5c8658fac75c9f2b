"""A joined PC's compliance tools read the practice's entries and alerts from the hub.

`PracticeEntrySource` (an `EntrySource`) asks the hub for every workstation's entries that
match, with the person's actor token, and adds this PC's own entries the hub does not hold yet
(its last batch not sealed or not sent), deduplicated by workstation and seq, so nothing is
missed. With the hub away, or no hub token for the person (signed in offline), it answers this
PC's entries marked "this workstation only" and says why. `HubAlerts` is the practice's
alerts at the hub (`AlertService(practice=...)`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from errors import EnamelError
from services.access import Actor
from services.access.policy import AccessDenied
from services.audit.entry import AuditEntry
from services.audit.sources import THIS_WORKSTATION_ONLY, FoundEntries, LocalEntrySource
from services.compliance.alerts import AlertNotFound
from services.hub.client import HubClient, HubRefused, HubUnreachable
from services.hub.practice_audit import decode_alert
from storage.compliance_repo import AlertRecord
from storage.hub_entries_repo import EntryFilter

log = logging.getLogger("services.hub.practice_source")

# The person's token at the hub for their session at this PC (HubAccountDirectory.actor_token).
TokenOf = Callable[[str], str | None]

NO_HUB_SESSION = (
    "You signed in while the practice hub could not be reached, so the hub cannot show you the "
    "practice's entries: these are this workstation's only. Sign in again to see them all."
)


class PracticeUnavailable(EnamelError):
    """The practice's alerts cannot be read now (the hub is away)."""

    exit_code = 2


def _refused(exc: HubRefused) -> EnamelError:
    if exc.code in ("not_permitted", "actor_required"):
        return AccessDenied(exc.message)
    return exc


class PracticeEntrySource:
    def __init__(
        self, client: HubClient, token_of: TokenOf, local: LocalEntrySource, workstation_id: str
    ) -> None:
        self._client = client
        self._token_of = token_of
        self._local = local
        self._workstation = workstation_id

    def find(self, actor: Actor, query: str, wanted: EntryFilter, limit: int) -> FoundEntries:
        mine = (
            FoundEntries([])
            if wanted.workstation_id not in ("", self._workstation)
            else self._local.find(actor, query, wanted, limit)
        )
        token = self._token_of(actor.actor_id)
        here = (self._workstation,)  # with the hub away, only this PC's can be shown
        if token is None:
            return FoundEntries(mine.entries, False, NO_HUB_SESSION, mine.truncated, stations=here)
        body: dict[str, Any] = {
            "query": query,
            "ts_from": wanted.ts_from,
            "ts_to": wanted.ts_to,
            "workstation_id": wanted.workstation_id,
            "actor_ids": list(wanted.actor_ids),
            "patient_id": wanted.patient_id,
            "purpose": wanted.purpose,
            "text": wanted.text,
            "limit": limit,
        }
        try:
            answer = self._client.post("/v1/practice/entries", body, actor_token=token)
        except HubUnreachable:
            log.info("hub.practice_entries_unreachable")
            return FoundEntries(
                mine.entries, False, THIS_WORKSTATION_ONLY, mine.truncated, stations=here
            )
        except HubRefused as exc:
            raise _refused(exc) from None
        held: set[tuple[str, int]] = set()
        entries: list[tuple[str, AuditEntry]] = []
        for item in answer.get("entries") or []:
            ws, seq = str(item["workstation_id"]), int(item["seq"])
            held.add((ws, seq))
            entries.append((ws, AuditEntry(seq, str(item["body"]), str(item["hash"]))))
        # This PC's entries the hub does not hold yet (a batch not sealed or not sent).
        entries += [
            (self._workstation, e) for e in mine.entries if (self._workstation, e.seq) not in held
        ]
        entries.sort(key=lambda pair: (pair[1].timestamp, pair[0], pair[1].seq))
        truncated = bool(answer.get("truncated")) or mine.truncated or len(entries) > limit
        listed = answer.get("workstations")
        names = {str(k): str(v) for k, v in listed.items()} if isinstance(listed, dict) else {}
        return FoundEntries(
            [e for _, e in entries[:limit]], True, "", truncated, names, stations(answer, here)
        )


def stations(answer: dict[str, Any], here: tuple[str, ...]) -> tuple[str, ...]:
    """Every workstation the hub holds entries from, and this PC (its own may not be there
    yet); a hub that does not list them: those it names and those its entries came from."""
    listed = answer.get("with_entries")
    if not isinstance(listed, list):
        named = answer.get("workstations")
        listed = [item["workstation_id"] for item in answer.get("entries") or []]
        listed += list(named) if isinstance(named, dict) else []
    return tuple(sorted({*here, *(str(ws) for ws in listed)}))


COUNT_FRESH_SECONDS = 30.0


class HubAlerts:
    """The badge's count is kept from the last answer for half a minute, and not asked while
    the hub is known to be away: the badge is drawn on the UI thread."""

    def __init__(
        self,
        client: HubClient,
        token_of: TokenOf,
        *,
        connected: Callable[[], bool] = lambda: True,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._token_of = token_of
        self._connected = connected
        self._monotonic = monotonic
        self._count: tuple[float, int] | None = None

    def _token(self, actor: Actor) -> str:
        token = self._token_of(actor.actor_id)
        if token is None:
            raise PracticeUnavailable(
                "You signed in while the practice hub could not be reached, so the practice's "
                "alerts cannot be shown. Sign in again when the hub is back."
            )
        return token

    def _post(self, path: str, body: dict[str, Any], actor: Actor) -> dict[str, Any]:
        try:
            return self._client.post(path, body, actor_token=self._token(actor))
        except HubUnreachable:
            raise PracticeUnavailable(
                "The practice hub cannot be reached, so the practice's alerts cannot be shown "
                "or acknowledged here now. Try again when the hub is back."
            ) from None
        except HubRefused as exc:
            if exc.code == "not_found":
                raise AlertNotFound(exc.message) from None
            raise _refused(exc) from None

    def alerts(self, actor: Actor, unacknowledged_only: bool) -> list[AlertRecord]:
        answer = self._post("/v1/practice/alerts", {"open_only": unacknowledged_only}, actor)
        found = [decode_alert(a) for a in answer.get("alerts") or []]
        self._count = (self._monotonic(), sum(1 for a in found if not a.acknowledged))
        return found

    def acknowledge(self, actor: Actor, alert_id: str, note: str) -> AlertRecord:
        answer = self._post(
            "/v1/practice/alerts/acknowledge", {"alert_id": alert_id, "note": note}, actor
        )
        self._count = None
        return decode_alert(answer["alert"])

    def count(self) -> int | None:
        now = self._monotonic()
        if self._count is not None and now - self._count[0] < COUNT_FRESH_SECONDS:
            return self._count[1]
        if not self._connected():
            return None
        try:
            open_count = int(self._client.get("/v1/practice/alerts/count").get("open", 0))
        except (HubUnreachable, HubRefused):
            return None
        self._count = (now, open_count)
        return open_count
