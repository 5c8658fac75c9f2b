"""Whole-file SQLCipher operations: probe a key, export a copy, rekey, check pages, fold the WAL.

Each works on a file by path, on its own raw connection, so the file must not be open
elsewhere for writing (a restore, a rotation and a backup's copy run with Enamel closed
or on a private copy). Services call these; none of them touches SQL or SQLCipher.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlcipher3

from storage.audit_repo import AuditRepository
from storage.database import APPLICATION_ID, Database, raw_connect
from storage.errors import StorageWriteFailed
from storage.key_rotation_repo import reencrypt_fields


def opens(path: Path, key: bytes) -> bool:
    """True if `key` reads the file (SQLCipher accepts any key; only a read tells)."""
    conn = raw_connect(path, key)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


@dataclass(frozen=True)
class ExportedCopy:
    """What the copy holds: its schema and the audit head it ends at (one snapshot)."""

    schema_version: int
    last_seq: int
    last_hash: str


def export_copy(source: Path, key: bytes, copy: Path, copy_key: bytes) -> ExportedCopy:
    """Write a complete encrypted copy of `source` to the new file `copy`, under `copy_key`."""
    conn = raw_connect(source, key)
    try:
        conn.execute(f"ATTACH DATABASE ? AS copy KEY \"x'{copy_key.hex()}'\"", (str(copy),))
        conn.execute("BEGIN")  # one snapshot for the head and the copy
        last_seq, last_hash = AuditRepository.head(conn)
        conn.execute("SELECT sqlcipher_export('copy')")
        conn.execute("COMMIT")
        version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
        conn.execute(f"PRAGMA copy.user_version = {version}")
        conn.execute(f"PRAGMA copy.application_id = {APPLICATION_ID}")
        conn.execute("DETACH DATABASE copy")
    except sqlcipher3.Error as exc:
        raise StorageWriteFailed(
            f"The copy could not be written ({type(exc).__name__}). Check the disk space."
        ) from None
    finally:
        conn.close()
    return ExportedCopy(version, last_seq, last_hash)


def rekey_file(path: Path, key: bytes, new_key: bytes) -> None:
    """Re-encrypt every page of a closed file under `new_key` (PRAGMA rekey)."""
    conn = raw_connect(path, key)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    finally:
        conn.close()


def fold_wal(path: Path, key: bytes) -> bool:
    """Move the write-ahead log into the main file and leave WAL mode, so one file is whole.

    False if the file cannot be read with `key` (it is then left as it is).
    """
    conn = raw_connect(path, key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
        return True
    except sqlcipher3.DatabaseError:
        return False
    finally:
        conn.close()


def use_wal(path: Path, key: bytes) -> None:
    """Put a closed file in WAL mode, as Database.open would."""
    conn = raw_connect(path, key)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def audit_head(path: Path, key: bytes) -> int | None:
    """The newest audit seq in the file; None if it does not exist or cannot be read."""
    if not path.exists():
        return None
    conn = raw_connect(path, key)
    try:
        return AuditRepository.head(conn)[0]
    except sqlcipher3.DatabaseError:
        return None
    finally:
        conn.close()


@dataclass
class CopyCheck:
    """A copy's page-level health, in words; `readable` False means nothing else was checked."""

    readable: bool = True
    problems: list[str] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)


def check_copy(path: Path, key: bytes) -> CopyCheck:
    """Decrypt, SQLite's integrity check, SQLCipher's per-page HMAC check, our application id,
    and the row count of every table."""
    result = CopyCheck()
    conn = raw_connect(path, key)
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            result.readable = False
            result.problems.append("the copy cannot be decrypted with its key")
            return result
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if integrity != ["ok"]:
            result.problems.append(f"integrity check: {integrity[0]}")
        cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if cipher:
            result.problems.append(f"{len(cipher)} pages fail the cipher integrity check")
        if int(conn.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
            result.problems.append("the copy is not an Enamel database")
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        ).fetchall():
            result.tables[str(table)] = int(
                conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            )
    finally:
        conn.close()
    return result


def quick_check(db: Database) -> list[str]:
    """PRAGMA quick_check on an open database: ["ok"] when every page reads (and its HMAC holds)."""
    try:
        return [str(r[0]) for r in db.connection().execute("PRAGMA quick_check").fetchall()]
    except sqlcipher3.DatabaseError:
        return ["unreadable pages"]


def reclaim_space(db: Database, min_free_fraction: float = 0.2) -> bool:
    """VACUUM an open database when at least `min_free_fraction` of its pages are free.

    Deleting rows (pruning the audit trail, evicting the PMS cache) only frees pages inside
    the file; six years of pruning would otherwise leave it at its largest size forever.
    VACUUM rewrites the whole file, so it runs only when enough is free, then folds the
    write-ahead log so the file on disk shrinks. True if it ran.
    """
    conn = db.connection()
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
    if pages == 0 or free < 16 or free < pages * min_free_fraction:
        return False
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlcipher3.DatabaseError as exc:
        raise StorageWriteFailed(
            f"The database could not be compacted ({type(exc).__name__}). Check the disk space."
        ) from None
    return True


@dataclass(frozen=True)
class Versions:
    schema: int  # the migrations applied (PRAGMA user_version)
    sqlcipher: str


def versions(db: Database) -> Versions:
    conn = db.connection()
    schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    return Versions(schema, str(conn.execute("PRAGMA cipher_version").fetchone()[0]))


def reencrypt_file_fields(
    path: Path, key: bytes, old_database_key: bytes, new_database_key: bytes
) -> int:
    """key_rotation_repo.reencrypt_fields on a closed file whose pages are under `key`."""
    conn = raw_connect(path, key)
    try:
        return reencrypt_fields(conn, old_database_key, new_database_key)
    finally:
        conn.close()
