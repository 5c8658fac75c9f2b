"""Where a service keeps its database key: a file in its own folder that only it (and root) reads.

The practice hub runs as a service account without a credential store of its own: a Linux
system user has no Secret Service, and LocalSystem's vault is not the one an administrator's
`enamel-admin hub init` reaches. So the key goes into `<data folder>/service-keys/`:

- Linux: the key as hex in a 0600 file of a 0700 folder, owned by the service user
  (`enamel-hub`; its unit runs with UMask=0077 and StateDirectoryMode=0700).
- Windows: a DPAPI blob with machine scope (CRYPTPROTECT_LOCAL_MACHINE), so LocalSystem and
  the administrator who ran `hub init` both open it on this PC and nowhere else; the folder's
  access list is cut down to Administrators and SYSTEM.

The recovery passphrase stays the way back (`enamel-admin recover --data-dir DIR`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from storage.errors import KeyMissing

FOLDER = "service-keys"


def service_key_folder(root: Path) -> Path:
    return root / FOLDER


def uses_service_keys(root: Path) -> bool:
    """Whether the installation in `root` keeps its key here (`hub init --key-store service`)."""
    return service_key_folder(root).is_dir()


class ServiceKeyStore:
    """One file per key name under `<root>/service-keys/`."""

    def __init__(self, root: Path) -> None:
        self._dir = service_key_folder(root)

    def describe(self) -> str:
        how = "DPAPI, machine scope" if sys.platform == "win32" else "readable only by its owner"
        return f"service key file in {self._dir} ({how})"

    def _path(self, name: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        return self._dir / f"{safe}.key"

    def get(self, name: str) -> bytes:
        path = self._path(name)
        fix = (
            "Put it back with the hub's recovery passphrase: 'enamel-admin recover --data-dir "
            f"{self._dir.parent}', run as the account the hub runs as."
        )
        try:
            stored = path.read_bytes()
        except FileNotFoundError:
            raise KeyMissing(f"The database key file {path} is missing. {fix}") from None
        except PermissionError:
            raise KeyMissing(
                f"The database key file {path} cannot be read by this account. Run the command "
                "as the account the hub runs as (Linux: sudo -u enamel-hub ...; Windows: an "
                "administrator's prompt)."
            ) from None
        try:
            if sys.platform == "win32":
                from storage import dpapi

                return dpapi.unprotect(stored)
            return bytes.fromhex(stored.decode("ascii").strip())
        except (ValueError, UnicodeDecodeError, OSError):
            raise KeyMissing(f"The database key file {path} is damaged. {fix}") from None

    def put(self, name: str, secret: bytes) -> None:
        self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if sys.platform == "win32":
            from storage import dpapi

            dpapi.restrict_to_administrators(self._dir)
            data = dpapi.protect(secret)
        else:
            os.chmod(self._dir, 0o700)
            data = secret.hex().encode("ascii")
        path = self._path(name)
        tmp = path.with_name(path.name + ".new")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
