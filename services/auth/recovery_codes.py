"""Ten one-time recovery codes per account, stored only as keyed hashes."""

from __future__ import annotations

import hashlib
import secrets

COUNT = 10
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud and typed by hand


def new_codes(count: int = COUNT) -> list[str]:
    return [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(count)
    ]


def normalise(code: str) -> str:
    return code.strip().lower().replace(" ", "").replace("-", "")


def looks_like_code(text: str) -> bool:
    cleaned = normalise(text)
    return len(cleaned) == 10 and all(c in _ALPHABET for c in cleaned)


def code_hash(user_id: str, code: str) -> str:
    # 50 random bits per code and a per-account prefix: a slow hash would add nothing
    # an attacker who can read the encrypted database does not already have.
    return hashlib.sha256(f"{user_id}:{normalise(code)}".encode()).hexdigest()
