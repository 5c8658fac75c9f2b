"""Time as a parameter: the system clock, a shifted one for whole-process runs, a manual one for tests."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

# The instant every ManualClock starts at unless told otherwise: a Monday afternoon.
TEST_EPOCH = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards (stops during sleep)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class StartedClock:
    """Starts at a given instant and runs at real speed: a whole process on another date."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start time needs a time zone")
        self._start = start.astimezone(UTC)
        self._origin = time.time()

    def now(self) -> datetime:
        # The wall clock's progress, not the monotonic one's: time asleep counts (idle lock).
        return self._start + timedelta(seconds=time.time() - self._origin)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or TEST_EPOCH
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def suspend(self, seconds: float) -> None:
        """The computer sleeps: the wall clock moves on, the monotonic clock does not (Linux)."""
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        with self._lock:
            delta = (when - self._now).total_seconds()
            self._now = when
            self._mono += max(delta, 0.0)


class Stopwatch:
    """Seconds since a moment, sleep included: the larger of the monotonic and the wall-clock
    time passed. The monotonic clock stops while the computer is suspended; the wall clock
    does not, and a wall clock set backwards never counts less than the monotonic one."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._mono = clock.monotonic()
        self._wall = clock.now()

    def restart(self) -> None:
        self._mono = self._clock.monotonic()
        self._wall = self._clock.now()

    def elapsed(self) -> float:
        mono = self._clock.monotonic() - self._mono
        wall = (self._clock.now() - self._wall).total_seconds()
        return max(mono, wall)


def clock_from_option(value: str | None) -> Clock:
    """The clock an entry point runs on: `--clock-start ISO-8601` or the system's."""
    if not value:
        return SystemClock()
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("--clock-start needs a time zone, e.g. 2027-03-14T09:00:00Z")
    return StartedClock(when)
