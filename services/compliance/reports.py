"""Compliance reports: patient access report, breach assessment, user access review with sign-off."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from errors import EnamelError
from services.access import Actor, Permission, Purpose, may, may_read
from services.access.policy import AccessDenied
from services.audit import AuditEntry, AuditEvent, Outcome, PhiGateway, RecordKind, Touched
from services.audit.entry import iso_millis
from services.audit.sources import (
    ACCESS_REPORT,
    BREACH_ASSESSMENT,
    MAX_ENTRIES,
    EntrySource,
    FoundEntries,
    LocalEntrySource,
)
from services.clock import Clock
from services.compliance.facts import UserFacts
from services.compliance.people import People
from services.pms.records import PatientContact
from services.workflows.lookup import parse_query  # one way to read a search box
from storage.compliance_repo import ComplianceRepository, ReviewRecord
from storage.hub_entries_repo import EntryFilter

NOTIFICATION_DAYS = 60  # HIPAA breach notification: without unreasonable delay, at most 60 days

# A patient's name from the PMS, by record number (wired by the app; None when unavailable).
PatientNames = Callable[[str], str | None]


class PatientSearch(Protocol):
    """What the access report's search asks of the PMS (services.pms.protocol.PmsClient)."""

    def find_patients(
        self, purpose: Purpose, *, name: str = "", phone: str = "", birthdate: date | None = None
    ) -> list[PatientContact]: ...

    def patient_contact(self, purpose: Purpose, pat_num: int) -> PatientContact: ...


class ReportError(EnamelError):
    exit_code = 1


def _denied(gateway: PhiGateway, actor: Actor, action: str, permission: Permission) -> None:
    gateway.trail.append(
        AuditEvent(
            action=action,
            actor=actor,
            outcome=Outcome.FAILURE,
            resource_type="audit_log",
            flags=("denied",),
        )
    )
    raise AccessDenied(
        f"Your role ({actor.role.label}) does not allow this "
        f"({permission.value.replace('_', ' ')}). The attempt has been recorded."
    )


# -- patient access report ----------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    when: datetime
    actor_id: str
    actor_label: str
    actor_type: str
    action: str
    purpose: str
    outcome: str
    fields: tuple[str, ...]
    flags: tuple[str, ...]
    workstation_id: str


@dataclass(frozen=True)
class PatientAccessReport:
    patient_ref: str
    patient_label: str  # the name for roles that may resolve pseudonyms, else the pseudonym
    named: bool
    rows: list[AccessRow]
    generated_at: datetime
    generated_by: str
    practice_wide: bool = True  # False: this workstation's entries only (the hub was away)
    notice: str = ""  # said with the report when it is not the whole practice's
    workstations: dict[str, str] = field(default_factory=dict)  # id -> name, from the hub


def _staff_labels(users: UserFacts | None) -> dict[str, str]:
    people = People(users)
    return {p.actor_id: p.label for p in people.everyone()}


def _rows(entries: list[AuditEntry], labels: dict[str, str]) -> list[AccessRow]:
    rows = []
    for e in entries:
        d = e.data
        actor_id = str(d.get("actor_id", ""))
        rows.append(
            AccessRow(
                when=datetime.fromisoformat(str(d["timestamp"])),
                actor_id=actor_id,
                actor_label=labels.get(actor_id, actor_id),
                actor_type=str(d.get("actor_type", "")),
                action=str(d.get("action", "")),
                purpose=str(d.get("purpose", "")),
                outcome=str(d.get("outcome", "")),
                fields=tuple(d.get("fields") or ()),
                flags=tuple(d.get("flags") or ()),
                workstation_id=str(d.get("workstation_id", "")),
            )
        )
    return rows


