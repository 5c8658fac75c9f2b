"""Where batches go: a write-once folder, or S3-compatible storage with Object Lock."""

from services.archive.backends.base import (
    RETENTION_DAYS,
    ArchiveBackend,
    ArchiveMisconfigured,
    ArchiveUnavailable,
    ObjectVersion,
    PutResult,
)
from services.archive.backends.folder import FolderBackend
from services.archive.backends.s3 import S3Backend

__all__ = [
    "RETENTION_DAYS",
    "ArchiveBackend",
    "ArchiveMisconfigured",
    "ArchiveUnavailable",
    "FolderBackend",
    "ObjectVersion",
    "PutResult",
    "S3Backend",
]
