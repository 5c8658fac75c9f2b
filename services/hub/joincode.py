"""Join codes: `EJ1-` + base32 (no padding) of the compact JSON {"u", "f", "t"}."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass

from errors import EnamelError

PREFIX = "EJ1-"
TOKEN_LENGTH = 32
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


class JoinCodeError(EnamelError):
    """A join code that cannot be read."""


@dataclass(frozen=True)
class JoinCode:
    """What a join code carries: the hub's address, the CA fingerprint and a one-time token."""

    url: str
    fingerprint: str
    token: str


def new_token() -> str:
    """32 url-safe characters (24 random bytes)."""
    return secrets.token_urlsafe(24)


def encode(code: JoinCode) -> str:
    payload = json.dumps(
        {"u": code.url, "f": code.fingerprint, "t": code.token}, separators=(",", ":")
    ).encode("utf-8")
    return PREFIX + base64.b32encode(payload).decode("ascii").rstrip("=")


def decode(text: str) -> JoinCode:
    """Read a join code; any fault is a JoinCodeError saying what to do."""
    cleaned = "".join(text.split())
    if not cleaned.upper().startswith(PREFIX):
        raise JoinCodeError("This is not an Enamel join code (it should start with EJ1-).")
    body = cleaned[len(PREFIX) :].upper().replace("-", "")
    padded = body + "=" * (-len(body) % 8)
    try:
        raw = base64.b32decode(padded)
        data = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise JoinCodeError(
            "The join code is damaged; copy it again from `enamel-admin hub invite`."
        ) from exc
    if not isinstance(data, dict):
        raise JoinCodeError(
            "The join code is damaged; copy it again from `enamel-admin hub invite`."
        )
    url, fp, token = data.get("u"), data.get("f"), data.get("t")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise JoinCodeError("The join code does not carry the hub's address.")
    if not isinstance(fp, str) or not _FINGERPRINT.match(fp):
        raise JoinCodeError("The join code does not carry the practice's certificate fingerprint.")
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise JoinCodeError("The join code does not carry a valid invitation.")
    return JoinCode(url=url, fingerprint=fp, token=token)
