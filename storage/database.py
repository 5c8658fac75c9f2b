"""SQLCipher 4 database: raw 256-bit key, WAL, a connection per thread, probed on open."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlcipher3

from storage.errors import (
    CorruptDatabase,
    DatabaseMissing,
    DatabaseTooNew,
    NotAnEnamelDatabase,
    StorageWriteFailed,
    WrongKey,
)
from storage.layout import key_check
from storage.migrations import LATEST_VERSION, apply_migrations

APPLICATION_ID = 0x454E414D  # "ENAM"
SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"

Connection = Any  # sqlcipher3 ships no type information


def _configure(conn: Connection, key: bytes) -> None:
    # SQLCipher writes its own error lines ("hmac check failed for pgno=…") to stderr; the
    # failure reaches the caller as an exception and is reported there, in words.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_compatibility = 4")
    # Temporary tables and sort spills stay in memory: no plaintext temp files.
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")


def raw_connect(path: Path, key: bytes) -> Connection:
    """A configured connection without any probing; for tools and tests that need raw SQL."""
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=True)
    _configure(conn, key)
    return conn


def classify_open_failure(path: Path, expected_salt: str) -> type[Exception]:
    """Tell 'not ours' from 'corrupt' once the key is known to be the right one."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head == SQLITE_PLAIN_HEADER:
        return NotAnEnamelDatabase
    if expected_salt and head.hex() != expected_salt:
        return NotAnEnamelDatabase
    return CorruptDatabase


def _rollback(conn: Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlcipher3.DatabaseError:
        pass  # nothing was begun, or the failure already ended the transaction


def _write_failed(exc: Exception) -> StorageWriteFailed:
    """The error class only: SQLite's text can quote the values that were being written."""
    return StorageWriteFailed(
        f"Enamel could not save to its database ({type(exc).__name__}): the file may be "
        "read-only, the disk full or the file damaged. Nothing was saved; tell IT."
    )


class Database:
    """One encrypted database file. Each thread gets its own connection on first use."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key
        self._local = threading.local()
        # Every open connection by the thread that owns it: one per live thread, at most.
        self._all: dict[int, Connection] = {}
        self._lock = threading.Lock()

    # -- opening -------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, key: bytes) -> Database:
        if path.exists():
            raise NotAnEnamelDatabase(f"{path} already exists; it will not be overwritten.")
        db = cls(path, key)
        conn = db.connection()
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("PRAGMA journal_mode = WAL")
        apply_migrations(conn, key)
        # Push page 1 (with the salt) into the main file so the salt can be recorded.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return db

    @classmethod
    def open(
        cls, path: Path, key: bytes, *, expected_key_check: str = "", expected_salt: str = ""
    ) -> Database:
        if not path.exists():
            raise DatabaseMissing(
                f"There is no Enamel database in {path.parent}. Run 'enamel-admin init' first."
            )
        if expected_key_check and key_check(key) != expected_key_check:
            raise WrongKey(
                "The key in the credential store does not open this database. Run "
                "'enamel-admin recover' with this installation's recovery passphrase."
            )
        db = cls(path, key)
        try:
            conn = db.connection()
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            db.close()
            kind = classify_open_failure(path, expected_salt)
            if kind is NotAnEnamelDatabase:
                raise NotAnEnamelDatabase(
                    f"{path.name} is not an Enamel database. Nothing was changed."
                ) from None
            if not expected_key_check:
                raise WrongKey(
                    f"{path.name} cannot be read with this key: the key is wrong or the "
                    "file is damaged."
                ) from None
            raise CorruptDatabase(
                f"{path.name} is damaged and cannot be read. Restore the latest backup "
                "('enamel-admin backup restore'). Nothing was changed."
            ) from None
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if app_id != APPLICATION_ID:
            db.close()
            raise NotAnEnamelDatabase(
                f"{path.name} is not an Enamel database. Nothing was changed."
            )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST_VERSION:
            db.close()
            raise DatabaseTooNew(
                f"This database was written by a newer Enamel (schema {version}, this program "
                f"knows up to {LATEST_VERSION}). Install the newer version; nothing was changed."
            )
        conn.execute("PRAGMA journal_mode = WAL")
        try:
            apply_migrations(conn, key)
        except sqlcipher3.DatabaseError as exc:
            db.close()
            raise StorageWriteFailed(
                f"The database could not be upgraded ({type(exc).__name__}). Nothing was changed."
            ) from None
        except BaseException:
            db.close()
            raise
        return db

    def salt(self) -> bytes:
        with self.path.open("rb") as fh:
            return fh.read(16)

    # -- connections ------------------------------------------------------------

    def connection(self) -> Connection:
        """This thread's connection, opened on first use.

        Threads are expected to be long-lived (the UI thread, the operation workers, the job
        queue). A thread that ended leaves its connection behind; it is dropped (and closed
        by its finaliser) the next time any thread opens one, so the count stays bounded by
        the threads alive.
        """
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = raw_connect(self.path, self._key)
            conn.execute("PRAGMA synchronous = FULL")
            self._local.conn = conn
            alive = {t.ident for t in threading.enumerate()}
            with self._lock:
                for ident in [i for i in self._all if i not in alive]:
                    del self._all[ident]
                self._all[threading.get_ident()] = conn
        return conn

    def open_connections(self) -> int:
        """How many connections this database holds now (for tests and diagnostics)."""
        with self._lock:
            return len(self._all)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolls back on any error, and reports write failures."""
        conn = self.connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlcipher3.DatabaseError as exc:
            raise _write_failed(exc) from None
        try:
            yield conn
        except sqlcipher3.DatabaseError as exc:  # read-only, full, damaged: said in words
            _rollback(conn)
            raise _write_failed(exc) from None
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlcipher3.DatabaseError as exc:
            _rollback(conn)
            raise _write_failed(exc) from None

    def close(self) -> None:
        with self._lock:
            for conn in self._all.values():
                try:
                    conn.close()
                except sqlcipher3.ProgrammingError:
                    pass  # a connection owned by a thread that has ended
            self._all.clear()
        self._local = threading.local()

    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt every page under a new key (PRAGMA rekey)."""
        self.close()
        conn = raw_connect(self.path, self._key)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
        finally:
            conn.close()
        self._key = new_key
        self.connection().execute("PRAGMA journal_mode = WAL")
