"""The patient directory: contact fields from the encrypted cache, kept current by DateTStamp.

Open Dental's own sync pattern (Patients GET Simple): ask once for every patient, keep the
`serverDateTime` the answer carries, and from then on ask only for the patients changed
since (`DateTStamp`), storing the new `serverDateTime` each time. A day's schedule or a
worklist then costs one small request for the changes instead of one request per patient.

Only the contact fields the desk's purposes use are kept (name, birth date, phone, email);
the adapter still narrows them to each read's purpose, and the reads are audited by the
PHI gateway exactly as before: where the fields came from changes nothing in the trail.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Protocol

from services.clock import Clock
from services.pms.records import PatientContact
from storage.contacts_repo import ContactRow, ContactsRepository

log = logging.getLogger("services.pms.directory")
FEED = "patients"
# A second look within this long of the last one trusts the cache as it is: the schedule,
# the worklists and the look-up opened one after the other cost one sync between them.
FRESH_FOR = timedelta(seconds=60)


class PatientFeed(Protocol):
    """What the directory asks of the PMS adapter; every contact has all four fields read."""

    def changed_patients(self, since: str | None) -> tuple[list[tuple[PatientContact, str]], str]:
        """Every patient changed at or after `since` (all of them for None), each with its
        DateTStamp, and the server's time of the answer ("" when it sent no record)."""
        ...

    def patient_records(self, pat_nums: list[int]) -> list[PatientContact]:
        """These patients one by one (concurrently where the connection allows)."""
        ...


def _row(contact: PatientContact, changed_at: str) -> ContactRow:
    return ContactRow(
        contact.pat_num,
        contact.name or "",
        contact.birthdate.isoformat() if contact.birthdate else "",
        contact.phone or "",
        contact.email or "",
        changed_at,
    )


def _contact(row: ContactRow) -> PatientContact:
    return PatientContact(
        row.pat_num,
        name=row.name,
        birthdate=date.fromisoformat(row.birthdate) if row.birthdate else None,
        phone=row.phone,
        email=row.email,
    )


class PatientDirectory:
    def __init__(
        self, repo: ContactsRepository, clock: Clock, *, fresh_for: timedelta = FRESH_FOR
    ) -> None:
        self._repo, self._clock, self._fresh_for = repo, clock, fresh_for
        self._lock = threading.Lock()  # one sync at a time across the operation workers

    def contacts(self, feed: PatientFeed, pat_nums: Iterable[int]) -> dict[int, PatientContact]:
        """All four contact fields of these patients; the caller narrows them to its purpose."""
        wanted = set(pat_nums)
        if not wanted:
            return {}
        self.refresh(feed)
        found = {n: _contact(r) for n, r in self._repo.contacts(wanted).items()}
        missing = sorted(wanted - set(found))
        if missing:  # created since the last sync, or a practice whose feed skipped them
            fetched = feed.patient_records(missing)
            self._repo.save(_row(c, "") for c in fetched)
            found.update({c.pat_num: c for c in fetched})
        return found

    def due(self) -> tuple[bool, str | None]:
        """Whether the next `refresh` would ask the feed, and for changes since when (None:
        every patient), so a caller can read that page beside others and hand it in as the
        feed's answer; `refresh` decides again under its lock."""
        state = self._repo.sync_state(FEED)
        if state is not None and self._clock.now() - state.synced_at < self._fresh_for:
            return False, None
        return True, state.since if state is not None and state.since else None

    def refresh(self, feed: PatientFeed, *, force: bool = False) -> int:
        """Bring the cache up to date unless it was within `fresh_for`; returns records read."""
        with self._lock:
            state = self._repo.sync_state(FEED)
            now = self._clock.now()
            if state is not None and not force and now - state.synced_at < self._fresh_for:
                return 0
            since = state.since if state is not None and state.since else None
            changed, server_time = feed.changed_patients(since)
            self._repo.save(_row(c, stamp) for c, stamp in changed)
            # No record, no serverDateTime: the old position is still right (nothing changed).
            self._repo.set_sync_state(FEED, server_time or since or "", now)
            log.info(
                "pms.directory_synced",
                extra={"count": len(changed), "full": since is None},
            )
            return len(changed)

    def forget(self) -> None:
        with self._lock:
            self._repo.forget()
