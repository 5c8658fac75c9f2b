"""The hub syncs every stored chain to the write-once archive: the one holder of its credentials.

One round (`ArchiveForwarder.forward_once`, the hub's "archive" job, `app/hub/archive_job.py`)
goes through each workstation chain the hub holds, in order of workstation id (the hub's own
trail goes to the archive beside it, through its own `ArchiveSync`), and for each:

- publishes the workstation's `signing-key.pub` (the key pinned with its first batch) before
  its first batch, under the same name a workstation syncing on its own uses, so the archive
  looks the same either way;
- sends every stored batch after the per-chain cursor (`hub_archive_cursors`, migration 0018),
  in seq order, with `put_new`: CREATED or EXISTS_SAME moves the cursor; EXISTS_DIFFERENT is a
  tamper alarm (the hub's audit trail, once per name; the status shows it) and the cursor
  stays, so that chain waits while the others go on;
- before sending, checks that the stored copy still carries its workstation's signature and
  links to the batch archived before it: a copy altered in the hub's database is never written
  to the write-once archive (alarm `hub_copy_altered`, the cursor stays).

A round that cannot reach the archive raises (ArchiveUnavailable): the job retries it on the
shared back-off and, the cursors being in the database, the next round resumes where this one
stopped, without a gap. One batch is in memory at a time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.access import Actor
from services.archive.backends import ArchiveBackend, PutResult
from services.archive.batch import public_key_name
from services.audit import AuditEvent, AuditTrail, Outcome
from services.audit.entry import canonical
from services.clock import Clock
from storage.hub_batches_repo import ChainRow, HubBatchRepository, StoredBatch
from storage.hub_forward_repo import HubForwardRepository

log = logging.getLogger("services.hub.forward")

FORWARD_ACTOR = Actor.system("hub_archive")
# How often the hub's job runs a round (seconds; the shared back-off after a failure).
FORWARD_EVERY = "hub.archive_every_seconds"
DEFAULT_FORWARD_EVERY = 60
EXISTS_DIFFERENT = "exists_different"
HUB_COPY_ALTERED = "hub_copy_altered"


@dataclass(frozen=True)
class ForwardResult:
    batches: int  # batches the archive took this round
    alarms: int  # chains held back by a tamper alarm


def signed_link(data: bytes, public_key: bytes) -> str | None:
    """The batch's `prev_batch_hash` if its signature is the workstation's, else None."""
    try:
        envelope = json.loads(data)
        header = envelope["header"]
        ciphertext = base64.b64decode(envelope["ciphertext"])
        signature = base64.b64decode(envelope["signature"])
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            signature, canonical(header).encode() + b"\n" + ciphertext
        )
        return str(header["prev_batch_hash"])
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return None


class ArchiveForwarder:
    def __init__(
        self,
        batches: HubBatchRepository,
        cursors: HubForwardRepository,
        trail: AuditTrail,
        clock: Clock,
        practice: str,
    ) -> None:
        self._batches = batches
        self._cursors = cursors
        self._trail = trail
        self._clock = clock
        self._practice = practice
        self._checked: ArchiveBackend | None = None

    def forward_once(self, backend: ArchiveBackend) -> ForwardResult:
        """One round over every chain. Raises ArchiveUnavailable / ArchiveMisconfigured."""
        chains = self._batches.chains()
        batches = alarms = 0
        for chain in chains:
            cursor = self._cursors.cursor(chain.workstation_id)
            if cursor.key_published and cursor.archived_seq >= chain.last_seq:
                continue  # nothing new: no archive request at all
            if self._checked is not backend:
                backend.check()  # no Object Lock, no batch
                self._checked = backend
            sent, alarmed = self._forward_chain(backend, chain)
            batches += sent
            alarms += alarmed
        return ForwardResult(batches, alarms)

    def _forward_chain(self, backend: ArchiveBackend, chain: ChainRow) -> tuple[int, bool]:
        ws = chain.workstation_id
        if not self._cursors.cursor(ws).key_published:
            name = public_key_name(self._practice, ws)
            if backend.put_new(name, chain.public_key, self._clock.now()) is (
                PutResult.EXISTS_DIFFERENT
            ):
                self._alarm(ws, name, EXISTS_DIFFERENT)
                return 0, True
            self._cursors.key_published(ws, self._clock.now())
        sent = 0
        while True:
            cursor = self._cursors.cursor(ws)
            after = max(cursor.archived_seq, chain.start_seq - 1)
            batch = self._cursors.next_batch(ws, after + 1)
            if batch is None:
                return sent, False
            expected = cursor.archived_batch_hash or chain.start_batch_hash
            if not self._sound(batch, chain.public_key, expected):
                self._alarm(ws, batch.name, HUB_COPY_ALTERED)
                return sent, True
            if backend.put_new(batch.name, batch.data, self._clock.now()) is (
                PutResult.EXISTS_DIFFERENT
            ):
                self._alarm(ws, batch.name, EXISTS_DIFFERENT)
                return sent, True
            if not self._cursors.advance(
                ws, batch, self._clock.now(), after_seq=cursor.archived_seq
            ):
                return sent, False  # another process moved it: the next round goes on from there
            sent += 1
            log.info(
                "hub.batch_archived",
                extra={
                    "workstation_id": ws,
                    "first_seq": batch.first_seq,
                    "last_seq": batch.last_seq,
                },
            )

    @staticmethod
    def _sound(batch: StoredBatch, public_key: bytes, expected_prev: str) -> bool:
        if hashlib.sha256(batch.data).hexdigest() != batch.batch_hash:
            return False
        return signed_link(batch.data, public_key) == expected_prev

    def _alarm(self, workstation_id: str, name: str, kind: str) -> None:
        log.error(
            "hub.archive_tamper_detected",
            extra={"workstation_id": workstation_id, "error_class": "TamperAlarm", "outcome": kind},
        )
        if self._cursors.raise_alarm(workstation_id, name, kind, self._clock.now()):
            self._trail.append(
                AuditEvent(
                    action="archive_tamper_detected",
                    actor=FORWARD_ACTOR,
                    outcome=Outcome.FAILURE,
                    resource_type="archive_batch",
                    resource_id=name,
                    flags=("tamper", kind),
                )
            )
