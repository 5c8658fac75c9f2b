"""Validating Open Dental payloads: every field checked, any surprise a PmsBadAnswer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.pms.records import AptStatus, PmsBadAnswer

EMPTY_DATE = "0001-01-01"


def bad(what: str) -> PmsBadAnswer:
    # The message names the field, never its value (the value may be PHI).
    return PmsBadAnswer(
        f"The practice-management system sent a malformed answer ({what}). Nothing was shown; "
        "try again, and tell IT if it keeps happening."
    )


def as_list(payload: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(x, dict) for x in payload):
        raise bad(f"{what} is not a list of records")
    return payload


def as_object(payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise bad(f"{what} is not a record")
    return payload


def integer(record: dict[str, Any], key: str, *, optional: bool = False) -> int:
    value = record.get(key)
    if value is None and optional:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad(f"{key} is missing or not a number")
    try:
        return int(value)
    except ValueError:
        raise bad(f"{key} is not a number") from None


def text(record: dict[str, Any], key: str, *, optional: bool = True) -> str:
    value = record.get(key)
    if value is None:
        if optional:
            return ""
        raise bad(f"{key} is missing")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise bad(f"{key} is not text")
    return str(value)


def boolean(record: dict[str, Any], key: str) -> bool:
    value = record.get(key, "false")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad(f"{key} is not true/false")


def day(record: dict[str, Any], key: str) -> date | None:
    value = text(record, key)
    if not value or value.startswith(EMPTY_DATE):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise bad(f"{key} is not a date") from None


def moment(record: dict[str, Any], key: str) -> datetime:
    value = text(record, key, optional=False)
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise bad(f"{key} is not a date and time") from None


def status(record: dict[str, Any]) -> AptStatus:
    try:
        return AptStatus(text(record, "AptStatus", optional=False))
    except ValueError:
        raise bad("AptStatus is not a known status") from None


def pattern_minutes(record: dict[str, Any]) -> int:
    value = text(record, "Pattern", optional=False)
    if not value or any(c not in "X/" for c in value) or len(value) > 288:
        raise bad("Pattern is not a time pattern")
    return len(value) * 5


def full_name(record: dict[str, Any]) -> str:
    first = text(record, "Preferred") or text(record, "FName")
    return f"{first} {text(record, 'LName')}".strip()


def phone(record: dict[str, Any]) -> str:
    return text(record, "WirelessPhone") or text(record, "HmPhone") or text(record, "WkPhone")
