"""The folder backend: a NAS share or local disk, exclusive create, read-only after write.

Layout: a batch `{practice}/{workstation}/{first:012d}-{last:012d}` is the file
`{practice}/{workstation}/{shard}/{first:012d}-{last:012d}`, where `shard` is the first seq
rounded down to a multiple of SHARD_SEQS (12 digits), so no directory grows past a few
thousand files in six years and a look-up reads one directory, never the whole tree. Other
objects (`signing-key.pub`) sit in the workstation's folder. Archives written before the
shards (every batch directly in the workstation's folder) are read as they are: a look-up
tries the shard, then the flat place, and a new batch is refused if either holds its name.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from services.archive.backends.base import ArchiveUnavailable, ObjectVersion, PutResult

SHARD_SEQS = 100_000
_BATCH = re.compile(r"^(\d{12})-\d{12}$")
_SHARD = re.compile(r"^\d{12}$")


def shard_of(first_seq: int) -> str:
    return f"{first_seq // SHARD_SEQS * SHARD_SEQS:012d}"


class FolderBackend:
    """Exclusive create (link without overwrite), fsync, then read-only. For a NAS or local disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return f"folder {self.root}"

    def _flat_path(self, name: str) -> Path:
        parts = name.split("/")
        if ".." in parts:
            raise ValueError("bad object name")
        return self.root.joinpath(*parts)

    def _path(self, name: str) -> Path:
        """Where `name` is written: batches in their seq-range shard."""
        flat = self._flat_path(name)
        batch = _BATCH.match(flat.name)
        if batch is None or len(name.split("/")) < 3:
            return flat
        return flat.parent / shard_of(int(batch.group(1))) / flat.name

    def _existing(self, name: str) -> Path | None:
        """The file holding `name`: its shard, else the flat place of an older archive."""
        for path in dict.fromkeys((self._path(name), self._flat_path(name))):
            if path.is_file():
                return path
        return None

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
        path, flat = self._path(name), self._flat_path(name)
        try:
            if flat != path and flat.is_file():  # written before the shards
                return (
                    PutResult.EXISTS_SAME
                    if flat.read_bytes() == data
                    else PutResult.EXISTS_DIFFERENT
                )
            new_shard = not path.parent.is_dir()
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
            _fsync_dir(path.parent)
            if new_shard:  # the new directory's own entry must be durable too
                _fsync_dir(path.parent.parent)
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder cannot be written ({exc.strerror})."
            ) from None
        return PutResult.CREATED

    def get(self, name: str) -> bytes | None:
        path = self._existing(name)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ArchiveUnavailable(
                f"The archive folder cannot be read ({exc.strerror})."
            ) from None

    def versions(self, prefix: str, after: str = "") -> list[ObjectVersion]:
        """A folder keeps one version per name; hidden files are unfinished writes.

        A name found both flat and in its shard is listed twice (two versions: an alarm).
        Only the shards that can hold names under `prefix` and after `after` are read.
        """
        folder, _, start = prefix.rpartition("/")
        base = self._flat_path(folder) if folder else self.root
        if not base.is_dir():
            return []
        if len(folder.split("/")) != 2:  # not one workstation's folder: walk everything below
            names = [n for n in self._walk(base, folder) if n.startswith(prefix)]
        else:
            names = [
                f"{folder}/{leaf}"
                for leaf in self._workstation_leaves(base, start, after.rpartition("/")[2])
                if leaf.startswith(start)
            ]
        return [ObjectVersion(n, "", False) for n in sorted(names) if n > after]

    def _workstation_leaves(self, folder: Path, start: str, after: str) -> Iterator[str]:
        low = ""  # the lowest shard that can hold a wanted name
        for bound in (start, after):
            if len(bound) >= 12 and bound[:12].isdigit():
                low = max(low, shard_of(int(bound[:12])))
        only = shard_of(int(start[:12])) if len(start) >= 13 and start[:12].isdigit() else None
        for entry in _scan(folder):
            if entry.name.startswith("."):
                continue
            if entry.is_dir() and _SHARD.match(entry.name):
                if entry.name < low or (only is not None and entry.name != only):
                    continue
                yield from (f.name for f in _scan(Path(entry.path)) if _visible_file(f))
            elif entry.is_file():
                yield entry.name

    def _walk(self, base: Path, folder: str) -> Iterator[str]:
        for directory, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = Path(directory).relative_to(self.root).as_posix()
            parts = [] if rel == "." else rel.split("/")
            if len(parts) == 3 and _SHARD.match(parts[2]):
                parts = parts[:2]  # a shard is not part of the name
            for f in files:
                if not f.startswith("."):
                    yield "/".join([*parts, f])


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ArchiveUnavailable(f"The archive folder cannot be read ({exc.strerror}).") from None


def _visible_file(entry: os.DirEntry[str]) -> bool:
    return entry.is_file() and not entry.name.startswith(".")
