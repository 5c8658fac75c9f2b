"""Roles, the purposes a PHI read can name, and the non-PHI permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    HYGIENIST = "hygienist"
    DENTIST = "dentist"
    OFFICE_MANAGER = "office_manager"
    BILLING = "billing"
    COMPLIANCE_OFFICER = "compliance_officer"
    IT_ADMIN = "it_admin"
    # Automated jobs (recall and waitlist scanners, archive sync) act under these.
    AGENT = "agent"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return {
            Role.FRONT_DESK: "Front desk",
            Role.HYGIENIST: "Hygienist",
            Role.DENTIST: "Dentist",
            Role.OFFICE_MANAGER: "Office manager",
            Role.BILLING: "Billing",
            Role.COMPLIANCE_OFFICER: "Compliance officer",
            Role.IT_ADMIN: "IT administrator",
            Role.AGENT: "Automated job",
            Role.SYSTEM: "System",
        }[self]


HUMAN_ROLES = tuple(r for r in Role if r not in (Role.AGENT, Role.SYSTEM))


class Purpose(StrEnum):
    """Why PHI is read. Every read names one; the audit entry records it."""

    SCHEDULE = "schedule"  # front-desk day view: names and contact fields
    CLINICAL_SCHEDULE = "clinical_schedule"  # a clinician's own day/week
    PATIENT_LOOKUP = "patient_lookup"
    NO_SHOW_RESCHEDULING = "no_show_rescheduling"
    INSURANCE_VERIFICATION = "insurance_verification"
    RECALL_REMINDERS = "recall_reminders"
    APPOINTMENT_CONFLICTS = "appointment_conflicts"
    WAITLIST = "waitlist"
    ACCESS_REPORT = "access_report"  # compliance: resolve pseudonyms of one patient
    BREACH_ASSESSMENT = "breach_assessment"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Permission(StrEnum):
    """Actions that show no PHI by themselves."""

    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_AUDIT = "view_audit"  # pseudonymous audit trail
    MANAGE_ALERTS = "manage_alerts"
    RUN_REPORTS = "run_reports"
    SIGN_ACCESS_REVIEW = "sign_access_review"
    RECORD_EVIDENCE = "record_evidence"  # mark a checklist item done, with its evidence
    BREAK_GLASS = "break_glass"
    EXPORT_CALL_LIST = "export_call_list"
