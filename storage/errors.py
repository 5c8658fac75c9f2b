"""The storage errors, each with a message a person can act on.

The base class is `errors.EnamelError`, imported from there (not re-exported here).
"""

from __future__ import annotations

import errors


class KeyringUnavailable(errors.EnamelError):
    """No usable OS credential store."""


class KeyMissing(errors.EnamelError):
    """The database key is not in the credential store."""


class WrongKey(errors.EnamelError):
    """The key opens no page of this database."""


class NotAnEnamelDatabase(errors.EnamelError):
    """The file exists but is not an Enamel database."""


class CorruptDatabase(errors.EnamelError):
    """The file is an Enamel database whose pages cannot be read."""


class DatabaseTooNew(errors.EnamelError):
    """The database was written by a newer Enamel."""


class DatabaseMissing(errors.EnamelError):
    """There is no database in the data directory."""


class DataDirNotWritable(errors.EnamelError):
    """The data directory cannot be created or written."""


class AlreadyInitialised(errors.EnamelError):
    """init would overwrite an existing installation."""


class WrongPassphrase(errors.EnamelError):
    """The recovery passphrase does not open the recovery file."""


class StorageWriteFailed(errors.EnamelError):
    """A write to the encrypted database failed (disk full, read-only, I/O error)."""


class FieldUnreadable(errors.EnamelError):
    """An encrypted value inside the database opens under none of the keys it should."""
