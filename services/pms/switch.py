"""Pointing this PC at another Open Dental: what is kept from the one it used before.

Record numbers (PatNum, AptNum, PlanNum) belong to one Open Dental database. A PC moved to
another database must not show the old one's patients as if they were the new one's, nor
send it changes meant for the old one. The same database at a new address (a new server, a
new IP, Service mode instead of the cloud) keeps everything.
"""

from __future__ import annotations

from datetime import datetime

from services.clock import Clock
from services.pms.directory import PatientDirectory
from services.pms.plan_cache import PlanCache
from services.pms.settings import PmsSettings
from storage.contacts_repo import ContactsRepository
from storage.database import Database
from storage.desk_repo import DeskRepository
from storage.plan_rows_repo import PlanRowsRepository
from storage.pms_writes_repo import REFUSED, PmsWritesRepository

DROPPED = "not sent: this PC was pointed at another Open Dental before it could be"


def target_changed(
    old: PmsSettings, new: PmsSettings, old_customer: str | None, new_customer: str | None
) -> bool:
    """Whether the new settings may reach a different database than the old ones.

    A first set-up (no customer key yet) changes nothing; new keys alone (`None`: not given)
    are the same office's keys unless the customer key differs.
    """
    if old_customer is None:
        return False
    if new_customer is not None and new_customer != old_customer:
        return True
    return old.url() != new.url() or old.clinic_num != new.clinic_num


def pending_writes(db: Database) -> int:
    return len(PmsWritesRepository(db).pending())


def drop_pending_writes(db: Database, at: datetime) -> int:
    """Finish every waiting write as refused, with the reason; the rows stay as a record."""
    repo = PmsWritesRepository(db)
    waiting = repo.pending()
    for row in waiting:
        repo.finish(row.write_id, REFUSED, at, DROPPED)
    return len(waiting)


def forget_kept_copies(db: Database, clock: Clock) -> None:
    """The patient directory, the insurance lists and the cached day answers, all read anew."""
    PatientDirectory(ContactsRepository(db), clock).forget()
    PlanCache(PlanRowsRepository(db), clock).forget()
    DeskRepository(db).cache_evict(datetime.max)  # every answer, whenever it was fetched
