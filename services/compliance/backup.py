"""Encrypted backups: one file holding a SQLCipher copy under its own key, wrapped by the passphrase.

File layout: MAGIC, a 4-byte header length, the JSON header, then the copy's bytes.
The header carries the Argon2id parameters, the wrapped keys (the backup key and the
database key at backup time, AES-GCM under the passphrase-derived key) and the copy's
SHA-256; the whole header is the AES-GCM associated data, so a changed byte anywhere is
found before anything is written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.access import Actor, Permission, require
from services.audit import AuditEvent, AuditTrail, verify_rows
from services.clock import Clock
from services.installation import Installation, load_identity
from storage import recovery
from storage.audit_repo import AuditRepository
from storage.compliance_repo import ComplianceRepository
from storage.database import APPLICATION_ID, Database, raw_connect
from storage.errors import CorruptDatabase, EnamelError, KeyMissing, WrongPassphrase
from storage.key_rotation_repo import reencrypt_fields
from storage.keystore import KeyStore
from storage.layout import DataLayout
from storage.migrations import LATEST_VERSION

MAGIC = b"ENAMEL-BACKUP-1\n"
FORMAT = "enamel-backup-v1"
SUFFIX = ".enamel-backup"
KEK_SECRET = "backup.kek"  # noqa: S105 - a secret's name, not a secret
FOLDER_SETTING = "backup.folder"
KEEP_SETTING = "backup.keep"
DEFAULT_KEEP = 14


class BackupError(EnamelError):
    exit_code = 1


class BackupDamaged(BackupError):
    pass


class BackupRefused(BackupError):
    pass


DAMAGED = (
    "{name} is damaged or is not an Enamel backup ({why}). It cannot be verified or "
    "restored; use another backup. Nothing was changed."
)


# -- the key that wraps a backup ---------------------------------------------------------------


@dataclass(frozen=True)
class Wrapping:
    """The passphrase-derived key and its Argon2id parameters (no passphrase kept)."""

    salt: bytes
    kek: bytes
    t: int = recovery.KDF_TIME_COST
    m: int = recovery.KDF_MEMORY_KIB
    p: int = recovery.KDF_LANES

    @staticmethod
    def from_passphrase(passphrase: str, salt: bytes | None = None) -> Wrapping:
        salt = salt or os.urandom(16)
        kek = recovery._kdf(
            passphrase, salt, recovery.KDF_TIME_COST, recovery.KDF_MEMORY_KIB, recovery.KDF_LANES
        )
        return Wrapping(salt, kek)

    def to_secret(self) -> bytes:
        return json.dumps(
            {"salt": self.salt.hex(), "kek": self.kek.hex(), "t": self.t, "m": self.m, "p": self.p}
        ).encode()

    @staticmethod
    def from_secret(blob: bytes) -> Wrapping:
        d = json.loads(blob)
        return Wrapping(bytes.fromhex(d["salt"]), bytes.fromhex(d["kek"]), d["t"], d["m"], d["p"])


def check_passphrase(layout: DataLayout, passphrase: str) -> recovery.EscrowedKeys:
    """The passphrase must be this installation's recovery passphrase (WrongPassphrase if not)."""
    return recovery.unwrap(layout.recovery_file.read_bytes(), passphrase)


# -- the file format --------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupFile:
    header: dict[str, Any]
    payload: bytes
    name: str

    @property
    def backup_id(self) -> str:
        return str(self.header["backup_id"])

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(str(self.header["created_at"]))

    @property
    def last_seq(self) -> int:
        return int(self.header["last_seq"])


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in header.items() if k != "wrapped"}, sort_keys=True).encode()


