"""Typed PMS records in the practice's words. Fields a purpose does not allow stay None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from storage.errors import EnamelError


class PmsError(EnamelError):
    """The PMS could not be used; the message says what to do and names no patient."""

    exit_code = 1


class PmsUnavailable(PmsError):
    """The PMS did not answer (down, timed out, throttled past our patience)."""


class PmsRejected(PmsError):
    """The PMS answered with an error (bad credentials, not found, bad request)."""


class PmsBadAnswer(PmsError):
    """The PMS answered with something that is not what its API promises."""


class AptStatus(StrEnum):
    SCHEDULED = "Scheduled"
    COMPLETE = "Complete"
    UNSCHED_LIST = "UnschedList"
    ASAP = "ASAP"
    BROKEN = "Broken"
    PLANNED = "Planned"
    PT_NOTE = "PtNote"
    PT_NOTE_COMPLETED = "PtNoteCompleted"


@dataclass(frozen=True)
class Appointment:
    apt_num: int
    pat_num: int
    start: datetime
    minutes: int
    op_num: int
    prov_num: int
    status: AptStatus
    confirmed: bool | None = None
    appointment_type: str | None = None  # ProcDescript
    priority: str | None = None
    note: str | None = None  # clinical
    patient_name: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def end(self) -> datetime:
        from datetime import timedelta

        return self.start + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class OpenSlot:
    start: datetime
    end: datetime
    prov_num: int
    op_num: int


@dataclass(frozen=True)
class Provider:
    prov_num: int
    abbr: str
    name: str
    is_hygienist: bool
    is_hidden: bool


@dataclass(frozen=True)
class Operatory:
    op_num: int
    name: str
    abbrev: str
    is_hygiene: bool
    is_hidden: bool
    item_order: int


@dataclass(frozen=True)
class RecallDue:
    recall_num: int
    pat_num: int
    due: date
    recall_type: str
    last_visit: date | None
    patient_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class PatientContact:
    pat_num: int
    name: str | None = None
    birthdate: date | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class InsuranceFacts:
    pat_num: int
    birthdate: date | None
    carrier: str
    subscriber_id: str
    group_number: str
