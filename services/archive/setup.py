"""Builds the configured archive backend and sync from an installation's settings and secrets.

Settings (plain, in the settings table): `archive.backend` = folder | s3,
`archive.folder.path` (default: the installation's archive folder), `archive.s3.endpoint`,
`archive.s3.bucket`, `archive.s3.region`, `archive.s3.ca_file`, `archive.s3.timeout_seconds`
(default 30: each try of a call waits that long for an answer), `archive.proxy` (the
practice's http://host:port proxy, empty for none), `archive.batch_size`
(default 5,000), `archive.seal_after_minutes` (default 60: a partial batch waits at most
this long), `archive.local_window_days` (default 400), `archive.full_verify_days` (default 7). Secrets (encrypted):
`archive.s3.access_key_id`, `archive.s3.secret_access_key`, the archive key `key.archive`
(retired ones as `key.archive.*`) and the workstation's signing key `key.signing`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from services.archive.backends import ArchiveBackend, ArchiveMisconfigured, FolderBackend, S3Backend
from services.archive.batch import key_id
from services.archive.settings import (
    DEFAULT_FULL_VERIFY_DAYS,
    DEFAULT_S3_TIMEOUT_SECONDS,
    DEFAULT_SEAL_AFTER_MINUTES,
    FOLDER,
    FULL_VERIFY_DAYS,
    MAX_SEAL_AFTER_MINUTES,
    S3,
    S3_ACCESS_KEY,
    S3_SECRET_KEY,
    S3_TIMEOUT_SECONDS,
    SEAL_AFTER_MINUTES,
    ArchiveSettings,
    proxy_problem,
)
from services.archive.sync import (
    BATCH_SIZE_SETTING,
    DEFAULT_BATCH_SIZE,
    DEFAULT_LOCAL_WINDOW_DAYS,
    LOCAL_WINDOW_SETTING,
    MAX_BATCH_SIZE,
    ArchiveSync,
)
from services.audit import AuditTrail
from services.clock import Clock
from services.installation import ARCHIVE_KEY, SIGNING_KEY, Installation
from storage.archive_repo import ArchiveRepository


def build_backend(inst: Installation, trail: AuditTrail | None = None) -> ArchiveBackend:
    """A joined workstation's batches go to the practice hub (hub.json); else the archive.

    `trail` records the deletion of archive credentials this PC kept until the hub held its
    earlier batches (a backend built only to read, as a restore's, never deletes them)."""
    from services.hub.membership import client_for, membership_of

    membership = membership_of(inst)
    if membership is not None:
        from services.hub.batch_backend import HubBatchBackend

        def earlier() -> tuple[ArchiveBackend, list[tuple[str, int, int, str, str]], list[bytes]]:
            confirmed = ArchiveRepository(inst.db).batches()
            return build_archive_backend(inst), confirmed, list(archive_keys(inst).values())

        from services.hub.resend import SentBefore
        from storage.audit_repo import AuditRepository

        sent = SentBefore(
            confirmed=ArchiveRepository(inst.db).batches,
            rows=lambda first, last: list(AuditRepository(inst.db).rows(first, last)),
            archive_keys=lambda: list(archive_keys(inst).values()),
            signing_key=inst.secrets.require(SIGNING_KEY),
        )

        def release() -> object:
            from services.hub.archive_credentials import (
                AFTER_HAND_OVER,
                forget_archive_credentials,
            )

            if trail is None:
                return False
            return forget_archive_credentials(inst, trail, AFTER_HAND_OVER)

        client = client_for(inst, membership)
        return HubBatchBackend(
            client,
            inst.practice_id,
            inst.workstation_id,
            earlier,
            sent,
            release=release,
        )
    return build_archive_backend(inst)


def build_archive_backend(inst: Installation) -> ArchiveBackend:
    """The write-once archive this installation is set up with (folder or S3)."""
    config = ArchiveSettings.read(inst.settings)
    if config.backend == FOLDER:
        return FolderBackend(Path(config.folder_path or inst.layout.archive_dir))
    if config.backend == S3:
        problem = proxy_problem(config.proxy)
        if problem is not None:
            raise ArchiveMisconfigured(f"{problem} Fix it with 'enamel-admin archive set s3'.")
        access, secret = inst.secrets.get(S3_ACCESS_KEY), inst.secrets.get(S3_SECRET_KEY)
        if not config.endpoint or not config.bucket or access is None or secret is None:
            raise ArchiveMisconfigured(
                "The S3 archive is not fully set up: run 'enamel-admin archive set s3'."
            )
        return S3Backend(
            config.endpoint,
            config.bucket,
            config.region,
            access.decode(),
            secret.decode(),
            ca_file=config.ca_file or None,
            proxy=config.proxy or None,
            timeout=float(
                _int_setting(inst, S3_TIMEOUT_SECONDS, DEFAULT_S3_TIMEOUT_SECONDS, 1, 300)
            ),
        )
    raise ArchiveMisconfigured(f"Unknown archive backend '{config.backend}': use folder or s3.")


def archive_keys(inst: Installation) -> dict[str, bytes]:
    """The current archive key and every retired one, by key id (older batches stay readable)."""
    keys = {}
    for info in inst.secrets.info():
        if info.name == ARCHIVE_KEY or info.name.startswith(ARCHIVE_KEY + "."):
            value = inst.secrets.get(info.name)
            if value is not None:
                keys[key_id(value)] = value
    return keys


def _int_setting(inst: Installation, name: str, default: int, low: int, high: int) -> int:
    raw = inst.settings.get(name, "") or ""
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ArchiveMisconfigured(f"The setting {name} must be a whole number.") from None
    if not low <= value <= high:
        raise ArchiveMisconfigured(f"The setting {name} must be between {low} and {high}.")
    return value


def full_verify_every(inst: Installation) -> timedelta:
    """How often the whole archive is verified again (setting `archive.full_verify_days`)."""
    return timedelta(days=_int_setting(inst, FULL_VERIFY_DAYS, DEFAULT_FULL_VERIFY_DAYS, 1, 366))


HUB_SEAL_AFTER_MINUTES = 1


def build_sync(
    inst: Installation,
    trail: AuditTrail,
    clock: Clock,
    backend: ArchiveBackend | None = None,
    batch_size: int | None = None,
) -> ArchiveSync:
    from services.hub.batch_backend import HUB_BATCH_SIZE, HubBatchBackend

    backend = backend or build_backend(inst, trail)
    most = HUB_BATCH_SIZE if isinstance(backend, HubBatchBackend) else MAX_BATCH_SIZE
    # The hub is on the LAN and runs the practice's breach rules over what it receives: a
    # joined PC seals a partial batch after a minute, not the archive's hour.
    to_hub = isinstance(backend, HubBatchBackend)
    seal_default = HUB_SEAL_AFTER_MINUTES if to_hub else DEFAULT_SEAL_AFTER_MINUTES
    return ArchiveSync(
        trail,
        ArchiveRepository(inst.db),
        backend,
        clock,
        archive_key=inst.secrets.require(ARCHIVE_KEY),
        signing_key=inst.secrets.require(SIGNING_KEY),
        batch_size=min(
            most,
            batch_size
            or _int_setting(inst, BATCH_SIZE_SETTING, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
        ),
        local_window_days=_int_setting(
            inst, LOCAL_WINDOW_SETTING, DEFAULT_LOCAL_WINDOW_DAYS, 1, 36500
        ),
        seal_after=timedelta(
            minutes=_int_setting(inst, SEAL_AFTER_MINUTES, seal_default, 0, MAX_SEAL_AFTER_MINUTES)
        ),
    )
