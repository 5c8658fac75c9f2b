"""The breach rules' limits and windows, and how they are read from the practice settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta, tzinfo
from typing import Any

from services.calendar import TIMEZONE_SETTING, zone_named
from services.clock import Clock
from services.compliance.breach.office_hours import (
    OFFICE_HOURS_SETTING,
    OfficeHours,
    parse_office_hours,
)


@dataclass(frozen=True)
class RuleConfig:
    patients_per_hour: int = 50
    baseline_multiplier: float = 3.0
    baseline_minimum: int = 10  # below this many patients an hour, no baseline alert
    baseline_min_hours: int = 5  # active hours of history needed before a baseline exists
    baseline_days: int = 30
    failed_sign_in_limit: int = 5
    failed_sign_in_window: timedelta = timedelta(minutes=10)
    sign_in_actions: tuple[str, ...] = ("sign_in",)  # an action containing any of these
    sign_in_failure_outcomes: frozenset[str] = frozenset({"failure"})
    export_actions: frozenset[str] = frozenset({"audit_export", "call_list_export"})
    export_suffix: str = "_export"
    export_window: timedelta = timedelta(hours=1)
    break_glass_flag: str = "break_glass"
    break_glass_window: timedelta = timedelta(hours=4)
    disabled_window: timedelta = timedelta(hours=1)
    volume_actor_types: frozenset[str] = frozenset({"human"})
    office_hours: OfficeHours | None = None
    timezone: tzinfo = field(default=UTC)

    @staticmethod
    def from_settings(get: Callable[[str], str | None]) -> RuleConfig:
        def number(name: str, default: float) -> float:
            try:
                value = get(name)
                return float(value) if value else default
            except ValueError:
                return default

        return RuleConfig(
            patients_per_hour=int(number("alerts.patients_per_hour", 50)),
            baseline_multiplier=number("alerts.baseline_multiplier", 3.0),
            baseline_minimum=int(number("alerts.baseline_minimum", 10)),
            failed_sign_in_limit=int(number("alerts.failed_sign_ins", 5)),
            office_hours=parse_office_hours(get(OFFICE_HOURS_SETTING)),
            timezone=zone_named(get(TIMEZONE_SETTING)),
        )

    def is_sign_in_failure(self, data: dict[str, Any]) -> bool:
        action = str(data.get("action", ""))
        return str(data.get("outcome")) in self.sign_in_failure_outcomes and any(
            name in action for name in self.sign_in_actions
        )

    def is_export(self, data: dict[str, Any]) -> bool:
        action = str(data.get("action", ""))
        return data.get("outcome") == "success" and (
            action in self.export_actions or action.endswith(self.export_suffix)
        )


class SettingsRuleConfig:
    """The rules' configuration from settings, re-read at most once a minute.

    Pass an instance as `AlertEngine(config=...)`: a changed limit, office hours or time
    zone takes effect within a minute without re-reading settings on every append.
    """

    def __init__(self, get: Callable[[str], str | None], clock: Clock, ttl: float = 60.0) -> None:
        self._get = get
        self._clock = clock
        self._ttl = ttl
        self._cached: tuple[float, RuleConfig] | None = None

    def __call__(self) -> RuleConfig:
        now = self._clock.monotonic()
        if self._cached is None or now - self._cached[0] > self._ttl:
            self._cached = (now, RuleConfig.from_settings(self._get))
        return self._cached[1]
