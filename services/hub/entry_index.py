"""The hub indexes each stored batch's entries and runs the breach rules over the practice's.

A batch is opened (its signature and archive key were checked on arrival) and each entry goes
into `hub_entries`, keyed by workstation and seq. The breach engine then evaluates the new
entries against every workstation's: a person reading 40 patients on each of three PCs is one
person reading 120. The alerts are the hub's (its `compliance_alerts`); joined workstations do
not run the rules themselves, so one misuse raises one alert.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from services.archive.batch import BatchInvalid, OpenedBatch, open_batch
from services.audit import AuditEntry, AuditTrail
from services.audit.entry import canonical
from services.compliance.breach.engine import AlertEngine
from storage.hub_batches_repo import HubBatchRepository, StoredBatch
from storage.hub_entries_repo import HubEntryRepository, IndexedEntry

log = logging.getLogger("services.hub.entry_index")


def indexed_entries(workstation_id: str, opened: OpenedBatch) -> list[IndexedEntry]:
    out = []
    for line in opened.lines:
        data = json.loads(line)
        hash_ = str(data.pop("hash"))
        out.append(IndexedEntry(workstation_id, int(data["seq"]), canonical(data), hash_))
    return out


class EntryIndex:
    def __init__(
        self,
        entries: HubEntryRepository,
        batches: HubBatchRepository,
        archive_keys: Mapping[str, bytes],
        engine: AlertEngine | None = None,
    ) -> None:
        self._entries = entries
        self._batches = batches
        self._keys = archive_keys  # the inbox's own mapping: keys added at a hand-over count
        self._engine = engine

    def on_stored(self, batch: StoredBatch, opened: OpenedBatch) -> None:
        """Called by the inbox after a batch is stored (its bytes are the record; an index
        that fails here is caught up at the next start)."""
        try:
            self.index(batch.workstation_id, opened)
        except Exception as exc:
            log.error("hub.index_failed", extra={"error_class": type(exc).__name__})

    def index(self, workstation_id: str, opened: OpenedBatch) -> int:
        rows = indexed_entries(workstation_id, opened)
        added = self._entries.add(rows)
        if self._engine is not None and rows:
            self._engine.evaluate(AuditEntry(r.seq, r.body, r.hash) for r in rows)
        return added

    def include_own(self, trail: AuditTrail) -> int:
        """The hub's own trail (sign-ins it checked, settings changed, who read the practice's
        trail) is indexed too, under the hub's id, as it is written; what was written while the
        server was not running (an `enamel-admin` command at the hub) is caught up now. The
        rules do not run over it: their own entries would feed them."""
        hub = trail.workstation_id

        def own(entries: list[AuditEntry]) -> None:
            try:
                self._entries.add(IndexedEntry(hub, e.seq, e.body, e.hash) for e in entries)
            except Exception as exc:  # the trail stays the record; the next start catches up
                log.error("hub.index_own_failed", extra={"error_class": type(exc).__name__})

        trail.subscribe(own)
        after = self._entries.last_seq(hub)
        rows = trail.repository.rows(after + 1)
        return self._entries.add(IndexedEntry(hub, seq, body, h) for seq, body, h in rows)

    def catch_up(self) -> int:
        """Index every stored batch not indexed yet (start-up); how many entries were added."""
        added = 0
        for name in self._entries.unindexed_batches():
            stored = self._batches.by_name(name)
            chain = None if stored is None else self._batches.chain(stored.workstation_id)
            if stored is None or chain is None:
                continue
            try:
                opened = open_batch(stored.data, self._keys, chain.public_key)
            except BatchInvalid as exc:  # `audit verify --practice` names it
                log.error("hub.index_unreadable", extra={"outcome": exc.kind})
                continue
            added += self.index(stored.workstation_id, opened)
        if added:
            log.info("hub.indexed", extra={"count": added})
        return added
