"""Join codes: what they carry survives the trip, and damaged codes say so."""

from __future__ import annotations

import base64

import pytest

from services.hub.joincode import JoinCode, JoinCodeError, decode, encode, new_token

FP = "ab" * 32


def test_round_trip() -> None:
    code = JoinCode(url="https://192.168.1.10:8443", fingerprint=FP, token=new_token())
    text = encode(code)
    assert text.startswith("EJ1-")
    assert "=" not in text
    assert decode(text) == code
    assert decode("  " + text.lower() + "\n") == code


def test_token_is_32_url_safe_chars() -> None:
    tokens = {new_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(t) == 32 for t in tokens)


def test_payload_is_compact_json_in_base32() -> None:
    text = encode(JoinCode("https://h:1", FP, "A" * 32))
    body = text[4:]
    raw = base64.b32decode(body + "=" * (-len(body) % 8))
    assert raw == b'{"u":"https://h:1","f":"' + FP.encode() + b'","t":"' + b"A" * 32 + b'"}'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("EJ2-ABC", "start with EJ1-"),
        ("EJ1-!!!!", "damaged"),
        ("EJ1-" + base64.b32encode(b"[1]").decode().rstrip("="), "damaged"),
        (encode(JoinCode("http://h:1", FP, "A" * 32)), "address"),
        (encode(JoinCode("https://h:1", "xyz", "A" * 32)), "fingerprint"),
        (encode(JoinCode("https://h:1", FP, "short")), "invitation"),
    ],
)
def test_bad_codes_are_clear_errors(text: str, words: str) -> None:
    with pytest.raises(JoinCodeError, match=words):
        decode(text)
