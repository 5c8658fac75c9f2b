"""The project's base error and the storage errors, each with a message a person can act on."""

from __future__ import annotations


class EnamelError(Exception):
    """An error with a message safe to show a user (never PHI) and a process exit code.

    Exit codes follow the admin tool's contract: 1 a check failed, 2 a usage or
    environment error.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KeyringUnavailable(EnamelError):
    """No usable OS credential store."""


class KeyMissing(EnamelError):
    """The database key is not in the credential store."""


class WrongKey(EnamelError):
    """The key opens no page of this database."""


class NotAnEnamelDatabase(EnamelError):
    """The file exists but is not an Enamel database."""


class CorruptDatabase(EnamelError):
    """The file is an Enamel database whose pages cannot be read."""


class DatabaseTooNew(EnamelError):
    """The database was written by a newer Enamel."""


class DatabaseMissing(EnamelError):
    """There is no database in the data directory."""


class DataDirNotWritable(EnamelError):
    """The data directory cannot be created or written."""


class AlreadyInitialised(EnamelError):
    """init would overwrite an existing installation."""


class WrongPassphrase(EnamelError):
    """The recovery passphrase does not open the recovery file."""


class StorageWriteFailed(EnamelError):
    """A write to the encrypted database failed (disk full, read-only, I/O error)."""


class FieldUnreadable(EnamelError):
    """An encrypted value inside the database opens under none of the keys it should."""
