"""A hub restored from an older backup takes back from its archive what it had forwarded there.

The hub forwards every workstation chain to the write-once archive (`services/hub/forward.py`),
so when it is restored from a backup older than its last rounds, the archive holds batches the
restored hub lacks. For each workstation chain (every joined workstation's and every chain the
hub holds) the batches the archive has after the hub's last stored one are read back, in seq
order, and go through the batch inbox (`services/hub/batches.py` `BatchInbox.receive`) exactly
as if the workstation sent them: the signing key must be the one the hub pinned (the archive's
`signing-key.pub` must equal it; a chain the hub no longer holds at all is pinned from the
archive), the batch must open under the practice's archive keys and continue the chain (no gap,
linked to the last batch). Each one taken back is marked archived (the forwarding cursor moves
on, the key is published), so the hub does not write it again.

So a workstation that died together with the hub loses nothing, and one that sends its batches
again (`services/hub/resend.py`) finds them there already (EXISTS, no alarm). A chain whose
archived copy does not check out is left where it is (its batches are not taken back), named
in the hub's audit trail (`hub_take_back_refused`, the reason's code); the others go on.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from services.access import Actor
from services.archive.batch import public_key_name
from services.archive.take_back import ArchiveSource
from services.audit import AuditEvent, AuditTrail, Outcome
from services.clock import Clock
from services.hub.batches import STORED, BatchInbox
from services.hub.errors import HubError
from storage.hub_batches_repo import HubBatchRepository
from storage.hub_forward_repo import HubForwardRepository

log = logging.getLogger("services.hub.take_back")

TAKE_BACK_ACTOR = Actor.system("hub_archive")
REFUSED = "hub_take_back_refused"
MOVED = "moved"  # `BatchInbox.receive`: the chain moved while the batch was checked


class ChainRefused(Exception):
    def __init__(self, code: str, taken: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.taken = taken  # batches stored before the one refused (they stay: they checked out)


@dataclass(frozen=True)
class ChainsTakenBack:
    batches: int  # batches the hub stored from the archive
    refused: tuple[tuple[str, str], ...]  # (workstation id, reason code) of chains left as they are


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class ChainTakeBack:
    def __init__(
        self,
        inbox: BatchInbox,
        batches: HubBatchRepository,
        cursors: HubForwardRepository,
        trail: AuditTrail,
        clock: Clock,
        practice: str,
    ) -> None:
        self._inbox = inbox
        self._batches = batches
        self._cursors = cursors
        self._trail = trail
        self._clock = clock
        self._practice = practice

    def take_back(self, archive: ArchiveSource, workstations: Iterable[str]) -> ChainsTakenBack:
        """Every chain of `workstations` and every chain the hub holds. Raises
        ArchiveUnavailable when the archive cannot be read (nothing is lost: the next try goes
        on from what was stored)."""
        held = {c.workstation_id for c in self._batches.chains()}
        taken = 0
        refused: list[tuple[str, str]] = []
        for ws in sorted(set(workstations) | held):
            for _ in range(3):
                try:
                    taken += self._chain(archive, ws)
                except ChainRefused as exc:
                    taken += exc.taken
                    if exc.code == MOVED:
                        continue  # the workstation sent the same batches meanwhile: go on after
                    refused.append((ws, exc.code))
                    self._refused(ws, exc.code)
                break
        if taken:
            log.info("hub.taken_back", extra={"count": taken})
        return ChainsTakenBack(taken, tuple(refused))

    def _chain(self, archive: ArchiveSource, ws: str) -> int:
        prefix = f"{self._practice}/{ws}/"
        key_name = public_key_name(self._practice, ws)
        last = self._batches.last_stored(ws)
        counts: dict[str, int] = {}
        for v in archive.versions(prefix, last.name if last is not None else ""):
            if v.name == key_name:
                continue
            if v.is_delete_marker:
                raise ChainRefused("delete_marker")
            counts[v.name] = counts.get(v.name, 0) + 1
        if not counts:
            return 0
        if any(n > 1 for n in counts.values()):
            raise ChainRefused("overwritten")
        published = archive.get(key_name)
        chain = self._batches.chain(ws)
        if published is None:
            raise ChainRefused("no_signing_key")
        if chain is not None and chain.public_key != published:
            raise ChainRefused("key_mismatch")  # the archive's key is not the one pinned here
        taken = 0
        for name in sorted(counts):
            data = archive.get(name)
            if data is None:
                raise ChainRefused("unreadable", taken)
            try:  # the very checks a batch from the workstation goes through
                received = self._inbox.receive(
                    ws, {"batch": _b64(data), "signing_key": _b64(published)}
                )
            except HubError as exc:
                raise ChainRefused(exc.code, taken) from None
            taken += received.result == STORED
            self._mark_archived(ws, name)
        return taken

    def _mark_archived(self, ws: str, name: str) -> None:
        """The archive holds this batch: the forwarding cursor moves onto it when it stands
        right before it (a cursor further behind is moved by the next round, which finds the
        same bytes in the archive)."""
        now = self._clock.now()
        self._cursors.key_published(ws, now)
        stored = self._batches.by_name(name)
        chain = self._batches.chain(ws)
        if stored is None or chain is None:
            return
        cursor = self._cursors.cursor(ws)
        if max(cursor.archived_seq, chain.start_seq - 1) == stored.first_seq - 1:
            self._cursors.advance(ws, stored, now, after_seq=cursor.archived_seq)

    def _refused(self, ws: str, code: str) -> None:
        log.error(
            "hub.take_back_refused",
            extra={"workstation_id": ws, "error_class": "TamperAlarm", "outcome": code},
        )
        self._trail.append(
            AuditEvent(
                action=REFUSED,
                actor=TAKE_BACK_ACTOR,
                outcome=Outcome.FAILURE,
                resource_type="workstation",
                resource_id=ws,
                flags=("tamper", code),
            )
        )
