"""What a practice does with a breach assessment: the four-factor risk assessment, the
HHS and media duties (the 500-patient rule), and the notice-letter list."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from services.access import Actor, Permission, Purpose, may_read
from services.audit import AuditEvent, PhiGateway, RecordKind, Touched
from services.clock import Clock
from services.compliance.reports import (
    NOTIFICATION_DAYS,
    BreachAssessment,
    ReportError,
    _denied,
)
from services.pms.mailing import MailingAddress
from storage.compliance_repo import ComplianceRepository, RiskAssessmentRecord

MEDIA_THRESHOLD = 500  # residents of one state or jurisdiction (45 CFR 164.406)
HHS_THRESHOLD = 500  # affected in all (45 CFR 164.408(b)); fewer go on the annual log
SUBSTITUTE_NOTICE_AT = 10  # out-of-date addresses needing web or media substitute notice


class AddressBook(Protocol):
    """The PMS call the letter list needs (services.pms.mailing.MailingAddressCalls)."""

    def mailing_addresses(
        self, purpose: Purpose, pat_nums: Iterable[int]
    ) -> list[MailingAddress]: ...


class Conclusion(StrEnum):
    UNDECIDED = ""
    NOTIFY = "notify"
    LOW_PROBABILITY = "low_probability"

    @property
    def label(self) -> str:
        return {
            "": "Not decided yet",
            "notify": "Breach: notify the patients, HHS and, if required, the media",
            "low_probability": "Low probability that the PHI was compromised: no notification",
        }[self.value]


@dataclass(frozen=True)
class RiskFactors:
    """The four factors of 45 CFR 164.402(2), in the officer's words."""

    nature: str = ""  # the nature and extent of the PHI: which fields, how identifying
    recipient: str = ""  # the unauthorised person who used the PHI or received it
    acquired: str = ""  # whether the PHI was actually acquired or viewed
    mitigation: str = ""  # the extent to which the risk has been mitigated
    conclusion: Conclusion = Conclusion.UNDECIDED

    def missing(self) -> list[str]:
        names = {
            "nature": "the nature and extent of the PHI",
            "recipient": "the unauthorised person",
            "acquired": "whether the PHI was acquired or viewed",
            "mitigation": "the extent of mitigation",
        }
        return [label for key, label in names.items() if not getattr(self, key).strip()]


def scope_of(a: BreachAssessment) -> str:
    """One saved risk assessment per window and filters (UTC times, ids: no PHI)."""
    return f"{a.start.isoformat()}|{a.end.isoformat()}|{a.actor_id}|{a.workstation_id}"


def _officer_only(gateway: PhiGateway, actor: Actor, action: str, now: datetime) -> None:
    if not may_read(actor, Purpose.BREACH_ASSESSMENT, now):
        _denied(gateway, actor, action, Permission.RUN_REPORTS)


def saved_risk(repo: ComplianceRepository, a: BreachAssessment) -> RiskAssessmentRecord | None:
    return repo.risk_assessment(scope_of(a))


def factors_of(record: RiskAssessmentRecord | None) -> RiskFactors:
    if record is None:
        return RiskFactors()
    return RiskFactors(
        record.nature,
        record.recipient,
        record.acquired,
        record.mitigation,
        Conclusion(record.conclusion),
    )


def save_risk_assessment(
    repo: ComplianceRepository,
    gateway: PhiGateway,
    clock: Clock,
    actor: Actor,
    a: BreachAssessment,
    factors: RiskFactors,
) -> RiskAssessmentRecord:
    """Save the officer's four factors for this assessment; audited before it is stored.

    A breach is presumed unless the assessment shows a low probability of compromise, so
    that conclusion needs all four factors written down.
    """
    now = clock.now()
    _officer_only(gateway, actor, "breach_risk_assessment_saved", now)
    if factors.conclusion is Conclusion.LOW_PROBABILITY and factors.missing():
        raise ReportError(
            "A low probability of compromise needs all four factors documented; missing: "
            + ", ".join(factors.missing())
            + "."
        )
    earlier = repo.risk_assessment(scope_of(a))
    record = RiskAssessmentRecord(
        assessment_id=earlier.assessment_id if earlier else f"ba_{secrets.token_hex(6)}",
        scope=scope_of(a),
        window_start=a.start,
        window_end=a.end,
        actor_id=a.actor_id,
        workstation_id=a.workstation_id,
        discovered=a.discovered,
        affected=len(a.patients),
        nature=factors.nature.strip(),
        recipient=factors.recipient.strip(),
        acquired=factors.acquired.strip(),
        mitigation=factors.mitigation.strip(),
        conclusion=factors.conclusion.value,
        saved_at=now,
        saved_by=actor.actor_id,
    )
    gateway.trail.append(  # the factors' text may name people: it stays in the database
        AuditEvent(
            action="breach_risk_assessment_saved",
            actor=actor,
            resource_type="breach_assessment",
            resource_id=record.assessment_id,
            purpose=Purpose.BREACH_ASSESSMENT.value,
            flags=(f"conclusion:{factors.conclusion.value or 'undecided'}",),
        )
    )
    repo.save_risk_assessment(record)
    return record


