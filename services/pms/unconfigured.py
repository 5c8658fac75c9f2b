"""The PMS before IT has set it up: every call says so, clearly, instead of failing oddly."""

from __future__ import annotations

from typing import Any, NoReturn

from services.pms.records import PmsRejected


class UnconfiguredPms:
    """Stands in for the PmsClient until 'enamel-admin pms set' has been run."""

    def __init__(self, message: str) -> None:
        self.message = message

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PmsRejected(self.message)

    appointments = open_slots = asap_list = recalls_due = insurance_for = insurance_of = _refuse
    find_patients = patient_contact = providers = operatories = schedules = _refuse
    appointment = patients = create_appointment = set_appt_field = _refuse
    reschedule = break_appointment = confirm = set_appointment_field = server_info = _refuse
    add_commlog = break_appointment_as = _refuse
    insurance_worklist = eligibility_verified = verify_eligibility = appointment_field_defs = (
        _refuse
    )
    recall_statuses = set_recall_status = has_commlog = _refuse

    def close(self) -> None:
        return None
