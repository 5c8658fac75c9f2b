"""The breach-detection rules: what each one is called, how it reads, and how severe it is."""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    PATIENT_VOLUME = "patient_volume"
    PATIENT_VOLUME_BASELINE = "patient_volume_baseline"
    AFTER_HOURS = "after_hours"
    FAILED_SIGN_INS = "failed_sign_ins"
    FAILED_SIGN_INS_WORKSTATION = "failed_sign_ins_workstation"
    EXPORT = "export"
    BREAK_GLASS = "break_glass"
    DISABLED_ACCOUNT = "disabled_account"
    OFFLINE_CODE_CONFLICT = "offline_code_conflict"  # a code used at two PCs while the hub was away

    @property
    def label(self) -> str:
        return {
            Rule.PATIENT_VOLUME: "Many patients in an hour",
            Rule.PATIENT_VOLUME_BASELINE: "Unusual patient volume for this user",
            Rule.AFTER_HOURS: "Access outside office hours",
            Rule.FAILED_SIGN_INS: "Burst of failed sign-ins (account)",
            Rule.FAILED_SIGN_INS_WORKSTATION: "Burst of failed sign-ins (workstation)",
            Rule.EXPORT: "Data exported",
            Rule.BREAK_GLASS: "Emergency access (break-glass)",
            Rule.DISABLED_ACCOUNT: "Activity by a disabled account",
            Rule.OFFLINE_CODE_CONFLICT: "Sign-in code used twice while the practice hub was away",
        }[self]

    @property
    def severity(self) -> str:
        if self in (Rule.EXPORT, Rule.AFTER_HOURS):
            return "medium"
        return "high"
