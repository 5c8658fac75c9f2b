"""Typed PMS records in the practice's words. Fields a purpose does not allow stay None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple

from errors import EnamelError


class PmsError(EnamelError):
    """The PMS could not be used; the message says what to do and names no patient."""

    exit_code = 1


class PmsUnavailable(PmsError):
    """The PMS did not answer (down, timed out, throttled past our patience)."""


class PmsRejected(PmsError):
    """The PMS answered with an error (bad credentials, not found, bad request)."""


class PmsBadAnswer(PmsError):
    """The PMS answered with something that is not what its API promises."""


class RecordRef(NamedTuple):
    """What an audit entry needs about one record: its kind, its PMS number, and whose it is.

    `kind` uses the audit trail's short names ("apt", "rcl", "ins", "pt"); `pat_num` is
    None when the purpose does not carry the patient (the conflicts list, for instance).
    """

    kind: str
    number: int
    pat_num: int | None


class ConfirmStatus(StrEnum):
    """The values Open Dental's PUT Confirm accepts as `confirmVal`."""

    NONE = "None"
    SENT = "Sent"
    CONFIRMED = "Confirmed"
    NOT_ACCEPTED = "Not Accepted"
    FAILED = "Failed"


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
    """One appointment. `pat_num` is 0 when the purpose does not carry the patient."""

    apt_num: int
    pat_num: int
    start: datetime  # AptDateTime
    minutes: int  # from Pattern: 5 minutes a character
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
    prov_hyg: int | None = None
    is_hygiene: bool | None = None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    # The same facts under the names the Open Dental schema uses.
    @property
    def date_time(self) -> datetime:
        return self.start

    @property
    def duration_minutes(self) -> int:
        return self.minutes

    def record_ref(self) -> RecordRef:
        return RecordRef("apt", self.apt_num, self.pat_num or None)


@dataclass(frozen=True)
class OpenSlot:
    start: datetime
    end: datetime
    prov_num: int
    op_num: int


@dataclass(frozen=True)
class ScheduleEntry:
    """Schedules GET: time on the practice's schedule (no patient data). `sched_type` is
    Practice (a note or holiday), Provider (when a provider works, in `op_nums`), Blockout,
    Employee or WebSchedASAP."""

    schedule_num: int
    day: date
    start: time
    stop: time
    sched_type: str
    prov_num: int
    op_nums: tuple[int, ...] = ()


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

    def record_ref(self) -> RecordRef:
        return RecordRef("rcl", self.recall_num, self.pat_num)


@dataclass(frozen=True)
class PatientContact:
    pat_num: int
    name: str | None = None
    birthdate: date | None = None
    phone: str | None = None
    email: str | None = None

    def record_ref(self) -> RecordRef:
        return RecordRef("pt", self.pat_num, self.pat_num)


@dataclass(frozen=True)
class InsuranceFacts:
    """The patient's first-ordinal plan; fields the purpose does not allow are blank."""

    pat_num: int
    birthdate: date | None
    carrier: str
    subscriber_id: str
    group_number: str
    pat_plan_num: int = 0
    # When Open Dental's coverage (PatPlans) this came from was read, if not by this read:
    # the plan lists kept in the encrypted database (services/pms/plan_cache.py).
    coverage_read_at: datetime | None = None

    def record_ref(self) -> RecordRef:
        return RecordRef("ins", self.pat_plan_num or self.pat_num, self.pat_num)


@dataclass(frozen=True)
class ApptFieldDef:
    """An appointment field the office defined (Setup, Appointments, Appointment Field Defs)."""

    name: str
    kind: str  # "Text" or "PickList"
    pick_list: tuple[str, ...] = ()
