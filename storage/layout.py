"""The files of one installation inside its data directory, and the plaintext identity file."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from storage.errors import DataDirNotWritable, NotAnEnamelDatabase


@dataclass(frozen=True)
class DataLayout:
    """Paths of one installation. Nothing here holds a secret or PHI in plaintext."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "enamel.db"

    @property
    def recovery_file(self) -> Path:
        return self.root / "recovery.json"

    @property
    def identity_file(self) -> Path:
        return self.root / "workstation.json"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def archive_dir(self) -> Path:
        """Default folder archive (the demo's and a small office's)."""
        return self.root / "archive"

    def database_files(self) -> list[Path]:
        db = self.database
        return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]

    def ensure_writable(self) -> None:
        """Create the directory if needed and prove a file can be written in it."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-test-{secrets.token_hex(4)}"
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            probe.unlink()
        except OSError as exc:
            raise DataDirNotWritable(
                f"The data directory {self.root} cannot be written ({exc.strerror or type(exc).__name__}). "
                "Choose another with --data-dir, or ask IT to grant write access."
            ) from None


def key_check(key: bytes) -> str:
    """A value that tells a wrong key from a damaged file without revealing the key."""
    return hmac.new(key, b"enamel key check v1", hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class WorkstationIdentity:
    """Plaintext facts about the installation: ids and checks, no secrets."""

    practice_id: str
    workstation_id: str
    install_id: str
    key_check: str
    db_salt: str
    created_at: str
    format: str = "enamel-workstation-v1"

    @property
    def keystore_name(self) -> str:
        return f"db-key/{self.practice_id}/{self.install_id}"

    @staticmethod
    def new(practice_id: str, key: bytes, created_at: str) -> WorkstationIdentity:
        return WorkstationIdentity(
            practice_id=practice_id,
            workstation_id=f"ws_{secrets.token_hex(6)}",
            install_id=uuid.uuid4().hex,
            key_check=key_check(key),
            db_salt="",
            created_at=created_at,
        )

    def with_salt(self, salt: bytes) -> WorkstationIdentity:
        return WorkstationIdentity(**{**asdict(self), "db_salt": salt.hex()})

    def with_key(self, key: bytes) -> WorkstationIdentity:
        return WorkstationIdentity(**{**asdict(self), "key_check": key_check(key)})

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".json.new")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True))
        os.replace(tmp, path)

    @staticmethod
    def load(path: Path) -> WorkstationIdentity:
        try:
            data = json.loads(path.read_text())
            if data.get("format") != "enamel-workstation-v1":
                raise ValueError("format")
            return WorkstationIdentity(**data)
        except (ValueError, TypeError, OSError):
            raise NotAnEnamelDatabase(
                f"{path} is not an Enamel workstation file. Is --data-dir pointing at the "
                "right folder?"
            ) from None
