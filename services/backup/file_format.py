"""The backup file: a SQLCipher copy under its own key, that key wrapped by the passphrase.

File layout: MAGIC, a 4-byte header length, the JSON header, then the copy's bytes.
The header carries the workstation's identity (its ids, so a new PC can become this
workstation again: same workstation id, and the signing key inside the copy), the Argon2id
parameters, the wrapped keys (the backup key and the
database key at backup time, AES-GCM under the passphrase-derived key) and the copy's
SHA-256; the whole header is the AES-GCM associated data, so a changed byte anywhere is
found before anything is written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.backup.errors import DAMAGED, BackupDamaged, BackupError
from storage import recovery
from storage.errors import WrongPassphrase
from storage.layout import DataLayout, WorkstationIdentity
from storage.service_keystore import uses_service_keys

MAGIC = b"ENAMEL-BACKUP-1\n"
FORMAT = "enamel-backup-v1"
SUFFIX = ".enamel-backup"


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


def identity_record(identity: WorkstationIdentity) -> dict[str, str]:
    """The part of workstation.json a backup carries (the key check and salt are per file)."""
    return {
        "practice_id": identity.practice_id,
        "workstation_id": identity.workstation_id,
        "created_at": identity.created_at,
    }


HUB_MEMBERSHIP = "hub_membership"
SERVICE_KEYS = "service_keys"


def membership_record(layout: DataLayout) -> dict[str, Any]:
    """The header's part about the hub: this PC's hub.json (no secret), and whether the
    installation keeps its key in a service key store (the practice hub does)."""
    record: dict[str, Any] = {}
    from services.hub.membership import hub_file

    path = hub_file(layout)
    if path.exists():
        try:
            record[HUB_MEMBERSHIP] = json.loads(path.read_text())
        except (OSError, ValueError):
            pass  # a damaged hub.json: the restored PC joins again (enamel-admin join --again)
    if uses_service_keys(layout.root):
        record[SERVICE_KEYS] = True
    return record


# -- reading and writing the file --------------------------------------------------------------


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


def write_backup(
    out: Path,
    header: dict[str, Any],
    payload: bytes,
    wrapping: Wrapping,
    backup_key: bytes,
    database_key: bytes,
) -> None:
    """Seal the keys into `header` and write the file atomically (a `.part` file, then rename)."""
    nonce = os.urandom(12)
    header = {
        **header,
        "format": FORMAT,
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
    keys = json.dumps({"backup_key": backup_key.hex(), "database_key": database_key.hex()}).encode()
    header["wrapped"] = base64.b64encode(
        AESGCM(wrapping.kek).encrypt(nonce, keys, _aad(header))
    ).decode()
    blob = json.dumps(header, sort_keys=True).encode()
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    write_private(part, MAGIC + struct.pack(">I", len(blob)) + blob + payload)
    os.replace(part, out)


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


def write_private(path: Path, data: bytes) -> None:
    """A new file only this user can read, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


@contextmanager
def scratch(directory: Path) -> Iterator[Path]:
    """A private folder for the encrypted copy while it is checked (never plaintext)."""
    tmp = Path(tempfile.mkdtemp(prefix=".enamel-backup-", dir=directory))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
