"""What the workflows need from any PMS, in the practice's words. A new PMS is a new adapter."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from services.access import Purpose
from services.pms.records import (
    Appointment,
    AptStatus,
    InsuranceFacts,
    OpenSlot,
    Operatory,
    PatientContact,
    Provider,
    RecallDue,
)


class PmsClient(Protocol):
    """Every read names a purpose; the adapter keeps only that purpose's fields."""

    def appointments(
        self,
        purpose: Purpose,
        start: date,
        end: date,
        *,
        status: AptStatus | None = None,
        op_num: int | None = None,
        prov_num: int | None = None,
    ) -> list[Appointment]: ...

    def open_slots(
        self,
        start: date,
        end: date,
        length_minutes: int,
        *,
        prov_num: int | None = None,
        op_num: int | None = None,
    ) -> list[OpenSlot]: ...

    def asap_list(self, purpose: Purpose) -> list[Appointment]: ...

    def recalls_due(self, purpose: Purpose, as_of: date) -> list[RecallDue]: ...

    def insurance_for(self, purpose: Purpose, pat_num: int) -> InsuranceFacts | None: ...

    def find_patients(
        self, purpose: Purpose, *, name: str = "", phone: str = "", birthdate: date | None = None
    ) -> list[PatientContact]: ...

    def patient_contact(self, purpose: Purpose, pat_num: int) -> PatientContact: ...

    def providers(self) -> list[Provider]: ...

    def operatories(self) -> list[Operatory]: ...

    def reschedule(self, apt_num: int, start: datetime, op_num: int, prov_num: int) -> None: ...

    def break_appointment(self, apt_num: int) -> None: ...

    def confirm(self, apt_num: int) -> None: ...

    def set_appointment_field(self, apt_num: int, name: str, value: str) -> None: ...

    def server_info(self) -> tuple[str, datetime]: ...

    def close(self) -> None: ...
