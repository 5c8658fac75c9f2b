"""Builds the configured archive backend and the sync service from settings and secrets."""

from __future__ import annotations

from pathlib import Path

from app.bootstrap import Services
from services.archive.backends import ArchiveBackend, ArchiveMisconfigured, FolderBackend, S3Backend
from services.archive.batch import key_id
from services.archive.sync import ArchiveSync
from services.installation import ARCHIVE_KEY, SIGNING_KEY
from storage.archive_repo import ArchiveRepository

S3_ACCESS_KEY = "archive.s3.access_key_id"
S3_SECRET_KEY = "archive.s3.secret_access_key"  # noqa: S105 - a setting name, not a secret


def archive_backend(services: Services) -> ArchiveBackend:
    inst = services.installation
    kind = inst.settings.get("archive.backend", "folder") or "folder"
    if kind == "folder":
        path = inst.settings.get("archive.folder.path", "") or str(inst.layout.archive_dir)
        return FolderBackend(Path(path))
    if kind == "s3":
        endpoint = inst.settings.get("archive.s3.endpoint", "") or ""
        bucket = inst.settings.get("archive.s3.bucket", "") or ""
        access, secret = inst.secrets.get(S3_ACCESS_KEY), inst.secrets.get(S3_SECRET_KEY)
        if not endpoint or not bucket or access is None or secret is None:
            raise ArchiveMisconfigured(
                "The S3 archive is not fully set up: run 'enamel-admin archive set s3'."
            )
        return S3Backend(
            endpoint,
            bucket,
            inst.settings.get("archive.s3.region", "us-east-1") or "us-east-1",
            access.decode(),
            secret.decode(),
            ca_file=inst.settings.get("archive.s3.ca_file") or None,
        )
    raise ArchiveMisconfigured(f"Unknown archive backend '{kind}': use folder or s3.")


def archive_keys(services: Services) -> dict[str, bytes]:
    """The current archive key and every retired one, by key id (older batches stay readable)."""
    secrets = services.installation.secrets
    keys = {}
    for info in secrets.info():
        if info.name == ARCHIVE_KEY or info.name.startswith(ARCHIVE_KEY + "."):
            value = secrets.get(info.name)
            if value is not None:
                keys[key_id(value)] = value
    return keys


def archive_sync(
    services: Services, backend: ArchiveBackend | None = None, batch_size: int = 5000
) -> ArchiveSync:
    inst = services.installation
    return ArchiveSync(
        services.trail,
        ArchiveRepository(inst.db),
        backend or archive_backend(services),
        services.clock,
        archive_key=inst.secrets.require(ARCHIVE_KEY),
        signing_key=inst.secrets.require(SIGNING_KEY),
        batch_size=batch_size,
    )
