"""What the workflows need from any PMS, in the practice's words. A new PMS is a new adapter.

Every read of patient data names a `Purpose`; the adapter keeps only that purpose's
fields (services.access.fields_for) and drops whatever else the PMS sent. Every record
returned has a `record_ref()` (kind, PMS number, patient number) for the audit entry, so
a read wraps directly in `PhiGateway.read(..., fetch, touched)`. Errors are `PmsError`
subclasses whose message a receptionist can act on and which never name a patient.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

from services.access import Purpose
from services.pms.records import (
    Appointment,
    ApptFieldDef,
    AptStatus,
    ConfirmStatus,
    InsuranceFacts,
    OpenSlot,
    Operatory,
    PatientContact,
    Provider,
    RecallDue,
    ScheduleEntry,
)


class PmsClient(Protocol):
    # -- reads of patient data: each names its purpose ----------------------------------

    def appointments(
        self,
        purpose: Purpose,
        start: date,
        end: date,
        *,
        status: AptStatus | None = None,
        op_num: int | None = None,
        prov_num: int | None = None,
        pat_num: int | None = None,
    ) -> list[Appointment]:
        """Appointments from `start` to `end` inclusive, every page read, or an error."""
        ...

    def appointment(self, purpose: Purpose, apt_num: int) -> Appointment: ...

    def asap_list(self, purpose: Purpose) -> list[Appointment]: ...

    def recalls_due(self, purpose: Purpose, as_of: date) -> list[RecallDue]: ...

    def insurance_for(self, purpose: Purpose, pat_num: int) -> InsuranceFacts | None: ...

    def insurance_of(
        self, purpose: Purpose, pat_nums: Iterable[int]
    ) -> dict[int, InsuranceFacts | None]:
        """`insurance_for` for many patients at once (the adapter may read them concurrently)."""
        ...

    def insurance_worklist(
        self,
        purpose: Purpose,
        start: date,
        end: date,
        *,
        status: AptStatus | None = AptStatus.SCHEDULED,
        fresh: bool = False,
    ) -> list[tuple[Appointment, InsuranceFacts | None, date | None]]:
        """The appointments from `start` to `end`, each with the patient's first-ordinal plan
        and when its eligibility was last verified: `appointments`, `insurance_of` and
        `eligibility_verified` in one read (the adapter overlaps what it can). `fresh`: no
        coverage from a kept copy, however recent (a person pressed Refresh)."""
        ...

    def find_patients(
        self, purpose: Purpose, *, name: str = "", phone: str = "", birthdate: date | None = None
    ) -> list[PatientContact]:
        """Search by "Last" / "Last, First", phone digits and/or birthdate."""
        ...

    def patient_contact(self, purpose: Purpose, pat_num: int) -> PatientContact: ...

    def patients(self, purpose: Purpose, pat_nums: Iterable[int]) -> list[PatientContact]: ...

    # -- reference data and open time (no patient data) ---------------------------------

    def open_slots(
        self,
        start: date,
        end: date,
        length_minutes: int,
        *,
        prov_num: int | None = None,
        op_num: int | None = None,
    ) -> list[OpenSlot]: ...

    def providers(self) -> list[Provider]: ...

    def schedules(self, start: date, end: date) -> list[ScheduleEntry]:
        """The practice's schedule entries from `start` to `end` inclusive (when providers
        work, practice notes, blockouts): where office hours come from."""
        ...

    def operatories(self) -> list[Operatory]: ...

    # -- writes ---------------------------------------------------------------------------

    def create_appointment(
        self,
        pat_num: int,
        start: datetime,
        op_num: int,
        *,
        minutes: int = 30,
        prov_num: int | None = None,
        prov_hyg: int | None = None,
        is_hygiene: bool = False,
        asap: bool = False,
        note: str = "",
    ) -> int:
        """Returns the new appointment's number."""
        ...

    def reschedule(
        self,
        apt_num: int,
        start: datetime,
        op_num: int,
        prov_num: int,
        *,
        priority: str | None = None,
    ) -> None:
        """Appointments PUT; `priority` "Normal" takes a booked ASAP appointment off the list."""
        ...

    def break_appointment(self, apt_num: int) -> None: ...

    def break_appointment_as(
        self, apt_num: int, break_type: str, *, to_unscheduled_list: bool
    ) -> None:
        """PUT Break with Open Dental's breakType ("Missed" or "Cancelled") and the
        Unscheduled List choice."""
        ...

    def confirm(self, apt_num: int, status: ConfirmStatus = ConfirmStatus.CONFIRMED) -> None: ...

    def add_commlog(
        self,
        pat_num: int,
        note: str,
        *,
        when: datetime,
        comm_type: str = "ApptRelated",
        mode: str = "Phone",
    ) -> int:
        """A note in the patient's communication log (Open Dental shows the follow-up there)."""
        ...

    def set_appointment_field(self, apt_num: int, name: str, value: str) -> None:
        """An office-defined appointment field, e.g. "Ins Verified"."""
        ...

    # -- the office's follow-up records ----------------------------------------------------

    def eligibility_verified(self, pat_plan_nums: Iterable[int]) -> dict[int, date | None]:
        """When each patient plan's eligibility was last verified (None: never)."""
        ...

    def verify_eligibility(
        self, pat_plan_num: int, verified_on: date | None, note: str = ""
    ) -> date | None:
        """Record a verification (sets "Eligibility Last Verified"); returns the PMS's date."""
        ...

    def appointment_field_defs(self) -> list[ApptFieldDef]: ...

    def recall_statuses(self) -> dict[str, int]:
        """The office's recall status definitions, by name."""
        ...

    def set_recall_status(
        self,
        pat_num: int,
        recall_type: str,
        *,
        status_num: int | None,
        note: str,
        mode: str = "Phone",
    ) -> None:
        """The recall's status (None keeps it) and a commlog with `note`."""
        ...

    def has_commlog(self, pat_num: int, marker: str) -> bool:
        """Whether one of the patient's commlogs carries `marker` (a write's reference)."""
        ...

    # -- the connection -------------------------------------------------------------------

    def server_info(self) -> tuple[str, datetime]:
        """(PMS version, the server's clock) for `enamel-admin pms check`."""
        ...

    def close(self) -> None: ...
