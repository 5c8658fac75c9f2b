"""Where the database key lives: the OS credential store through keyring, or a demo file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from storage.errors import KeyMissing, KeyringUnavailable

SERVICE_NAME = "Enamel"

KEYRING_FIX = (
    "No usable credential store was found. On a Windows or macOS workstation the "
    "system store is used automatically. On Linux, install and unlock a Secret Service "
    "provider (GNOME Keyring or KWallet), or set PYTHON_KEYRING_BACKEND to a backend "
    "that is installed (see 'python -m keyring --list-backends')."
)


def _named_backend_missing(error: str) -> str:
    named = os.environ.get("PYTHON_KEYRING_BACKEND", "")
    return (
        f"PYTHON_KEYRING_BACKEND names the credential store '{named}', which is not installed "
        f"on this computer ({error}). Unset it to use the system's own store, or set it to "
        "one that 'python -m keyring --list-backends' lists."
    )


class KeyStore(Protocol):
    """Holds one secret per name; the database key is stored as 64 hex characters."""

    def get(self, name: str) -> bytes: ...

    def put(self, name: str, secret: bytes) -> None: ...

    def delete(self, name: str) -> None: ...

    def describe(self) -> str: ...


class KeyringKeyStore:
    """The OS credential store (Windows Credential Manager, Keychain, Secret Service)."""

    def __init__(self) -> None:
        import keyring
        import keyring.backends.fail

        try:
            backend = keyring.get_keyring()
        except (ImportError, AttributeError, ValueError) as exc:
            # PYTHON_KEYRING_BACKEND names a module or class that is not installed here.
            raise KeyringUnavailable(_named_backend_missing(type(exc).__name__)) from None
        usable = not isinstance(backend, keyring.backends.fail.Keyring)
        children = getattr(backend, "backends", None)
        if children is not None and not children:
            usable = False
        if not usable:
            raise KeyringUnavailable(KEYRING_FIX)
        self._keyring = keyring
        self._backend_name = f"{type(backend).__module__}.{type(backend).__name__}"

    def describe(self) -> str:
        return f"OS credential store ({self._backend_name})"

    def get(self, name: str) -> bytes:
        try:
            value = self._keyring.get_password(SERVICE_NAME, name)
        except Exception as exc:  # any backend failure is an environment problem
            raise KeyringUnavailable(f"{KEYRING_FIX} ({type(exc).__name__})") from None
        if value is None:
            raise KeyMissing(
                "The database key is not in this computer's credential store. "
                "Run 'enamel-admin recover' with the recovery passphrase to put it back."
            )
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise KeyMissing(
                "The credential store entry for the database key is damaged. "
                "Run 'enamel-admin recover' with the recovery passphrase."
            ) from None

    def put(self, name: str, secret: bytes) -> None:
        try:
            self._keyring.set_password(SERVICE_NAME, name, secret.hex())
        except Exception as exc:
            raise KeyringUnavailable(f"{KEYRING_FIX} ({type(exc).__name__})") from None

    def delete(self, name: str) -> None:
        import keyring.errors

        try:
            self._keyring.delete_password(SERVICE_NAME, name)
        except keyring.errors.PasswordDeleteError:
            pass


class DemoKeyStore:
    """A key file inside the demo data directory.

    Only for `enamel --demo`, whose data is synthetic: a demo must start on a machine
    with no credential store. Never used for a real practice.
    """

    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def describe(self) -> str:
        return f"demo key file in {self._dir} (synthetic data only)"

    def _path(self, name: str) -> Path:
        safe = "".join(c if c.isalnum() else "_" for c in name)
        return self._dir / f"demo-key-{safe}"

    def get(self, name: str) -> bytes:
        path = self._path(name)
        if not path.exists():
            raise KeyMissing("The demo key is missing; delete the demo folder to start afresh.")
        return bytes.fromhex(path.read_text().strip())

    def put(self, name: str, secret: bytes) -> None:
        path = self._path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret.hex())

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)
