"""The one back-off policy: doubling delays, capped, and a server's Retry-After honoured."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Backoff:
    """`delay(n)` is the wait before try n+1 after n consecutive failures (n >= 1)."""

    base: float
    maximum: float
    factor: float = 2.0

    def delay(
        self, failures: int, retry_after: str | None = None, now: datetime | None = None
    ) -> float:
        """Retry-After (seconds or an HTTP date) wins, capped at `maximum`; else doubling."""
        if retry_after:
            seconds = retry_after_seconds(retry_after, now)
            if seconds is not None:
                return max(0.0, min(seconds, self.maximum))
        if failures <= 0:
            return 0.0
        return float(min(self.base * self.factor ** min(failures - 1, 60), self.maximum))


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """A Retry-After header as seconds from `now`; None when it is neither form."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return seconds if seconds == seconds else None  # NaN is no answer


def pause(seconds: float) -> None:
    """Wait `seconds` on a timed event rather than `time.sleep`.

    The same wait, but on the clock every other wait in the app uses (condition timeouts):
    under libfaketime with the monotonic clock left real, as CI's faked-date run has it,
    `time.sleep` fails with EINVAL while timed waits work.
    """
    if seconds > 0:
        threading.Event().wait(seconds)
