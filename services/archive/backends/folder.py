"""The folder backend: a NAS share or local disk, exclusive create, read-only after write."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

from services.archive.backends.base import ArchiveUnavailable, ObjectVersion, PutResult


class FolderBackend:
    """Exclusive create (link without overwrite), fsync, then read-only. For a NAS or local disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"folder {self.root}"

    def _path(self, name: str) -> Path:
        if ".." in name.split("/"):
            raise ValueError("bad object name")
        return self.root.joinpath(*name.split("/"))

    def check(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe-{secrets.token_hex(4)}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder {self.root} cannot be written ({exc.strerror})."
            ) from None
        return f"folder {self.root} is writable; files are made read-only after writing"

    def put_new(self, name: str, data: bytes, now: datetime) -> PutResult:
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, path)  # fails if the name exists: never overwrites
            except FileExistsError:
                return (
                    PutResult.EXISTS_SAME
                    if path.read_bytes() == data
                    else PutResult.EXISTS_DIFFERENT
                )
            finally:
                tmp.unlink(missing_ok=True)
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder cannot be written ({exc.strerror})."
            ) from None
        return PutResult.CREATED

    def get(self, name: str) -> bytes | None:
        path = self._path(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder cannot be read ({exc.strerror})."
            ) from None

    def versions(self, prefix: str) -> list[ObjectVersion]:
        """A folder keeps one version per name; hidden files are unfinished writes."""
        folder, _, _ = prefix.rpartition("/")
        base = self._path(folder) if folder else self.root
        if not base.is_dir():
            return []
        found = []
        for p in sorted(base.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                name = p.relative_to(self.root).as_posix()
                if name.startswith(prefix):
                    found.append(ObjectVersion(name, "", False))
        return found
