"""Minimum necessary: the PHI fields each purpose may carry.

From the workflow matrix in reference/hipaa-rules-for-dental-pms.md, plus the schedule
views and patient look-up. Where a workflow needs the patient's name to be carried out
by a person (someone has to say whom they are calling), the name is added and the
addition is listed here, so a reviewer can see each one:

- no-show rescheduling, insurance verification and waitlist add `patient_name`.
- the breach assessment adds `mailing_address`: the notice letters HIPAA requires are
  mailed (45 CFR 164.404(d)); it is read only when the officer generates the letter list.

Birth date is not added where the reference leaves it out (no-show rescheduling, recall,
waitlist, the schedules): its field sets are the ones to use, and the chart number
(`patient_id`, in each of them) already tells two patients of one name apart. So those
lists show the chart number beside the name; insurance verification (whose set has the
birth date), the look-up and the patient card show both.
"""

from __future__ import annotations

from enum import StrEnum

from services.access.roles import Purpose


class Field(StrEnum):
    PATIENT_ID = "patient_id"
    PATIENT_NAME = "patient_name"
    PHONE = "phone"
    EMAIL = "email"
    BIRTHDATE = "birthdate"
    APPOINTMENT_ID = "appointment_id"
    APPOINTMENT_DATE = "appointment_date"
    APPOINTMENT_TYPE = "appointment_type"
    STATUS = "status"
    CONFIRMED = "confirmed"
    DURATION = "duration"
    PROVIDER_ID = "provider_id"
    OPERATORY_ID = "operatory_id"
    CLINICAL_NOTE = "clinical_note"
    INSURER = "insurer"
    SUBSCRIBER_ID = "subscriber_id"
    GROUP_NUMBER = "group_number"
    PROCEDURE_CODES = "procedure_codes"
    LAST_VISIT_DATE = "last_visit_date"
    RECALL_TYPE = "recall_type"
    DUE_DATE = "due_date"
    PREFERRED_TIMES = "preferred_times"
    PROCEDURE_TYPE = "procedure_type"
    MAILING_ADDRESS = "mailing_address"  # street, city, state, ZIP: breach notice letters only


F = Field
_APPOINTMENT_CORE = {
    F.APPOINTMENT_ID,
    F.APPOINTMENT_DATE,
    F.DURATION,
    F.PROVIDER_ID,
    F.OPERATORY_ID,
}

FIELD_SETS: dict[Purpose, frozenset[Field]] = {
    Purpose.SCHEDULE: frozenset(
        _APPOINTMENT_CORE
        | {F.PATIENT_ID, F.PATIENT_NAME, F.PHONE, F.APPOINTMENT_TYPE, F.STATUS, F.CONFIRMED}
    ),
    Purpose.CLINICAL_SCHEDULE: frozenset(
        _APPOINTMENT_CORE
        | {F.PATIENT_ID, F.PATIENT_NAME, F.APPOINTMENT_TYPE, F.STATUS, F.CONFIRMED, F.CLINICAL_NOTE}
    ),
    Purpose.PATIENT_LOOKUP: frozenset(
        {F.PATIENT_ID, F.PATIENT_NAME, F.BIRTHDATE, F.PHONE, F.EMAIL}
    ),
    Purpose.NO_SHOW_RESCHEDULING: frozenset(
        {
            F.PATIENT_ID,
            F.PATIENT_NAME,
            F.PHONE,
            F.EMAIL,
            F.APPOINTMENT_ID,
            F.APPOINTMENT_DATE,
            F.APPOINTMENT_TYPE,
            F.STATUS,
            F.DURATION,
            F.PROVIDER_ID,
        }
    ),
    Purpose.INSURANCE_VERIFICATION: frozenset(
        {
            F.PATIENT_ID,
            F.PATIENT_NAME,
            F.BIRTHDATE,
            F.INSURER,
            F.SUBSCRIBER_ID,
            F.GROUP_NUMBER,
            F.PROCEDURE_CODES,
            F.APPOINTMENT_ID,
            F.APPOINTMENT_DATE,
        }
    ),
    Purpose.RECALL_REMINDERS: frozenset(
        {F.PATIENT_ID, F.PATIENT_NAME, F.PHONE, F.LAST_VISIT_DATE, F.RECALL_TYPE, F.DUE_DATE}
    ),
    Purpose.APPOINTMENT_CONFLICTS: frozenset(
        {
            F.APPOINTMENT_ID,
            F.APPOINTMENT_DATE,
            F.PROVIDER_ID,
            F.OPERATORY_ID,
            F.DURATION,
            F.APPOINTMENT_TYPE,
        }
    ),
    Purpose.WAITLIST: frozenset(
        {F.PATIENT_ID, F.PATIENT_NAME, F.PREFERRED_TIMES, F.PROCEDURE_TYPE, F.APPOINTMENT_ID}
    ),
    Purpose.ACCESS_REPORT: frozenset({F.PATIENT_ID, F.PATIENT_NAME}),
    Purpose.BREACH_ASSESSMENT: frozenset({F.PATIENT_ID, F.PATIENT_NAME, F.MAILING_ADDRESS}),
}

assert set(FIELD_SETS) == set(Purpose), "every purpose needs a field set"


def fields_for(purpose: Purpose) -> frozenset[Field]:
    return FIELD_SETS[purpose]
