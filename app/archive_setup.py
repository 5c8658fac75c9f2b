"""The archive builders for the app (the logic lives in services.archive.setup)."""

from __future__ import annotations

from app.bootstrap import Services
from services.archive.backends import ArchiveBackend
from services.archive.setup import archive_keys as _archive_keys
from services.archive.setup import build_backend, build_sync
from services.archive.sync import ArchiveSync

__all__ = ["archive_backend", "archive_keys", "archive_sync"]


def archive_backend(services: Services) -> ArchiveBackend:
    return build_backend(services.installation)


def archive_keys(services: Services) -> dict[str, bytes]:
    """The current archive key and every retired one, by key id (older batches stay readable)."""
    return _archive_keys(services.installation)


def archive_sync(
    services: Services, backend: ArchiveBackend | None = None, batch_size: int | None = None
) -> ArchiveSync:
    return build_sync(services.installation, services.trail, services.clock, backend, batch_size)
