"""The one way to run a slow service call: off the UI thread, its result back on the UI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("ui.tasks")


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the UI thread, which shows a message
            self._relay.failed.emit(exc)
            return
        self._relay.done.emit(result)


class TaskRunner:
    """`run(fn, on_success, on_error)`: fn runs on a worker thread; callbacks on the UI thread."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        owner: QObject | None = None,
    ) -> None:
        """`owner`: the widget the callbacks update; if it is gone by then, they are skipped."""
        relay = _Relay()
        self._relays.add(relay)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._relays.discard(relay)
            target = owner if owner is not None else getattr(callback, "__self__", None)
            if isinstance(target, QObject) and not shiboken6.isValid(target):
                return  # the window closed while the work ran (switch user, break-glass)
            callback(value)

        relay.done.connect(lambda value: finish(on_success, value))
        relay.failed.connect(lambda exc: finish(on_error, exc))
        self._pool.start(_Job(fn, relay))

    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)


_default: TaskRunner | None = None


def default_runner() -> TaskRunner:
    """The application's shared runner (the global thread pool)."""
    global _default
    if _default is None:
        _default = TaskRunner()
    return _default


def run_task(
    fn: Callable[[], Any],
    on_success: Callable[[Any], None],
    on_error: Callable[[Exception], None] | None = None,
) -> None:
    """Run `fn` off the UI thread; `on_success(result)` or `on_error(exc)` runs on the UI thread.

    Without `on_error` the failure is logged by class only (never its message, which might
    hold PHI) and otherwise dropped: pass one wherever the person should see what went wrong.
    """

    def dropped(error: Exception) -> None:
        log.warning("ui.task_failed", extra={"error_class": type(error).__name__})

    default_runner().run(fn, on_success, on_error or dropped)


def user_message(error: Exception) -> str:
    """The text a person sees: the project's errors carry one; anything else is generic."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    return (
        f"Something went wrong ({type(error).__name__}). Try again; if it keeps happening, tell IT."
    )
