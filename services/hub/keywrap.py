"""The practice keys wrapped for one workstation: X25519 + HKDF-SHA256 + AES-GCM (see the protocol)."""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.hub.errors import bad_request

INFO_PREFIX = b"enamel/hub-wrap/v1/"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _key(shared: bytes, workstation_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=INFO_PREFIX + workstation_id.encode()
    ).derive(shared)


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def wrap_keys(
    pseudonym: bytes, archive: bytes, wrap_public_b64: str, workstation_id: str
) -> dict[str, str]:
    """`{"ephemeral", "nonce", "ciphertext"}` for the workstation holding the wrap key."""
    try:
        peer = X25519PublicKey.from_public_bytes(base64.b64decode(wrap_public_b64, validate=True))
    except ValueError as exc:
        raise bad_request("The wrap key is not a base64 X25519 public key.") from exc
    ephemeral = X25519PrivateKey.generate()
    nonce = os.urandom(12)
    plaintext = json.dumps({"pseudonym": _b64(pseudonym), "archive": _b64(archive)}).encode()
    ciphertext = AESGCM(_key(ephemeral.exchange(peer), workstation_id)).encrypt(
        nonce, plaintext, workstation_id.encode()
    )
    return {
        "ephemeral": _b64(_raw_public(ephemeral.public_key())),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def unwrap_keys(
    private: X25519PrivateKey, wrapped: dict[str, str], workstation_id: str
) -> tuple[bytes, bytes]:
    """(pseudonym key, archive key); raises cryptography's InvalidTag if it was not for us."""
    ephemeral = X25519PublicKey.from_public_bytes(base64.b64decode(wrapped["ephemeral"]))
    plaintext = AESGCM(_key(private.exchange(ephemeral), workstation_id)).decrypt(
        base64.b64decode(wrapped["nonce"]),
        base64.b64decode(wrapped["ciphertext"]),
        workstation_id.encode(),
    )
    data = json.loads(plaintext)
    return base64.b64decode(data["pseudonym"]), base64.b64decode(data["archive"])


def public_b64(private: X25519PrivateKey) -> str:
    return _b64(_raw_public(private.public_key()))
