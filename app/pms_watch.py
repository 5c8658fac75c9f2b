"""The PMS client as the desk uses it, reporting each call's outcome so the status bar's PMS
state changes the moment a call fails (and comes back at the next call that works)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from services.pms.protocol import PmsClient
from services.pms.records import PmsError, PmsRejected, PmsUnavailable

Report = Callable[[str, bool, str], None]  # (state, ok, the message in full), from any thread


def state_of(error: PmsError) -> str:
    """A short state for the status bar; the full message is its tooltip."""
    text = error.message
    if isinstance(error, PmsUnavailable):
        if "refused" in text:
            return "connection refused"
        if "cannot be found" in text:
            return "server not found"
        return "not answering"
    if isinstance(error, PmsRejected):
        return "keys refused" if "keys" in text else "request refused"
    return "bad answer"


class WatchedPms:
    """Every PmsClient method, unchanged, with `report` told when the connection's state changes."""

    def __init__(self, inner: PmsClient, report: Report) -> None:
        self._inner = inner
        self._report = report
        self._failing: str | None = None

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name == "close":
            return target

        def watched(*args: Any, **kwargs: Any) -> Any:
            try:
                result = target(*args, **kwargs)
            except PmsError as exc:
                state = state_of(exc)
                # A refused request (404, 400) is the request's fault, not the connection's.
                if state != "request refused" and state != self._failing:
                    self._failing = state
                    self._report(state, False, exc.message)
                raise
            if self._failing is not None:
                self._failing = None
                self._report("connected", True, "")
            return result

        return watched


def watch(inner: PmsClient, report: Report) -> PmsClient:
    return cast(PmsClient, WatchedPms(inner, report))
