"""The recovery file: the database and archive keys wrapped by a passphrase (Argon2id + AES-GCM)."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from storage.argon2_gate import argon2_threads
from storage.errors import CorruptDatabase, WrongPassphrase

# Crockford's base32 alphabet: no I, L, O, U, so a passphrase read aloud or written
# by hand cannot be misread.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS = 6
_GROUP_LEN = 5  # 30 characters x 5 bits = 150 bits of entropy

FORMAT = "enamel-recovery-v1"
KDF_TIME_COST = 3
KDF_MEMORY_KIB = 64 * 1024
KDF_LANES = 4


def new_passphrase() -> str:
    """A random passphrase in groups of five, easy to copy onto paper."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LEN)) for _ in range(_GROUPS))
    return "-".join(groups)


def normalise_passphrase(text: str) -> str:
    """Accept the passphrase typed with spaces, lower case or look-alike letters."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    cleaned = cleaned.translate(str.maketrans("OILU", "011V"))
    return "-".join(cleaned[i : i + _GROUP_LEN] for i in range(0, len(cleaned), _GROUP_LEN))


def _kdf(passphrase: str, salt: bytes, time_cost: int, memory_kib: int, lanes: int) -> bytes:
    kdf = Argon2id(salt=salt, length=32, iterations=time_cost, lanes=lanes, memory_cost=memory_kib)
    with argon2_threads(lanes):
        return kdf.derive(normalise_passphrase(passphrase).encode())


@dataclass(frozen=True)
class EscrowedKeys:
    """What the recovery passphrase protects."""

    database_key: bytes
    archive_key: bytes
    practice_id: str


def wrap(keys: EscrowedKeys, passphrase: str) -> bytes:
    salt = os.urandom(16)
    nonce = os.urandom(12)
    header = {
        "format": FORMAT,
        "kdf": "argon2id",
        "t": KDF_TIME_COST,
        "m": KDF_MEMORY_KIB,
        "p": KDF_LANES,
        "salt": base64.b64encode(salt).decode(),
        "nonce": base64.b64encode(nonce).decode(),
        "practice_id": keys.practice_id,
    }
    aad = json.dumps(header, sort_keys=True).encode()
    payload = json.dumps(
        {"database_key": keys.database_key.hex(), "archive_key": keys.archive_key.hex()}
    ).encode()
    kek = _kdf(passphrase, salt, KDF_TIME_COST, KDF_MEMORY_KIB, KDF_LANES)
    ciphertext = AESGCM(kek).encrypt(nonce, payload, aad)
    document = dict(header, ciphertext=base64.b64encode(ciphertext).decode())
    return json.dumps(document, indent=2, sort_keys=True).encode()


def unwrap(blob: bytes, passphrase: str) -> EscrowedKeys:
    try:
        document = json.loads(blob)
        if document.get("format") != FORMAT:
            raise ValueError("format")
        header = {k: v for k, v in document.items() if k != "ciphertext"}
        salt = base64.b64decode(document["salt"])
        nonce = base64.b64decode(document["nonce"])
        ciphertext = base64.b64decode(document["ciphertext"])
        params = (int(document["t"]), int(document["m"]), int(document["p"]))
    except (ValueError, KeyError, TypeError):
        raise CorruptDatabase(
            "The recovery file is damaged or not an Enamel recovery file."
        ) from None
    kek = _kdf(passphrase, salt, *params)
    try:
        payload = json.loads(
            AESGCM(kek).decrypt(nonce, ciphertext, json.dumps(header, sort_keys=True).encode())
        )
    except InvalidTag:
        raise WrongPassphrase(
            "That recovery passphrase is not correct. Nothing was changed."
        ) from None
    return EscrowedKeys(
        database_key=bytes.fromhex(payload["database_key"]),
        archive_key=bytes.fromhex(payload["archive_key"]),
        practice_id=str(document["practice_id"]),
    )


def write_file(path: Path, blob: bytes) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of one."""
    tmp = path.with_suffix(path.suffix + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