def patient_access_report(
    gateway: PhiGateway,
    clock: Clock,
    actor: Actor,
    patient: int | str,
    *,
    names: PatientNames | None = None,
    users: UserFacts | None = None,
    source: EntrySource | None = None,
) -> PatientAccessReport:
    """Who touched one patient's records, when and why.

    `patient` is a PMS record number or a pseudonym (`pt_…`). A role that may resolve
    pseudonyms (Purpose.ACCESS_REPORT) gets the patient's name, through the PHI gateway,
    so the report itself is audited. A role with RUN_REPORTS or VIEW_AUDIT but no
    resolution right may ask by pseudonym only and sees pseudonyms only. Anyone else is
    refused, and the refusal is audited.
    """
    trail = gateway.trail
    text = str(patient).strip()
    by_ref = text.startswith(f"{RecordKind.PATIENT.value}_")
    labels = _staff_labels(users)
    now = clock.now()
    entry_source = source or LocalEntrySource(trail)

    def of_patient(ref: str) -> FoundEntries:
        return entry_source.find(actor, ACCESS_REPORT, EntryFilter(patient_id=ref), MAX_ENTRIES)

    if may_read(actor, Purpose.ACCESS_REPORT, now):
        if by_ref:
            found = trail.repository.resolve(text)
            record_number = found[1] if found and found[0] == RecordKind.PATIENT.value else None
            ref = text
        else:
            record_number, ref = text, trail.ref(RecordKind.PATIENT, text)

        def fetch() -> tuple[FoundEntries, str | None]:
            matched = of_patient(ref)
            name = names(record_number) if names and record_number is not None else None
            return matched, name

        def touched(_: tuple[FoundEntries, str | None]) -> list[Touched]:
            if record_number is None:
                return []
            return [
                Touched(
                    RecordKind.PATIENT,
                    record_number,
                    record_number,
                    fields=("patient_id", "patient_name"),
                )
            ]

        matched, name = gateway.read(
            actor,
            Purpose.ACCESS_REPORT,
            "patient_access_report",
            fetch,
            touched,
            resource_type="audit_log",
        )
        if name:
            label = name
        elif record_number is not None:
            label = f"Patient record {record_number}"
        else:
            label = ref
        return PatientAccessReport(
            ref,
            label,
            record_number is not None,
            _rows(matched.entries, labels),
            now,
            actor.actor_id,
            matched.practice_wide,
            matched.notice,
            matched.workstations,
        )

    if by_ref and (may(actor, Permission.RUN_REPORTS) or may(actor, Permission.VIEW_AUDIT)):
        pseudonymous = of_patient(text)
        trail.append(
            AuditEvent(
                action="patient_access_report",
                actor=actor,
                resource_type="audit_log",
                patient_id=text,
                flags=("pseudonymous",),
            )
        )
        return PatientAccessReport(
            text,
            text,
            False,
            _rows(pseudonymous.entries, labels),
            now,
            actor.actor_id,
            pseudonymous.practice_wide,
            pseudonymous.notice,
            pseudonymous.workstations,
        )

    if may(actor, Permission.RUN_REPORTS) or may(actor, Permission.VIEW_AUDIT):
        # A record number names the patient: looking it up is resolution.
        gateway.trail.append(
            AuditEvent(
                action="patient_access_report",
                actor=actor,
                outcome=Outcome.FAILURE,
                resource_type="audit_log",
                purpose=Purpose.ACCESS_REPORT.value,
                flags=("denied",),
            )
        )
        raise AccessDenied(
            f"Your role ({actor.role.label}) may not look a patient up by record number; ask "
            "by pseudonym (pt_…) or ask the compliance officer. The attempt has been recorded."
        )
    _denied(gateway, actor, "patient_access_report", Permission.RUN_REPORTS)
    raise AssertionError("unreachable")


# -- breach assessment --------------------------------------------------------------------


@dataclass(frozen=True)
class AffectedPatient:
    patient_ref: str
    label: str  # name or record number for roles that may resolve, else the pseudonym
    accesses: int
    first_access: datetime
    last_access: datetime
    purposes: tuple[str, ...]
    chart_number: str = ""  # the PMS record number, for roles that may resolve pseudonyms


@dataclass(frozen=True)
class BreachAssessment:
    start: datetime
    end: datetime
    actor_id: str
    workstation_id: str
    discovered: date
    notify_by: date
    entries: int
    patients: list[AffectedPatient]
    named: bool
    actors: tuple[str, ...]
    generated_at: datetime
    generated_by: str
    first_access: datetime | None = None
    last_access: datetime | None = None
    notes: list[str] = field(default_factory=list)
    practice_wide: bool = True  # False: this workstation's entries only (the hub was away)


def notification_deadline(discovered: date) -> date:
    return discovered + timedelta(days=NOTIFICATION_DAYS)


