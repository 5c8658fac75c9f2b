"""AccountRecord and FailureState as plain JSON objects (the hub's wire form and the offline cache)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from storage.accounts_repo import AccountRecord, FailureState

_TIMES = {"last_failure_at", "locked_until", "last_sign_in_at", "disabled_at", "created_at",
          "password_changed_at"}  # fmt: skip
_FLAGS = {"totp_enrolled", "disabled", "must_change_password"}


def plain(value: Any) -> Any:
    """A datetime as ISO 8601 with its offset; everything else as it is."""
    return value.isoformat() if isinstance(value, datetime) else value


def record_to_json(record: AccountRecord) -> dict[str, Any]:
    return {f.name: plain(getattr(record, f.name)) for f in fields(AccountRecord)}


def record_from_json(data: dict[str, Any]) -> AccountRecord:
    known = {f.name for f in fields(AccountRecord)}
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in known:
            continue
        if name in _TIMES:
            values[name] = None if value is None else datetime.fromisoformat(str(value))
        elif name in _FLAGS:
            values[name] = bool(value)
        else:
            values[name] = value
    return AccountRecord(**values)


def state_to_json(state: FailureState) -> dict[str, Any]:
    return {f.name: plain(getattr(state, f.name)) for f in fields(FailureState)}


def state_from_json(data: dict[str, Any]) -> FailureState:
    def when(value: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(str(value))

    return FailureState(
        int(data.get("failures") or 0),
        when(data.get("last_failure_at")),
        when(data.get("locked_until")),
    )
