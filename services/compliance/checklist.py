"""The compliance checklist of the reference document, with each checkable item read from live state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from services.compliance.facts import ArchiveFacts, UserFacts
from services.compliance.people import People
from services.keyrotation.reminders import CREDENTIAL_MAX_DAYS, credential_reminders
from services.pms.settings import ALLOW_HTTP_HOSTS
from storage.compliance_repo import ComplianceRepository
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


@dataclass(frozen=True)
class ChecklistItem:
    phase: str
    text: str
    status: Status
    detail: str


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
_MANUAL = "Outside the software: confirm and keep the evidence."

# (phase, text of the reference checklist, check or None for manual)
ITEMS: list[tuple[str, str, Check | None]] = [
    ("Development", "All PHI fields identified and documented", None),
    ("Development", "Minimum necessary determination completed per workflow", None),
    ("Development", "Encryption implemented (at rest and in transit)", _encryption),
    ("Development", "Audit logging implemented with 6-year retention", _archive),
    ("Development", "No PHI in logs, cache, or error messages", None),
    ("Development", "Access controls and authentication implemented (MFA)", _mfa),
    ("Development", "Inactive sessions lock within 15 minutes", _idle),
    ("Deployment", "BAAs signed with all third-party services", None),
    ("Deployment", "Security incident response plan documented", None),
    ("Deployment", "Breach notification procedure defined", None),
    ("Deployment", "Staff training completed (for human users)", None),
    ("Deployment", "Penetration testing completed", None),
    ("Deployment", "Vulnerability scanning configured", None),
    ("Operational", "Quarterly credential rotation scheduled (PMS keys < 90 days)", _credentials),
    ("Operational", "Audit log review process established", _alerts_reviewed),
    ("Operational", "Backup and disaster recovery tested", _backup),
    ("Operational", "Access control review (quarterly minimum)", _review),
    ("Operational", "Compliance monitoring dashboard active", None),
]


def checklist(src: ChecklistSources, now: datetime) -> list[ChecklistItem]:
    items = []
    for phase, text, check in ITEMS:
        if check is None:
            status, detail = Status.MANUAL, _MANUAL
            if text.startswith("Compliance monitoring"):
                status, detail = Status.MET, "This dashboard and the alert rules are running."
        else:
            status, detail = check(src, now)
        items.append(ChecklistItem(phase, text, status, detail))
    return items
