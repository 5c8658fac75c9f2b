"""Where an archive folder is: on the same disk as the data, it would share the data's fate."""

from __future__ import annotations

import os
from pathlib import Path

SAME_DISK = (
    "is on the same disk as Enamel's data ({data}): a failed, stolen or encrypted disk would "
    "take the audit records and their archive together. Use a network share, a removable "
    "drive or S3 storage with Object Lock."
)


def _device(path: Path) -> int | None:
    """The device of `path`, or of its nearest existing parent (a folder made at first sync)."""
    for candidate in (path, *path.parents):
        try:
            return os.stat(candidate).st_dev
        except OSError:
            continue
    return None


def same_disk(folder: Path, data_root: Path) -> bool:
    """True when both live on one device (st_dev; the volume serial number on Windows)."""
    a, b = _device(folder.expanduser().absolute()), _device(data_root.expanduser().absolute())
    return a is not None and a == b


def same_disk_problem(folder: Path, data_root: Path) -> str | None:
    """The sentence to show when `folder` is on the data's disk, else None."""
    if not same_disk(folder, data_root):
        return None
    return f"The folder {folder} " + SAME_DISK.format(data=data_root)