def breach_assessment(
    gateway: PhiGateway,
    clock: Clock,
    actor: Actor,
    start: datetime,
    end: datetime,
    *,
    actor_id: str = "",
    workstation_id: str = "",
    discovered: date | None = None,
    names: PatientNames | None = None,
    source: EntrySource | None = None,
) -> BreachAssessment:
    """Which patients an actor (and/or a workstation) touched in a window, and the deadline.

    Roles with Purpose.BREACH_ASSESSMENT see names (audited per patient through the PHI
    gateway); RUN_REPORTS alone gives the pseudonymous assessment; anyone else is refused.
    """
    now = clock.now()
    named = may_read(actor, Purpose.BREACH_ASSESSMENT, now)
    if not named and not may(actor, Permission.RUN_REPORTS):
        _denied(gateway, actor, "breach_assessment", Permission.RUN_REPORTS)
    if end <= start:
        raise ReportError("The end of the window is before its start.")
    trail = gateway.trail
    entry_source = source or LocalEntrySource(trail)
    scope: list[FoundEntries] = []

    def collect() -> tuple[list[AuditEntry], dict[str, str]]:
        wanted = EntryFilter(
            ts_from=iso_millis(start),
            ts_to=iso_millis(end),
            workstation_id=workstation_id,
            actor_ids=(actor_id,) if actor_id else (),
        )
        matched = entry_source.find(actor, BREACH_ASSESSMENT, wanted, MAX_ENTRIES)
        scope.append(matched)
        chosen = matched.entries
        numbers: dict[str, str] = {}
        if named:
            for ref in {str(e.data.get("patient_id")) for e in chosen if e.data.get("patient_id")}:
                found = trail.repository.resolve(ref)
                if found is not None and found[0] == RecordKind.PATIENT.value:
                    numbers[ref] = found[1]
        return chosen, numbers

    if named:
        entries, numbers = gateway.read(
            actor,
            Purpose.BREACH_ASSESSMENT,
            "breach_assessment",
            collect,
            lambda found: [
                Touched(RecordKind.PATIENT, n, n, fields=("patient_id", "patient_name"))
                for n in sorted(found[1].values())
            ],
            resource_type="audit_log",
        )
    else:
        trail.append(
            AuditEvent(
                action="breach_assessment",
                actor=actor,
                resource_type="audit_log",
                flags=("pseudonymous",),
            )
        )
        entries, numbers = collect()

    per: dict[str, list[AuditEntry]] = {}
    for e in entries:
        ref = str(e.data.get("patient_id") or "")
        if ref:
            per.setdefault(ref, []).append(e)
    patients = []
    for ref, items in per.items():
        times = [datetime.fromisoformat(str(e.data["timestamp"])) for e in items]
        label = ref
        if named and ref in numbers:
            name = names(numbers[ref]) if names else None
            label = name or f"Patient record {numbers[ref]}"
        patients.append(
            AffectedPatient(
                ref,
                label,
                len(items),
                min(times),
                max(times),
                tuple(sorted({str(e.data.get("purpose") or "") for e in items} - {""})),
                numbers.get(ref, "") if named else "",
            )
        )
    patients.sort(key=lambda p: (p.first_access, p.patient_ref))
    stamps = [datetime.fromisoformat(str(e.data["timestamp"])) for e in entries]
    found_on = discovered or now.date()
    notes = [scope[0].notice] if scope and scope[0].notice else []
    if scope and scope[0].truncated:
        notes.append(f"More than {MAX_ENTRIES} entries matched: narrow the window.")
    return BreachAssessment(
        start=start,
        end=end,
        actor_id=actor_id,
        workstation_id=workstation_id,
        discovered=found_on,
        notify_by=notification_deadline(found_on),
        entries=len(entries),
        patients=patients,
        named=named,
        actors=tuple(sorted({str(e.data.get("actor_id")) for e in entries})),
        generated_at=now,
        generated_by=actor.actor_id,
        first_access=min(stamps) if stamps else None,
        last_access=max(stamps) if stamps else None,
        notes=notes,
        practice_wide=not scope or scope[0].practice_wide,
    )


# -- user access review -------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    user_id: str
    login: str
    display_name: str
    role: str
    disabled: bool
    last_sign_in: datetime | None
    mfa_enrolled: bool
    password_age_days: int | None
    findings: tuple[str, ...]


