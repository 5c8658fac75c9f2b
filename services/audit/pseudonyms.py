"""Keyed HMAC-SHA-256 pseudonyms for PMS record numbers (`pt_…`, `apt_…`)."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum


class RecordKind(StrEnum):
    PATIENT = "pt"
    APPOINTMENT = "apt"
    RECALL = "rcl"
    INSURANCE = "ins"
    WAITLIST = "wl"
    PROVIDER = "prov"
    OPERATORY = "op"


class Pseudonymizer:
    """Turns a record number into a stable reference under the practice's pseudonym key.

    The same record always gets the same reference within a practice (so an access
    report can follow one patient), and nobody without the key can tell which record
    a reference stands for.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("pseudonym key too short")
        self._key = key

    def ref(self, kind: RecordKind, record_number: int | str) -> str:
        digest = hmac.new(
            self._key, f"{kind.value}:{record_number}".encode(), hashlib.sha256
        ).hexdigest()
        return f"{kind.value}_{digest[:24]}"
