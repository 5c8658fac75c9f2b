"""Minimum necessary and who-reads-what, held against literal copies of the reference tables.

Nothing expected here is derived from services.access (READS, FIELD_SETS): the tables below
are copied by hand from the documents, so a change in the code that the documents do not
allow makes this file fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from services.access import Actor, ActorType, Field, Purpose, Role, fields_for, may_read
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice

# /work/shared/reference/hipaa-rules-for-dental-pms.md, "Data Minimization Guidelines" >
# "Per Workflow Matrix", copied literally: workflow -> (PHI Required, PHI Excluded).
WORKFLOW_MATRIX: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "No-Show Rescheduling": (
        ("patient_id", "phone", "email", "appointment_date", "appointment_type", "status"),
        ("clinical_notes", "imaging", "full_history", "treatment_plans", "diagnosis_codes"),
    ),
    "Insurance Verification": (
        ("patient_dob", "insurer_id", "procedure_codes"),
        ("balances", "prior_claims", "diagnoses", "treatment_history"),
    ),
    "Recall Reminders": (
        ("name", "phone", "last_visit_date", "overdue_procedure_type"),
        ("detailed_chart", "payment_status", "clinical_notes"),
    ),
    "Appointment Conflicts": (
        ("appointment_date", "provider_id", "duration", "appointment_type"),
        ("patient_name", "clinical_reason", "diagnosis"),
    ),
    "Waitlist Management": (
        ("patient_id", "preferred_times", "procedure_type"),
        ("medical_history", "insurance_details", "payment_status"),
    ),
}

# The reference's workflow names as Enamel's purposes.
WORKFLOW_PURPOSE = {
    "No-Show Rescheduling": "no_show_rescheduling",
    "Insurance Verification": "insurance_verification",
    "Recall Reminders": "recall_reminders",
    "Appointment Conflicts": "appointment_conflicts",
    "Waitlist Management": "waitlist",
}

# The reference's field vocabulary in Enamel's field names, where the two differ or where
# one reference name stands for several of Enamel's narrower fields.
REFERENCE_FIELD = {
    "patient_dob": ("birthdate",),
    # The insurer's identification of the patient's plan: carrier, member id, group.
    "insurer_id": ("insurer", "subscriber_id", "group_number"),
    "name": ("patient_name",),
    # Which recall is overdue, and since when.
    "overdue_procedure_type": ("recall_type", "due_date"),
    # Enamel's one free-text clinical field is the appointment note; it holds the reason.
    "clinical_notes": ("clinical_note",),
    "clinical_reason": ("clinical_note",),
    "detailed_chart": ("clinical_note",),
    "insurance_details": ("insurer", "subscriber_id", "group_number"),
}

# Excluded data Enamel has no field for at all: no purpose can carry what cannot be named.
EXCLUDED_WITHOUT_A_FIELD = {
    "imaging", "full_history", "treatment_plans", "diagnosis_codes", "balances",
    "prior_claims", "diagnoses", "treatment_history", "payment_status", "diagnosis",
    "medical_history",
}  # fmt: skip

# What a purpose may carry beyond the reference's "PHI Required", each for a stated reason.
# "De-identified" follows the reference's "Minimum Necessary Determinations" (patient_id,
# appointment_id); the added names are the ones services/access/fields.py lists.
ALLOWED_ADDITIONS: dict[str, dict[str, str]] = {
    "No-Show Rescheduling": {
        "patient_name": "the person calling must say whom they are calling (listed)",
        "appointment_id": "de-identified: the appointment to move",
        "duration": "not PHI: the new slot must be long enough",
        "provider_id": "not PHI: rebook with the same provider",
    },
    "Insurance Verification": {
        "patient_id": "de-identified",
        "appointment_id": "de-identified: the visit being verified",
        "patient_name": "the person calling the carrier must name the patient (listed)",
        "appointment_date": "which visits need verifying before they happen",
    },
    "Recall Reminders": {
        "patient_id": "de-identified: outcomes are kept per patient",
    },
    "Appointment Conflicts": {
        "appointment_id": "de-identified",
        "operatory_id": "not PHI: an operatory can be double-booked too",
    },
    "Waitlist Management": {
        "patient_name": "the person offering the slot must say whom they are calling (listed)",
        "appointment_id": "de-identified: ASAP-list entries are appointments",
    },
}


def enamel_names(reference_names: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for name in reference_names:
        found.update(REFERENCE_FIELD.get(name, (name,)))
    return found


def field_names(purpose: str) -> set[str]:
    return {f.value for f in fields_for(Purpose(purpose))}


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_MATRIX))
def test_each_workflow_carries_what_the_reference_requires(workflow: str) -> None:
    required, _ = WORKFLOW_MATRIX[workflow]
    missing = enamel_names(required) - field_names(WORKFLOW_PURPOSE[workflow])
    assert not missing, f"{workflow} lacks required fields {sorted(missing)}"


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_MATRIX))
def test_each_workflow_carries_nothing_the_reference_excludes(workflow: str) -> None:
    _, excluded = WORKFLOW_MATRIX[workflow]
    named = enamel_names(tuple(e for e in excluded if e not in EXCLUDED_WITHOUT_A_FIELD))
    carried = named & field_names(WORKFLOW_PURPOSE[workflow])
    assert not carried, f"{workflow} carries excluded fields {sorted(carried)}"


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_MATRIX))
def test_each_workflow_carries_only_required_fields_and_the_listed_additions(
    workflow: str,
) -> None:
    required, _ = WORKFLOW_MATRIX[workflow]
    extra = field_names(WORKFLOW_PURPOSE[workflow]) - enamel_names(required)
    unexplained = extra - set(ALLOWED_ADDITIONS[workflow])
    assert not unexplained, f"{workflow} carries {sorted(unexplained)} beyond the reference"


def test_data_the_reference_excludes_has_no_field_anywhere() -> None:
    every_field = {f.value for f in Field}
    assert not EXCLUDED_WITHOUT_A_FIELD & every_field
    for _, excluded in WORKFLOW_MATRIX.values():
        for name in excluded:
            assert (
                name in EXCLUDED_WITHOUT_A_FIELD or name in REFERENCE_FIELD or name in every_field
            )


def test_the_reference_tables_cover_every_workflow_purpose() -> None:
    assert set(WORKFLOW_PURPOSE) == set(WORKFLOW_MATRIX) == set(ALLOWED_ADDITIONS)
    assert set(WORKFLOW_PURPOSE.values()) <= {p.value for p in Purpose}


# -- the adapter really leaves out what a purpose excludes -----------------------------


@pytest.fixture(scope="module")
def pms() -> Iterator[OpenDentalClient]:
    server = SimulatorServer(
        SyntheticPractice(today=date(2026, 11, 23), patients_count=200), page_size=1000
    ).start()
    client = OpenDentalClient(server.url, server.developer_key, server.customer_key, page_size=1000)
    yield client
    client.close()
    server.stop()


@pytest.mark.parametrize("workflow", sorted(WORKFLOW_MATRIX))
def test_appointments_read_for_a_workflow_hold_no_excluded_value(
    pms: OpenDentalClient, workflow: str
) -> None:
    purpose = Purpose(WORKFLOW_PURPOSE[workflow])
    _, excluded = WORKFLOW_MATRIX[workflow]
    # Every synthetic appointment has a clinical note; the week around "today" has hundreds.
    found = pms.appointments(purpose, date(2026, 11, 20), date(2026, 11, 20) + timedelta(days=6))
    assert len(found) > 50
    assert all(a.note is None for a in found)  # clinical notes are excluded everywhere
    if "patient_name" in excluded:
        assert all(a.patient_name is None and a.pat_num == 0 for a in found)
        assert all(a.phone is None and a.email is None for a in found)


# -- role -> purpose --------------------------------------------------------------------

# /work/shared/DESIGN.md, "Who uses it", copied literally (the reference documents have no
# role table; hipaa-rules-for-dental-pms.md, "Access Controls", asks for least privilege,
# and hipaa-dental-software-guide.md, "Access Controls", for "different permission levels
# for dentists, hygienists, office managers, and billing staff").
WHO_USES_IT = {
    "receptionist / front desk": "today's schedule, patient look-up (contact fields only), "
    "no-show rescheduling, recall calls, waitlist, insurance verification worklist",
    "dentist / hygienist": "their own day and week schedule by operatory, the clinical fields "
    "their role may see",
    "office manager": "everything front desk does, user and role administration, reports",
    "billing": "insurance verification, nothing clinical",
    "compliance officer": "audit viewer, alerts, access reports, breach assessment, access "
    "review sign-off",
    "IT administrator": "install, provisioning, users, keys, archive and PMS connections — and "
    "no PHI at all",
    "automated jobs": "recall and waitlist scanners, archive sync: actors of type "
    "`agent`/`system`, same rules as people",
}

# That table as purposes, by hand. Appointment conflicts is counted as part of working a
# schedule (front desk's day, a clinician's day and week by operatory): its field set holds
# no patient at all (the reference excludes patient_name from it).
FRONT_DESK = {
    "schedule", "patient_lookup", "no_show_rescheduling", "recall_reminders", "waitlist",
    "insurance_verification", "appointment_conflicts",
}  # fmt: skip
CLINICIAN = {"clinical_schedule", "appointment_conflicts"}
EXPECTED_READS: dict[str, set[str]] = {
    "front_desk": FRONT_DESK,
    "office_manager": FRONT_DESK,  # "everything front desk does" (+ admin, no more PHI)
    "dentist": CLINICIAN,
    "hygienist": CLINICIAN,
    "billing": {"insurance_verification"},
    "compliance_officer": {"access_report", "breach_assessment"},
    "it_admin": set(),
    # The recall and waitlist scanners; the waitlist scanner screens its offers against the
    # day's bookings, which is working a schedule (conflicts: no patient fields).
    "agent": {"recall_reminders", "waitlist", "appointment_conflicts"},
    "system": set(),  # archive sync reads the audit trail, never PHI
}
CLINICAL_FIELD_ROLES = {"dentist", "hygienist"}  # the guide's can_access_clinical_notes


def test_the_copied_table_names_every_role() -> None:
    assert set(EXPECTED_READS) == {r.value for r in Role}
    assert len(WHO_USES_IT) == 7


@pytest.mark.parametrize("role", sorted(EXPECTED_READS))
def test_each_role_reads_exactly_the_purposes_of_the_table(role: str) -> None:
    kind = {"agent": ActorType.AGENT, "system": ActorType.SYSTEM}.get(role, ActorType.HUMAN)
    actor = Actor(f"user_{role}", kind, Role(role))
    allowed = {p.value for p in Purpose if may_read(actor, p)}
    assert allowed == EXPECTED_READS[role]


def test_only_clinicians_reach_a_purpose_with_clinical_fields() -> None:
    for role in Role:
        actor = Actor(f"user_{role.value}", ActorType.HUMAN, role)
        for purpose in Purpose:
            if may_read(actor, purpose) and "clinical_note" in field_names(purpose.value):
                assert role.value in CLINICAL_FIELD_ROLES, (role, purpose)


def test_billing_sees_nothing_clinical_and_it_no_phi() -> None:
    billing = Actor("user_billing", ActorType.HUMAN, Role.BILLING)
    it = Actor("user_it", ActorType.HUMAN, Role.IT_ADMIN)
    for purpose in Purpose:
        if may_read(billing, purpose):
            assert "clinical_note" not in field_names(purpose.value)
        assert not may_read(it, purpose)