# -- who must be told, and by when ----------------------------------------------------------


@dataclass(frozen=True)
class ReportingDuties:
    affected: int
    notify_by: date  # individuals (and HHS and media when they are due now)
    hhs_now: bool  # 500 or more affected: HHS with the individual notices
    hhs_by: date  # the HHS deadline: notify_by, or 60 days after the end of the year
    media_states: tuple[str, ...]  # states with 500 or more affected residents
    states_known: bool  # False until the letter list has read the addresses
    lines: tuple[str, ...]


def annual_log_deadline(discovered: date) -> date:
    """Breaches under 500 go to HHS within 60 days of the end of the calendar year."""
    return date(discovered.year, 12, 31) + timedelta(days=NOTIFICATION_DAYS)


def reporting_duties(
    affected: int,
    discovered: date,
    notify_by: date,
    by_state: dict[str, int] | None = None,
    no_address: int = 0,
) -> ReportingDuties:
    lines = [f"Notify each affected patient in writing by {notify_by.isoformat()}."]
    hhs_now = affected >= HHS_THRESHOLD
    if hhs_now:
        hhs_by = notify_by
        lines.append(
            f"{affected} patients: report to HHS now, with the patients' notices "
            f"(by {hhs_by.isoformat()}), on the HHS breach portal."
        )
    else:
        hhs_by = annual_log_deadline(discovered)
        lines.append(
            f"Fewer than {HHS_THRESHOLD} patients: enter the breach in the practice's "
            f"annual HHS log and submit it by {hhs_by.isoformat()}."
        )
    media: tuple[str, ...] = ()
    if by_state is not None:
        media = tuple(sorted(s for s, n in by_state.items() if n >= MEDIA_THRESHOLD))
        for state in media:
            lines.append(
                f"{by_state[state]} affected residents of {state}: notify prominent media "
                f"outlets serving {state} by {notify_by.isoformat()}."
            )
        if not media:
            lines.append(
                f"No state has {MEDIA_THRESHOLD} or more affected residents: no media notice."
            )
    elif affected >= MEDIA_THRESHOLD:
        lines.append(
            f"Media notice is due if {MEDIA_THRESHOLD} or more of them live in one state or "
            "jurisdiction: generate the notice letters to count them by state."
        )
    else:
        lines.append(f"Fewer than {MEDIA_THRESHOLD} patients: no media notice.")
    if no_address >= SUBSTITUTE_NOTICE_AT:
        lines.append(
            f"Patients without a usable address: {no_address}. Give substitute notice (on the "
            "practice's website for 90 days or in major media, with a toll-free number)."
        )
    elif no_address:
        lines.append(
            f"Patients without a usable address: {no_address}. Reach them by telephone or "
            "another written notice."
        )
    return ReportingDuties(
        affected, notify_by, hhs_now, hhs_by, media, by_state is not None, tuple(lines)
    )


def duties_for(a: BreachAssessment) -> ReportingDuties:
    return reporting_duties(len(a.patients), a.discovered, a.notify_by)


# -- the notice-letter list --------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLetter:
    chart_number: str
    address: MailingAddress | None  # None: the PMS has no usable address

    @property
    def usable(self) -> bool:
        a = self.address
        return a is not None and bool(a.street and a.city and a.state)


@dataclass(frozen=True)
class NoticeList:
    letters: list[NoticeLetter]
    duties: ReportingDuties
    generated_at: datetime
    generated_by: str


def notice_letters(
    gateway: PhiGateway, book: AddressBook, clock: Clock, actor: Actor, a: BreachAssessment
) -> NoticeList:
    """Name and mailing address of every affected patient, read from the PMS now (under
    Purpose.BREACH_ASSESSMENT, audited per patient), with the duties counted by state."""
    now = clock.now()
    _officer_only(gateway, actor, "breach_notice_list", now)
    charts = sorted({int(p.chart_number) for p in a.patients if p.chart_number})
    if not a.named or not charts:
        raise ReportError("Show the breach assessment with its affected patients first.")

    def fetch() -> list[MailingAddress]:
        return book.mailing_addresses(Purpose.BREACH_ASSESSMENT, charts)

    found = gateway.read(
        actor,
        Purpose.BREACH_ASSESSMENT,
        "breach_notice_list",
        fetch,
        lambda addresses: [
            Touched(
                RecordKind.PATIENT,
                m.pat_num,
                m.pat_num,
                fields=("mailing_address", "patient_id", "patient_name"),
            )
            for m in addresses
        ],
        resource_type="patient",
    )
    by_number = {m.pat_num: m for m in found}
    letters = [NoticeLetter(str(n), by_number.get(n)) for n in charts]
    by_state: dict[str, int] = {}
    for letter in letters:
        if letter.usable and letter.address is not None:
            by_state[letter.address.state] = by_state.get(letter.address.state, 0) + 1
    duties = reporting_duties(
        len(a.patients),
        a.discovered,
        a.notify_by,
        by_state,
        no_address=sum(1 for letter in letters if not letter.usable),
    )
    return NoticeList(letters, duties, now, actor.actor_id)