def read_backup(path: Path) -> BackupFile:
    """Parse and check the checksum; BackupDamaged with a clear message if anything is off."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BackupError(
            f"{name} cannot be read ({exc.strerror or type(exc).__name__})."
        ) from None
    if not data.startswith(MAGIC):
        raise BackupDamaged(DAMAGED.format(name=name, why="it does not start like one"))
    try:
        (length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
        start = len(MAGIC) + 4
        header = json.loads(data[start : start + length])
        payload = data[start + length :]
        if header.get("format") != FORMAT:
            raise ValueError("format")
        expected, size = str(header["payload_sha256"]), int(header["payload_size"])
    except (ValueError, KeyError, TypeError, struct.error):
        raise BackupDamaged(DAMAGED.format(name=name, why="its header cannot be read")) from None
    if len(payload) != size:
        raise BackupDamaged(DAMAGED.format(name=name, why="it is shorter or longer than written"))
    if hashlib.sha256(payload).hexdigest() != expected:
        raise BackupDamaged(DAMAGED.format(name=name, why="its contents do not match its checksum"))
    return BackupFile(header, payload, name)


def unwrap_keys(
    backup: BackupFile, passphrase: str | None = None, wrapping: Wrapping | None = None
) -> tuple[bytes, bytes]:
    """(backup key, database key at backup time)."""
    h = backup.header
    try:
        salt = bytes.fromhex(str(h["kdf"]["salt"]))
        if wrapping is None or wrapping.salt != salt:
            if passphrase is None:
                raise WrongPassphrase("This backup needs the recovery passphrase.")
            kek = recovery._kdf(
                passphrase, salt, int(h["kdf"]["t"]), int(h["kdf"]["m"]), int(h["kdf"]["p"])
            )
        else:
            kek = wrapping.kek
        nonce, wrapped = base64.b64decode(h["nonce"]), base64.b64decode(h["wrapped"])
    except (KeyError, TypeError, ValueError):
        raise BackupDamaged(
            DAMAGED.format(name=backup.name, why="its header is incomplete")
        ) from None
    try:
        keys = json.loads(AESGCM(kek).decrypt(nonce, wrapped, _aad(h)))
    except InvalidTag:
        raise WrongPassphrase(
            f"That passphrase does not open {backup.name}: it needs the recovery passphrase "
            "that was current when the backup was made. Nothing was changed."
        ) from None
    return bytes.fromhex(keys["backup_key"]), bytes.fromhex(keys["database_key"])


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


@contextmanager
def _scratch(directory: Path) -> Iterator[Path]:
    """A private folder for the encrypted copy while it is checked (never plaintext)."""
    tmp = Path(tempfile.mkdtemp(prefix=".enamel-backup-", dir=directory))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- create -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    backup_id: str
    created_at: datetime
    last_seq: int
    size: int


def create_backup(
    installation: Installation,
    out: Path,
    wrapping: Wrapping,
    clock: Clock,
    trail: AuditTrail,
    actor: Actor,
) -> BackupInfo:
    """Write an encrypted copy of the database to `out` (which must not exist yet)."""
    if out.exists():
        raise BackupRefused(f"{out} already exists; choose a new file name. Nothing was written.")
    if not out.parent.is_dir():
        raise BackupRefused(f"The folder {out.parent} does not exist.")
    backup_id = f"bk_{secrets.token_hex(6)}"
    created = clock.now()
    # Recorded first, so the copy holds the record of its own making (fail closed).
    trail.append(
        AuditEvent(
            action="backup_created", actor=actor, resource_type="backup", resource_id=backup_id
        )
    )
    backup_key = os.urandom(32)
    with _scratch(out.parent) as scratch:
        copy = scratch / "copy.db"
        conn = raw_connect(installation.layout.database, installation.database_key)
        try:
            conn.execute(f"ATTACH DATABASE ? AS backup KEY \"x'{backup_key.hex()}'\"", (str(copy),))
            conn.execute("BEGIN")  # one snapshot for the head and the copy
            last_seq, last_hash = AuditRepository.head(conn)
            conn.execute("SELECT sqlcipher_export('backup')")
            conn.execute("COMMIT")
            version = int(conn.execute("PRAGMA main.user_version").fetchone()[0])
            conn.execute(f"PRAGMA backup.user_version = {version}")
            conn.execute(f"PRAGMA backup.application_id = {APPLICATION_ID}")
            conn.execute("DETACH DATABASE backup")
        except sqlcipher3.Error as exc:
            raise BackupError(
                f"The backup could not be written ({type(exc).__name__}). Check the disk space."
            ) from None
        finally:
            conn.close()
        payload = copy.read_bytes()
    nonce = os.urandom(12)
    header: dict[str, Any] = {
        "format": FORMAT,
        "backup_id": backup_id,
        "practice_id": installation.practice_id,
        "workstation_id": installation.workstation_id,
        "created_at": created.isoformat(),
        "schema_version": version,
        "last_seq": last_seq,
        "last_hash": last_hash,
        "kdf": {
            "alg": "argon2id",
            "salt": wrapping.salt.hex(),
            "t": wrapping.t,
            "m": wrapping.m,
            "p": wrapping.p,
        },
        "nonce": base64.b64encode(nonce).decode(),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_size": len(payload),
    }
    keys = json.dumps(
        {"backup_key": backup_key.hex(), "database_key": installation.database_key.hex()}
    ).encode()
    header["wrapped"] = base64.b64encode(
        AESGCM(wrapping.kek).encrypt(nonce, keys, _aad(header))
    ).decode()
    blob = json.dumps(header, sort_keys=True).encode()
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    _write_private(part, MAGIC + struct.pack(">I", len(blob)) + blob + payload)
    os.replace(part, out)
    ComplianceRepository(installation.db).add_backup(backup_id, out.name, created, last_seq)
    return BackupInfo(out, backup_id, created, last_seq, out.stat().st_size)


# -- verify -------------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    name: str
    backup_id: str
    created_at: datetime
    practice_id: str
    workstation_id: str
    entries: int = 0
    last_seq: int = 0
    tables: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_copy(path: Path, key: bytes, backup: BackupFile, report: VerifyReport) -> None:
    conn = raw_connect(path, key)
    try:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            report.problems.append("the copy cannot be decrypted with its key")
            return
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if integrity != ["ok"]:
            report.problems.append(f"integrity check: {integrity[0]}")
        cipher = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        if cipher:
            report.problems.append(f"{len(cipher)} pages fail the cipher integrity check")
        if int(conn.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
            report.problems.append("the copy is not an Enamel database")
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall():
            report.tables[str(table)] = int(
                conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            )
        anchor = conn.execute("SELECT seq, hash FROM audit_anchor WHERE id = 1").fetchone()
        start = (int(anchor[0]), str(anchor[1])) if anchor else (0, "0" * 64)
        rows = conn.execute("SELECT seq, body, hash FROM audit_log ORDER BY seq")
        result = verify_rows(((int(s), str(b), str(h)) for s, b, h in rows), start)
        report.entries, report.last_seq = result.entries, result.last_seq
        if result.broken is not None:
            report.problems.append(f"audit chain broken at {result.broken.describe()}")
        elif result.last_seq != backup.last_seq or result.last_hash != backup.header["last_hash"]:
            report.problems.append("the audit trail in the copy does not end where the header says")
    finally:
        conn.close()


def verify_backup(
    path: Path,
    passphrase: str | None = None,
    *,
    wrapping: Wrapping | None = None,
    record: ComplianceRepository | None = None,
    clock: Clock | None = None,
) -> VerifyReport:
    """Open the copy, run the integrity checks and verify its audit chain.

    Raises BackupDamaged or WrongPassphrase; otherwise returns a report (ok or with problems).
    `record` (the live installation's repository) remembers the result for the checklist.
    """
    backup = read_backup(path)
    backup_key, _ = unwrap_keys(backup, passphrase, wrapping)
    h = backup.header
    report = VerifyReport(
        path.name,
        backup.backup_id,
        backup.created_at,
        str(h["practice_id"]),
        str(h["workstation_id"]),
    )
    with _scratch(path.parent) as scratch:
        copy = scratch / "copy.db"
        _write_private(copy, backup.payload)
        _check_copy(copy, backup_key, backup, report)
    if record is not None and clock is not None:
        record.mark_verified(
            backup.backup_id, path.name, backup.created_at, backup.last_seq, report.ok, clock.now()
        )
    return report


# -- restore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    last_seq: int
    replaced: Path | None  # where the database that was there before now is (kept, encrypted)


def _current_head(layout: DataLayout, key: bytes) -> int | None:
    """The newest audit seq of the database here, or None if there is none or it is unreadable."""
    if not layout.database.exists():
        return None
    conn = raw_connect(layout.database, key)
    try:
        return AuditRepository.head(conn)[0]
    except sqlcipher3.DatabaseError:
        return None
    finally:
        conn.close()


def restore_backup(
    layout: DataLayout,
    keystore: KeyStore,
    path: Path,
    passphrase: str,
    clock: Clock,
    *,
    force: bool = False,
) -> RestoreResult:
    """Put the backup in place of this workstation's database. Enamel must be closed.

    The copy is checked, re-keyed to this installation's database key and prepared in a
    temporary file beside the database; only then is it moved into place (atomically).
    The database that was there is kept beside it, so nothing is lost if anything fails.
    Refuses to replace a database with newer audit entries than the backup unless `force`.
    The caller opens the installation afterwards and records `backup_restored`.
    """
    identity = load_identity(layout)
    backup = read_backup(path)
    h = backup.header
    if (h.get("practice_id"), h.get("workstation_id")) != (
        identity.practice_id,
        identity.workstation_id,
    ):
        raise BackupRefused(
            f"{path.name} belongs to another installation ({h.get('practice_id')}/"
            f"{h.get('workstation_id')}). Nothing was changed."
        )
    if int(h.get("schema_version", 0)) > LATEST_VERSION:
        raise BackupRefused(f"{path.name} was made by a newer Enamel. Install it first.")
    backup_key, database_key_then = unwrap_keys(backup, passphrase)
    try:
        target_key = keystore.get(identity.keystore_name)
    except KeyMissing:
        raise BackupRefused(
            "This computer's credential store has no database key. Run 'enamel-admin recover' "
            "with the recovery passphrase first, then restore."
        ) from None
    head = _current_head(layout, target_key)
    if head is not None and head > backup.last_seq and not force:
        raise BackupRefused(
            f"The database here is newer than the backup (audit entries up to {head}; the "
            f"backup ends at {backup.last_seq}). Nothing was changed. Use --force to replace it."
        )
    report = VerifyReport(
        path.name,
        backup.backup_id,
        backup.created_at,
        identity.practice_id,
        identity.workstation_id,
    )
    prepared = layout.database.with_name(layout.database.name + ".restore")
    prepared.unlink(missing_ok=True)
    try:
        _write_private(prepared, backup.payload)
        _check_copy(prepared, backup_key, backup, report)
        if not report.ok:
            raise BackupDamaged(DAMAGED.format(name=path.name, why="; ".join(report.problems)))
        conn = raw_connect(prepared, backup_key)
        try:
            conn.execute(f"PRAGMA rekey = \"x'{target_key.hex()}'\"")
        finally:
            conn.close()
        conn = raw_connect(prepared, target_key)
        try:
            reencrypt_fields(conn, database_key_then, target_key)
        finally:
            conn.close()
        Database.open(prepared, target_key).close()
        # Open writes WAL: fold it back so the one file is complete.
        conn = raw_connect(prepared, target_key)
        try:
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
    except BaseException:
        for p in (
            prepared,
            prepared.with_name(prepared.name + "-wal"),
            prepared.with_name(prepared.name + "-shm"),
        ):
            p.unlink(missing_ok=True)
        raise
    kept: Path | None = None
    if layout.database.exists():
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        kept = layout.database.with_name(f"{layout.database.name}.before-restore-{stamp}")
        if head is not None:  # fold its WAL in, so the kept file is whole
            conn = raw_connect(layout.database, target_key)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("PRAGMA journal_mode = DELETE")
            except sqlcipher3.DatabaseError:
                pass
            finally:
                conn.close()
        shutil.copy2(layout.database, kept)
    for side in layout.database_files()[1:]:
        if side.exists():
            side.replace(side.with_name(side.name + ".before-restore"))
    os.replace(prepared, layout.database)
    identity.with_salt(layout.database.read_bytes()[:16]).save(layout.identity_file)
    return RestoreResult(backup.backup_id, backup.last_seq, kept)


def record_restore(trail: AuditTrail, actor: Actor, result: RestoreResult, forced: bool) -> None:
    """The restore's own entry, continuing the restored chain."""
    trail.append(
        AuditEvent(
            action="backup_restored",
            actor=actor,
            resource_type="backup",
            resource_id=result.backup_id,
            flags=("forced",) if forced else (),
        )
    )


# -- scheduled backups --------------------------------------------------------------------------


def enable_scheduled_backups(
    installation: Installation, passphrase: str, folder: Path, keep: int, clock: Clock, actor: Actor
) -> None:
    """Remember where and how many; keep the passphrase-derived key (never the passphrase)."""
    require(actor, Permission.MANAGE_SETTINGS)
    check_passphrase(installation.layout, passphrase)
    now = clock.now()
    installation.secrets.put(KEK_SECRET, Wrapping.from_passphrase(passphrase).to_secret(), now)
    installation.settings.set(FOLDER_SETTING, str(folder), now)
    installation.settings.set(KEEP_SETTING, str(max(1, keep)), now)


SCHEDULE_ACTOR = Actor.system("backup")


def run_scheduled_backup(
    installation: Installation,
    clock: Clock,
    trail: AuditTrail,
    *,
    every: timedelta = timedelta(hours=20),
) -> VerifyReport | None:
    """The app's daily job: back up, verify, prune to `backup.keep`. None if nothing was due."""
    folder_text = installation.settings.get(FOLDER_SETTING)
    wrapped = installation.secrets.get(KEK_SECRET)
    if not folder_text or wrapped is None:
        return None
    repo = ComplianceRepository(installation.db)
    done = repo.backups()
    now = clock.now()
    if done and now - done[0].created_at < every:
        return None
    folder = Path(folder_text)
    folder.mkdir(parents=True, exist_ok=True)
    wrapping = Wrapping.from_secret(wrapped)
    name = f"enamel-{installation.practice_id}-{now:%Y%m%d-%H%M%S}{SUFFIX}"
    info = create_backup(installation, folder / name, wrapping, clock, trail, SCHEDULE_ACTOR)
    report = verify_backup(info.path, wrapping=wrapping, record=repo, clock=clock)
    keep = int(installation.settings.get(KEEP_SETTING, str(DEFAULT_KEEP)) or DEFAULT_KEEP)
    mine = sorted(folder.glob(f"enamel-{installation.practice_id}-*{SUFFIX}"))
    for old in mine[: max(0, len(mine) - keep)]:
        old.unlink(missing_ok=True)
    return report


__all__ = [
    "BackupDamaged",
    "BackupError",
    "BackupRefused",
    "CorruptDatabase",
    "Wrapping",
    "create_backup",
    "read_backup",
    "restore_backup",
    "verify_backup",
]
