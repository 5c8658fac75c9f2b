"""Appending to the trail: one transaction per batch, committed durably, or an error."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections.abc import Callable, Sequence

import sqlcipher3

from errors import EnamelError
from services.audit.entry import AuditEntry, AuditEvent, build_batch, iso_millis
from services.audit.pseudonyms import Pseudonymizer, RecordKind
from services.clock import Clock
from storage.audit_repo import AuditRepository
from storage.database import Database
from storage.errors import StorageWriteFailed

log = logging.getLogger("services.audit")

Subscriber = Callable[[list[AuditEntry]], None]


class AuditUnavailable(EnamelError):
    """The audit entry could not be written, so the access it describes does not happen."""

    exit_code = 2


AUDIT_UNAVAILABLE = (
    "This could not be recorded in the audit trail, so it was not done and nothing is "
    "shown. The computer's disk may be full or the database read-only: tell your IT "
    "administrator."
)


def workstation_address() -> str:
    """The workstation's own address for the audit entry; no packet is sent."""
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "127.0.0.1"


def new_correlation_id() -> str:
    return f"req_{secrets.token_hex(8)}"


class AuditTrail:
    """The workstation's hash chain. Thread-safe; several processes may append too."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        pseudonymizer: Pseudonymizer,
        *,
        practice_id: str,
        workstation_id: str,
        user_agent: str,
        ip_address: str | None = None,
    ) -> None:
        self._db = db
        self._repo = AuditRepository(db)
        self._clock = clock
        self.pseudonyms = pseudonymizer
        self.practice_id = practice_id
        self.workstation_id = workstation_id
        self._user_agent = user_agent
        self._ip = ip_address if ip_address is not None else workstation_address()
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    @property
    def repository(self) -> AuditRepository:
        return self._repo

    def subscribe(self, subscriber: Subscriber) -> None:
        """Called with each committed batch (breach rules evaluate entries as they are written)."""
        self._subscribers.append(subscriber)

    def ref(self, kind: RecordKind, record_number: int | str) -> str:
        return self.pseudonyms.ref(kind, record_number)

    def append(self, event: AuditEvent) -> AuditEntry:
        return self.append_batch([event])[0]

    def append_batch(
        self,
        events: Sequence[AuditEvent],
        pseudonyms: Sequence[tuple[str, RecordKind, int | str]] = (),
    ) -> list[AuditEntry]:
        """Append events in one transaction and return them once committed (synchronous=FULL).

        `pseudonyms` lists (ref, kind, record number) pairs to remember for authorised
        look-up, written in the same transaction. Raises AuditUnavailable on any failure,
        with nothing written.
        """
        if not events:
            return []
        correlation = new_correlation_id()
        now = iso_millis(self._clock.now())
        try:
            with self._lock, self._db.transaction() as conn:
                seq, prev = AuditRepository.head(conn)
                entries = build_batch(
                    events,
                    first_seq=seq + 1,
                    prev_hash=prev,
                    timestamp=now,
                    practice_id=self.practice_id,
                    workstation_id=self.workstation_id,
                    ip_address=self._ip,
                    user_agent=self._user_agent,
                    correlation_id=correlation,
                )
                AuditRepository.insert(conn, [(e.seq, e.body, e.hash) for e in entries])
                if pseudonyms:
                    AuditRepository.remember_pseudonyms(
                        conn, ((ref, kind.value, str(number)) for ref, kind, number in pseudonyms)
                    )
        except (StorageWriteFailed, sqlcipher3.Error, OSError) as exc:
            log.error(
                "audit.append_failed",
                extra={"error_class": type(exc).__name__, "count": len(events)},
            )
            raise AuditUnavailable(AUDIT_UNAVAILABLE) from None
        for subscriber in self._subscribers:
            try:
                subscriber(entries)
            except Exception as exc:  # a broken listener must not undo a committed entry
                log.error("audit.subscriber_failed", extra={"error_class": type(exc).__name__})
        return entries
