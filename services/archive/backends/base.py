"""What every archive backend offers: create-once, read, list every version, check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from errors import EnamelError

RETENTION_DAYS = 6 * 366  # six years, counting leap days generously


class ArchiveUnavailable(EnamelError):
    """The archive cannot be reached or refused a request: try again later."""

    exit_code = 1


class ArchiveMisconfigured(EnamelError):
    """The archive is set up wrongly (no Object Lock, plain http, missing keys): IT must act."""

    exit_code = 1


class PutResult(Enum):
    CREATED = "created"
    EXISTS_SAME = "exists_same"
    EXISTS_DIFFERENT = "exists_different"


@dataclass(frozen=True)
class ObjectVersion:
    name: str
    version_id: str
    is_delete_marker: bool


class ArchiveBackend(Protocol):
    def describe(self) -> str:
        """Where the archive is, for messages (no credentials)."""
        ...

    def check(self) -> str:
        """Raise ArchiveMisconfigured/ArchiveUnavailable unless the archive is write-once."""
        ...

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        """Create `name` only if it does not exist; if it does, say whether the bytes match."""
        ...

    def get(self, name: str) -> bytes | None:
        """The current bytes of `name`, or None if there is no such object."""
        ...

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        """Every version and delete marker whose name starts with `prefix` (any string) and,
        if `after` is given, sorts after it (an incremental verification's starting point)."""
        ...