@dataclass(frozen=True)
class AccessReview:
    rows: list[ReviewRow]
    generated_at: datetime
    last_signed: ReviewRecord | None

    def digest(self) -> str:
        payload = [
            [r.user_id, r.role, r.disabled, r.mfa_enrolled, r.password_age_days] for r in self.rows
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _may_review(actor: Actor) -> bool:
    return any(
        may(actor, p)
        for p in (Permission.SIGN_ACCESS_REVIEW, Permission.RUN_REPORTS, Permission.MANAGE_USERS)
    )


def access_review(
    users: UserFacts,
    repo: ComplianceRepository,
    gateway: PhiGateway,
    clock: Clock,
    actor: Actor,
    *,
    inactive_days: int = 90,
) -> AccessReview:
    """Users, roles, last sign-in, MFA and credential ages, with what deserves a look."""
    if not _may_review(actor):
        _denied(gateway, actor, "access_review", Permission.SIGN_ACCESS_REVIEW)
    now = clock.now()
    rows = []
    for u in sorted(users.users(), key=lambda u: (u.disabled, u.role, u.login)):
        age = (now - u.password_changed_at).days if u.password_changed_at else None
        findings = []
        if not u.disabled:
            if not u.mfa_enrolled:
                findings.append("no MFA")
            if u.last_sign_in is None:
                findings.append("never signed in")
            elif (now - u.last_sign_in).days > inactive_days:
                findings.append(f"inactive {(now - u.last_sign_in).days} days")
        rows.append(
            ReviewRow(
                u.user_id,
                u.login,
                u.display_name,
                u.role,
                u.disabled,
                u.last_sign_in,
                u.mfa_enrolled,
                age,
                tuple(findings),
            )
        )
    return AccessReview(rows, now, repo.last_review())


def sign_access_review(
    review: AccessReview,
    repo: ComplianceRepository,
    gateway: PhiGateway,
    clock: Clock,
    actor: Actor,
    note: str,
) -> ReviewRecord:
    """Record the sign-off (who, when, note, what was reviewed); audited before it counts."""
    if not may(actor, Permission.SIGN_ACCESS_REVIEW):
        _denied(gateway, actor, "access_review_signed", Permission.SIGN_ACCESS_REVIEW)
    record = ReviewRecord(
        review_id=f"rv_{secrets.token_hex(6)}",
        signed_at=clock.now(),
        signed_by=actor.actor_id,
        note=note.strip(),
        user_count=len(review.rows),
        rows_digest=review.digest(),
    )
    gateway.trail.append(
        AuditEvent(
            action="access_review_signed",
            actor=actor,
            resource_type="access_review",
            resource_id=record.review_id,
        )
    )
    repo.add_review(record)
    return record


# -- finding the patient for the access report ----------------------------------------------


@dataclass(frozen=True)
class PatientMatch:
    record_number: int  # the PMS's patient number (the chart number in the practice's words)
    name: str


def find_patients(
    gateway: PhiGateway, pms: PatientSearch, clock: Clock, actor: Actor, text: str
) -> list[PatientMatch]:
    """Patients by name ('Last, First'), chart number or birth date (YYYY-MM-DD), for the
    access report: names only, asked of the PMS under Purpose.ACCESS_REPORT and audited."""
    query = text.strip()
    if not query:
        return []
    if not may_read(actor, Purpose.ACCESS_REPORT, clock.now()):
        _denied(gateway, actor, "patient_search", Permission.RUN_REPORTS)

    def fetch() -> list[PatientMatch]:
        if query.isdigit():
            found = [pms.patient_contact(Purpose.ACCESS_REPORT, int(query))]
            found = [p for p in found if p.name]
        else:
            found = pms.find_patients(Purpose.ACCESS_REPORT, **parse_query(query))  # type: ignore[arg-type]
        return [PatientMatch(p.pat_num, p.name or "") for p in found]

    return gateway.read(
        actor,
        Purpose.ACCESS_REPORT,
        "patient_search",
        fetch,
        lambda ms: [
            Touched(
                RecordKind.PATIENT,
                m.record_number,
                m.record_number,
                fields=("patient_id", "patient_name"),
            )
            for m in ms
        ],
        resource_type="patient",
    )
