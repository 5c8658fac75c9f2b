"""Throttling failed sign-ins: growing delays after 5, a 15-minute lock after 10, per workstation too."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from errors import EnamelError

DELAY_AFTER = 5  # failures before delays start
LOCK_AFTER = 10
LOCK_MINUTES = 15
MAX_DELAY_SECONDS = 300
WORKSTATION_WINDOW = timedelta(minutes=15)
WORKSTATION_LIMIT = 25  # failures in the window, whatever user names were typed
GENERIC = "The user name, password or code is not correct."


class SignInFailed(EnamelError):
    exit_code = 1


class CodeAlreadyUsed(SignInFailed):
    """The right code, but its 30-second step was already used (the wizard's, or a sign-in
    a moment ago): the person waits for the next code; the password step still stands."""

    def __init__(self) -> None:
        super().__init__(
            "That code was already used. Wait for your authenticator app to show the next "
            "code (at most 30 seconds), then type the new one."
        )


class SignInThrottled(SignInFailed):
    """Raised before any password is checked; the message never says whether the name exists."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


def delay_for(failures: int) -> float:
    """Seconds to wait after the last failure: 1, 2, 4, 8 … from the fifth failure on."""
    if failures < DELAY_AFTER:
        return 0.0
    return float(min(2 ** (failures - DELAY_AFTER), MAX_DELAY_SECONDS))


def delay_left(now: datetime, failures: int, last_failure: datetime | None) -> float:
    """Seconds this account must still wait after its last failure (0: none); the same schedule
    at a workstation and at the practice hub."""
    wait = delay_for(failures)
    if not wait or last_failure is None:
        return 0.0
    return max(0.0, (last_failure + timedelta(seconds=wait) - now).total_seconds())


def wait_message(left: float) -> str:
    seconds = max(1, math.ceil(left))  # 0.2 s left says 1, 8 s left says 8
    return f"Too many failed attempts. Wait {seconds} seconds, then try again."


def lock_message(left: float) -> str:
    minutes = max(1, math.ceil(left / 60))  # a new 15-minute lock says 15, not 16
    return (
        f"Too many failed attempts: sign-in is locked for {minutes} more minute(s). "
        "An office manager can unlock it sooner."
    )


def lock_until(failures: int, now: datetime) -> datetime | None:
    return now + timedelta(minutes=LOCK_MINUTES) if failures >= LOCK_AFTER else None


def check(
    now: datetime,
    failures: int,
    last_failure: datetime | None,
    locked_until: datetime | None,
    workstation_failures: int,
) -> None:
    """Raise SignInThrottled when this attempt must wait; otherwise return."""
    if locked_until is not None and now < locked_until:
        left = (locked_until - now).total_seconds()
        raise SignInThrottled(lock_message(left), left)
    left = delay_left(now, failures, last_failure)
    if left > 0:
        raise SignInThrottled(wait_message(left), left)
    if workstation_failures >= WORKSTATION_LIMIT:
        raise SignInThrottled(
            "Too many failed sign-ins on this computer. Wait a few minutes, then try again.",
            60.0,
        )
