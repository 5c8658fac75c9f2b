"""TOTP (RFC 6238: 30 s, 6 digits, ±1 step) where a used step is never accepted again."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

STEP_SECONDS = 30
ISSUER = "Enamel"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str, practice_id: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=f"{login}@{practice_id}", issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now -1, 0 or +1) whose code equals `code`, or None.

    pyotp's own verify() accepts the same code again within its window, so replay is
    refused by the caller, which stores the last accepted step per account.
    """
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, now: datetime) -> str:
    return pyotp.TOTP(secret).at(now)
