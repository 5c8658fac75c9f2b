"""The compliance checklist of the reference document, with each checkable item read from live state."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path

from services.compliance.facts import ArchiveFacts, UserFacts
from services.compliance.people import People
from services.keyrotation.reminders import CREDENTIAL_MAX_DAYS, credential_reminders
from services.pms.settings import ALLOW_HTTP_HOSTS
from storage.compliance_repo import ComplianceRepository, EvidenceRecord
from storage.settings_repo import SecretsRepository, SettingsRepository

SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"
MAX_IDLE_MINUTES = 15
REVIEW_MAX_DAYS = 90
REVIEW_PERIOD_SETTING = "alerts.review_days"
REVIEW_PERIOD_DAYS = 7


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not met"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        return {"met": "Met", "not met": "Not met", "manual": "Manual check"}[self.value]


@dataclass
class ChecklistSources:
    """Live state the checks read; the app builds it once (compliance page, CLI)."""

    database_file: Path
    settings: SettingsRepository
    secrets: SecretsRepository
    repo: ComplianceRepository
    users: UserFacts | None = None
    archive: ArchiveFacts | None = None
    audit_ok: Callable[[], bool] | None = None  # verify_local(...).ok, if wanted
    archive_max_days: int = 2
    backup_max_days: int = 7
    zone: tzinfo = UTC  # the practice's (services.calendar): what "today" is for evidence


def _days(now: datetime, then: datetime) -> int:
    return int((now - then) / timedelta(days=1))


def _encryption(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    try:
        with src.database_file.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return Status.NOT_MET, "The database file cannot be read."
    if head == SQLITE_PLAIN_HEADER:
        return Status.NOT_MET, "The database file is plaintext SQLite."
    plain = sorted(h for h in (src.settings.get(ALLOW_HTTP_HOSTS, "") or "").split(",") if h)
    if plain:
        return Status.NOT_MET, (
            f"Plain HTTP to the PMS is allowed for {', '.join(plain)} ({ALLOW_HTTP_HOSTS}): "
            "patient data and the PMS keys would cross the network unencrypted. Use https:// "
            "and remove the host ('enamel-admin pms set' without --allow-http-host)."
        )
    return Status.MET, "The database is SQLCipher-encrypted (AES-256); archive batches AES-GCM."


def _mfa(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    if src.users is None:
        return Status.MANUAL, "Account facts are not available here."
    active = [u for u in src.users.users() if not u.disabled]
    missing = [u.login for u in active if not u.mfa_enrolled]
    if not active:
        return Status.NOT_MET, "No active accounts yet."
    if missing:
        return Status.NOT_MET, f"{len(missing)} of {len(active)} active users without MFA."
    return Status.MET, f"All {len(active)} active users have an authenticator enrolled."


def _idle(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    raw = src.settings.get("idle_lock_minutes", "15") or "15"
    try:
        minutes = int(raw)
    except ValueError:
        return Status.NOT_MET, f"The idle-lock setting '{raw}' is not a number."
    if minutes <= MAX_IDLE_MINUTES:
        return Status.MET, f"Idle lock after {minutes} minutes."
    return Status.NOT_MET, f"Idle lock after {minutes} minutes (at most {MAX_IDLE_MINUTES})."


def _archive(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    if src.audit_ok is not None and not src.audit_ok():
        return Status.NOT_MET, "The local audit chain does not verify."
    if src.archive is None:
        return Status.MANUAL, "Archive status is not available here."
    last = src.archive.last_success()
    if last is None:
        return Status.NOT_MET, "The audit trail has never been sent to the archive."
    age = _days(now, last)
    if age > src.archive_max_days:
        return Status.NOT_MET, f"Last archive sync {age} days ago (limit {src.archive_max_days})."
    return Status.MET, f"Last archive sync {last:%Y-%m-%d %H:%M} UTC; six-year write-once archive."


def _backup(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    last = src.repo.last_verified_backup()
    if last is None or last.verified_at is None:
        return Status.NOT_MET, "No verified backup yet ('enamel-admin backup create' / verify)."
    age = _days(now, last.verified_at)
    if age > src.backup_max_days:
        return Status.NOT_MET, f"Last verified backup {age} days ago (limit {src.backup_max_days})."
    return Status.MET, f"Backup {last.file_name} verified {last.verified_at:%Y-%m-%d}."


def _review(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    last = src.repo.last_review()
    if last is None:
        return Status.NOT_MET, "No access review has been signed yet."
    age = _days(now, last.signed_at)
    if age > REVIEW_MAX_DAYS:
        return Status.NOT_MET, f"Last access review {age} days ago (every {REVIEW_MAX_DAYS} days)."
    by = People(src.users).label(last.signed_by)
    return Status.MET, f"Access review signed {last.signed_at:%Y-%m-%d} by {by}."


def _credentials(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    due = [r for r in credential_reminders(src.secrets, src.settings, now) if r.due]
    pms = [i for i in src.secrets.info() if i.name.startswith("pms.")]
    if not pms:
        return Status.NOT_MET, "No PMS credentials are stored yet."
    if due:
        names = ", ".join(r.label for r in due)
        return Status.NOT_MET, f"Due for rotation (over {CREDENTIAL_MAX_DAYS} days): {names}."
    return Status.MET, f"Every credential is younger than {CREDENTIAL_MAX_DAYS} days."


def review_period_days(settings: SettingsRepository) -> int:
    """How many days the practice gives itself to acknowledge an alert (setting, default 7)."""
    try:
        return max(1, int(settings.get(REVIEW_PERIOD_SETTING) or REVIEW_PERIOD_DAYS))
    except ValueError:
        return REVIEW_PERIOD_DAYS


def _alerts_reviewed(src: ChecklistSources, now: datetime) -> tuple[Status, str]:
    """Met only when every alert of the last quarter was acknowledged within the period."""
    days = review_period_days(src.settings)
    period = timedelta(days=days)
    oldest = src.repo.oldest_unacknowledged()
    if oldest is not None and now - oldest > period:
        return Status.NOT_MET, (
            f"Alerts have waited more than {days} days for acknowledgement (review period)."
        )
    recent = [a for a in src.repo.alerts() if now - a.raised_at <= timedelta(days=REVIEW_MAX_DAYS)]
    late = [
        a
        for a in recent
        if a.acknowledged_at is not None and a.acknowledged_at - a.raised_at > period
    ]
    if late:
        return Status.NOT_MET, (
            f"{len(late)} alerts of the last {REVIEW_MAX_DAYS} days were acknowledged after "
            f"more than {days} days (review period)."
        )
    open_count = sum(1 for a in recent if a.acknowledged_at is None)
    if not recent:
        return (
            Status.MET,
            f"No alerts in the last {REVIEW_MAX_DAYS} days; review period {days} days.",
        )
    return Status.MET, (
        f"Every alert of the last {REVIEW_MAX_DAYS} days acknowledged within {days} days "
        f"({open_count} open, within the period)."
    )


Check = Callable[[ChecklistSources, datetime], tuple[Status, str]]


@dataclass(frozen=True)
class ItemDef:
    """One item of the reference checklist, in a dental office's words.

    `check` reads live state; an item without one is done by people and counts once the
    compliance officer records its evidence (`services.compliance.evidence`). `renew_months`
    makes that evidence run out (counted on the practice calendar); `needs_attachment` asks
    for where the proof is kept (a file path, a document number, a binder).
    """

    key: str
    phase: str
    text: str
    reference: str  # the line of the reference checklist (or the HIPAA rule) it answers
    check: Check | None = None
    renew_months: int | None = None
    needs_attachment: bool = False
    required: bool = False  # not met (rather than "to check by hand") until evidence exists

    @property
    def recordable(self) -> bool:
        return self.check is None and self.key != "dashboard"


SOFTWARE = "Safeguards in Enamel"
PRACTICE = "Practice paperwork"
ONGOING = "Ongoing"
PHASES = (SOFTWARE, PRACTICE, ONGOING)

ITEMS: tuple[ItemDef, ...] = (
    ItemDef(
        "phi_inventory",
        SOFTWARE,
        "We have a written list of the patient information our computers hold and where "
        "(Open Dental, Enamel, imaging, email, paper)",
        "All PHI fields identified and documented",
    ),
    ItemDef(
        "minimum_necessary",
        SOFTWARE,
        "Each job sees only the patient details it needs (the front desk no charts, billing "
        "nothing clinical), and we agreed this for every task",
        "Minimum necessary determination completed per workflow",
    ),
    ItemDef(
        "encryption",
        SOFTWARE,
        "Patient data is encrypted on this computer and when it crosses the network",
        "Encryption implemented (at rest and in transit)",
        _encryption,
    ),
    ItemDef(
        "audit_trail",
        SOFTWARE,
        "A record of who opened which patient is kept, tamper-proof, for six years",
        "Audit logging implemented with 6-year retention",
        _archive,
    ),
    ItemDef(
        "no_phi_in_logs",
        SOFTWARE,
        "No patient details in log files, temporary files or error messages on our computers",
        "No PHI in logs, cache, or error messages",
    ),
    ItemDef(
        "mfa",
        SOFTWARE,
        "Everyone signs in with their own password and a code from their phone",
        "Access controls and authentication implemented (MFA)",
        _mfa,
    ),
    ItemDef(
        "idle_lock",
        SOFTWARE,
        "Screens lock by themselves after 15 minutes without use",
        "Inactive sessions lock within 15 minutes",
        _idle,
    ),
    ItemDef(
        "baa",
        PRACTICE,
        "Signed business associate agreements with every outside company that handles our "
        "patients' data (Open Dental, our IT support, backup and cloud services, the archive)",
        "BAAs signed with all third-party services",
    ),
    ItemDef(
        "risk_analysis",
        PRACTICE,
        "Security risk analysis done this year and written up: what could expose patient "
        "data (lost laptop, ransomware, a stolen password) and what we do about it",
        "Security risk analysis, HIPAA 164.308(a)(1)(ii)(A): every 12 months",
        renew_months=12,
        needs_attachment=True,
        required=True,
    ),
    ItemDef(
        "incident_plan",
        PRACTICE,
        "A written plan for a security incident: who to call and what to do first",
        "Security incident response plan documented",
    ),
    ItemDef(
        "breach_procedure",
        PRACTICE,
        "A written procedure for telling patients, HHS and, if needed, the media about a "
        "breach within 60 days",
        "Breach notification procedure defined",
    ),
    ItemDef(
        "training",
        PRACTICE,
        "Every staff member had HIPAA privacy and security training in the last 12 months",
        "Staff training completed (for human users)",
        renew_months=12,
    ),
    ItemDef(
        "penetration_test",
        PRACTICE,
        "An outside company tested how hard it is to break into our network and computers "
        "(penetration test) in the last 12 months",
        "Penetration testing completed",
        renew_months=12,
    ),
    ItemDef(
        "vulnerability_scan",
        PRACTICE,
        "Our computers are scanned for missing security updates on a schedule",
        "Vulnerability scanning configured",
    ),
    ItemDef(
        "credentials",
        ONGOING,
        "The Open Dental and archive keys are changed at least every 90 days",
        "Quarterly credential rotation scheduled (PMS keys < 90 days)",
        _credentials,
    ),
    ItemDef(
        "audit_review",
        ONGOING,
        "Someone reads the alerts about unusual access and acknowledges each in time",
        "Audit log review process established",
        _alerts_reviewed,
    ),
    ItemDef(
        "backup",
        ONGOING,
        "Backups are made, and restoring one has been tested",
        "Backup and disaster recovery tested",
        _backup,
    ),
    ItemDef(
        "access_review",
        ONGOING,
        "Every quarter someone checks who has which role and signs it off",
        "Access control review (quarterly minimum)",
        _review,
    ),
    ItemDef(
        "dashboard",
        ONGOING,
        "This compliance checklist and the alerts are in use",
        "Compliance monitoring dashboard active",
    ),
)
BY_KEY = {i.key: i for i in ITEMS}


@dataclass(frozen=True)
class EvidenceShown:
    """The evidence of an item as the checklist shows it (names, not ids)."""

    done_on: date
    note: str
    attachment: str
    recorded_at: datetime
    recorded_by: str  # the person's name and role, with the id beside it
    renew_by: date | None  # renew before this day (practice calendar), if it runs out
    recorded_by_name: str = ""  # the name alone, where the full label is a tooltip away


@dataclass(frozen=True)
class ChecklistItem:
    phase: str
    text: str
    status: Status
    detail: str
    key: str = ""
    reference: str = ""
    recordable: bool = False  # done by people: the officer may record its evidence
    evidence: EvidenceShown | None = None


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the last day of the month when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _with_evidence(
    item: ItemDef, record: EvidenceRecord | None, people: People, today: date
) -> tuple[Status, str, EvidenceShown | None]:
    if record is None or record.withdrawn:
        undone = " (the last mark was undone)" if record is not None else ""
        if item.required:
            return Status.NOT_MET, f"Not recorded yet{undone}: mark it done with the report.", None
        return Status.MANUAL, f"Not marked done yet{undone}.", None
    renew_by = add_months(record.done_on, item.renew_months) if item.renew_months else None
    shown = EvidenceShown(
        record.done_on,
        record.note,
        record.attachment,
        record.recorded_at,
        people.label(record.recorded_by),
        renew_by,
        people.person(record.recorded_by).name,
    )
    where = f"; evidence: {record.attachment}" if record.attachment else ""
    done = f"Done {record.done_on.isoformat()}{where}."
    if item.needs_attachment and not record.attachment:
        return Status.NOT_MET, f"{done} No reference to the written report.", shown
    if renew_by is not None and today >= renew_by:
        return (
            Status.NOT_MET,
            (
                f"Last done {record.done_on.isoformat()}: over {item.renew_months} months ago, "
                f"due again since {renew_by.isoformat()}."
            ),
            shown,
        )
    if renew_by is not None:
        done += f" Renew before {renew_by.isoformat()}."
    return Status.MET, done, shown


def checklist(src: ChecklistSources, now: datetime) -> list[ChecklistItem]:
    today = now.astimezone(src.zone).date()
    evidence = src.repo.latest_evidence()
    people = People(src.users)
    items = []
    for item in ITEMS:
        shown: EvidenceShown | None = None
        if item.check is not None:
            status, detail = item.check(src, now)
        elif item.key == "dashboard":
            status, detail = Status.MET, "This checklist and the alert rules are running."
        else:
            status, detail, shown = _with_evidence(item, evidence.get(item.key), people, today)
        items.append(
            ChecklistItem(
                item.phase,
                item.text,
                status,
                detail,
                item.key,
                item.reference,
                item.recordable,
                shown,
            )
        )
    return items


def item_named(items: list[ChecklistItem], key: str) -> ChecklistItem:
    return next(i for i in items if i.key == key)
