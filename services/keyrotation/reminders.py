"""Rotation reminders: each rotatable credential's age, due once it is older than 90 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.archive import settings as archive_settings
from services.backup.schedule import KEK_SECRET
from services.installation import ARCHIVE_KEY, PSEUDONYM_KEY, SIGNING_KEY
from services.pms import settings as pms_settings
from storage.settings_repo import SecretsRepository, SettingsRepository

CREDENTIAL_MAX_DAYS = 90
DB_KEY_ROTATED_SETTING = "compliance.db_key_rotated_at"

# Keys that are not rotated on a schedule: a new pseudonym key would cut every patient's
# trail in two; the signing key's public half is published write-once to the archive.
_NOT_ROTATED = {PSEUDONYM_KEY, SIGNING_KEY, KEK_SECRET}
_LABELS = {
    pms_settings.DEVELOPER_KEY: "PMS developer key",
    pms_settings.CUSTOMER_KEY: "PMS customer key",
    archive_settings.S3_ACCESS_KEY: "Archive access key id",
    archive_settings.S3_SECRET_KEY: "Archive secret access key",
    ARCHIVE_KEY: "Archive encryption key",
    "database": "Database key",
}


@dataclass(frozen=True)
class RotationReminder:
    name: str
    label: str
    created_at: datetime
    age_days: int
    due: bool


def credential_reminders(
    secrets: SecretsRepository,
    settings: SettingsRepository,
    now: datetime,
    *,
    max_age_days: int = CREDENTIAL_MAX_DAYS,
    database_key_since: datetime | None = None,
) -> list[RotationReminder]:
    """Each rotatable credential with its age; `due` once it is older than 90 days."""
    found: list[tuple[str, datetime]] = []
    for info in secrets.info():
        if info.name in _NOT_ROTATED or info.name.startswith(ARCHIVE_KEY + "."):
            continue  # retired archive keys are kept to read old batches, not used
        found.append((info.name, info.created_at))
    rotated = settings.get(DB_KEY_ROTATED_SETTING)
    since = datetime.fromisoformat(rotated) if rotated else database_key_since
    if since is not None:
        found.append(("database", since))
    reminders = []
    for name, created in found:
        age = (now - created).days
        reminders.append(
            RotationReminder(name, _LABELS.get(name, name), created, age, age >= max_age_days)
        )
    return sorted(reminders, key=lambda r: (-r.age_days, r.name))
