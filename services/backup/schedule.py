"""Scheduled backups: where and how many to keep, and the app's daily job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.access import Actor, Permission, require
from services.audit import AuditTrail
from services.backup.create import create_backup
from services.backup.file_format import SUFFIX, Wrapping, check_passphrase
from services.backup.verify import VerifyReport, verify_backup
from services.clock import Clock
from services.installation import Installation
from storage.compliance_repo import ComplianceRepository

KEK_SECRET = "backup.kek"  # noqa: S105 - a secret's name, not a secret
FOLDER_SETTING = "backup.folder"
KEEP_SETTING = "backup.keep"
DEFAULT_KEEP = 14
SCHEDULE_ACTOR = Actor.system("backup")


def enable_scheduled_backups(
    installation: Installation, passphrase: str, folder: Path, keep: int, clock: Clock, actor: Actor
) -> None:
    """Remember where and how many; keep the passphrase-derived key (never the passphrase)."""
    require(actor, Permission.MANAGE_SETTINGS)
    check_passphrase(installation.layout, passphrase)
    now = clock.now()
    installation.secrets.put(KEK_SECRET, Wrapping.from_passphrase(passphrase).to_secret(), now)
    installation.settings.set(FOLDER_SETTING, str(folder), now)
    installation.settings.set(KEEP_SETTING, str(max(1, keep)), now)


def run_scheduled_backup(
    installation: Installation,
    clock: Clock,
    trail: AuditTrail,
    *,
    every: timedelta = timedelta(hours=20),
) -> VerifyReport | None:
    """The app's daily job: back up, verify, prune to `backup.keep`. None if nothing was due."""
    folder_text = installation.settings.get(FOLDER_SETTING)
    wrapped = installation.secrets.get(KEK_SECRET)
    if not folder_text or wrapped is None:
        return None
    repo = ComplianceRepository(installation.db)
    done = repo.backups()
    now = clock.now()
    if done and now - done[0].created_at < every:
        return None
    folder = Path(folder_text)
    folder.mkdir(parents=True, exist_ok=True)
    wrapping = Wrapping.from_secret(wrapped)
    name = f"enamel-{installation.practice_id}-{now:%Y%m%d-%H%M%S}{SUFFIX}"
    info = create_backup(installation, folder / name, wrapping, clock, trail, SCHEDULE_ACTOR)
    report = verify_backup(info.path, wrapping=wrapping, record=repo, clock=clock)
    keep = int(installation.settings.get(KEEP_SETTING, str(DEFAULT_KEEP)) or DEFAULT_KEEP)
    mine = sorted(folder.glob(f"enamel-{installation.practice_id}-*{SUFFIX}"))
    for old in mine[: max(0, len(mine) - keep)]:
        old.unlink(missing_ok=True)
    return report
