"""Argon2id password hashes (PHC strings) and the NIST 800-63B rules for new passwords."""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from errors import EnamelError
from storage.argon2_gate import argon2_threads

MIN_LENGTH = 12
MAX_LENGTH = 128


@dataclass(frozen=True)
class HashParams:
    time_cost: int = 3
    memory_kib: int = 64 * 1024
    lanes: int = 4


PRODUCTION = HashParams()
_PHC = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


class WeakPassword(EnamelError):
    exit_code = 2


def hash_password(password: str, params: HashParams = PRODUCTION) -> str:
    kdf = Argon2id(
        salt=os.urandom(16),
        length=32,
        iterations=params.time_cost,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    with argon2_threads(params.lanes):
        return kdf.derive_phc_encoded(password.encode())


def decoy_hash(params: HashParams = PRODUCTION) -> str:
    """A PHC string that no password matches, at `params`.

    Checking a password against it costs what checking a real hash costs (names that are
    no account must take as long as real ones), and making it costs nothing.
    """

    def b64(n: int) -> str:
        return base64.b64encode(os.urandom(n)).decode().rstrip("=")

    return (
        f"$argon2id$v=19$m={params.memory_kib},t={params.time_cost},p={params.lanes}"
        f"${b64(16)}${b64(32)}"
    )


def lanes_of(encoded: str) -> int:
    """The lanes a PHC string asks for (the threads its check takes); all of them if unknown."""
    match = _PHC.match(encoded)
    return int(match.group(3)) if match else 1 << 16


def verify_password(encoded: str, password: str) -> bool:
    try:
        with argon2_threads(lanes_of(encoded)):
            Argon2id.verify_phc_encoded(password.encode(), encoded)
    except (InvalidKey, ValueError):
        return False
    return True


def needs_rehash(encoded: str, params: HashParams = PRODUCTION) -> bool:
    match = _PHC.match(encoded)
    if match is None:
        return True
    m, t, p = (int(x) for x in match.groups())
    return (
        (m, t, p) < (params.memory_kib, params.time_cost, params.lanes)
        or m < params.memory_kib
        or t < params.time_cost
    )


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("resources").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_new_password(password: str, login: str = "") -> None:
    """Length and a block-list only: no composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"Use at least {MIN_LENGTH} characters; a short sentence is easy to remember."
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(password)) < 4:
        raise WeakPassword("That password is too common and easy to guess. Choose another.")
    if login and login.lower() in lowered:
        raise WeakPassword("The password must not contain your user name.")
