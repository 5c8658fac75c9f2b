"""The practice's settings from the hub, applied over this PC's own (idle lock, time zone, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.hub.client import HubClient

# Kept on this PC and never taken from the hub, whatever it sends.
LOCAL_ONLY = frozenset({"practice_id"})
SETTINGS_VERSION = "hub.settings_version"


class Settings(Protocol):
    def get(self, name: str, default: str | None = None) -> str | None: ...
    def set(self, name: str, value: str, now: datetime) -> None: ...


def pull_settings(client: HubClient, settings: Settings, now: datetime) -> int:
    """GET /v1/settings and store what changed; returns how many settings changed."""
    answer = client.get("/v1/settings")
    values = answer.get("settings") or {}
    changed = 0
    if isinstance(values, dict):
        for name, value in sorted(values.items()):
            name, value = str(name), str(value)
            if (
                name in LOCAL_ONLY
                or name.startswith(("key.", "hub."))
                or settings.get(name) == value
            ):
                continue
            settings.set(name, value, now)
            changed += 1
    version = str(answer.get("version", ""))
    if version and settings.get(SETTINGS_VERSION) != version:
        settings.set(SETTINGS_VERSION, version, now)
    return changed
