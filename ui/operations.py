"""The one way to run slow work from a screen: off the UI thread, its outcome back on it.

`Operations.run(work, success, failure=None, owner=widget)` runs `work` on one of a few
persistent worker threads and calls `success(result)` or `failure(error)` on the UI thread.
Without `failure`, the error is shown in the banner of the nearest widget (from `owner` up)
that has `show_failure(message)`, and logged by class only (its text might hold PHI).
If `owner` is deleted meanwhile (switch user, a closed dialog), nothing is called.

The workers are long-lived threads, not a Qt pool: each keeps its one database connection
for the life of the application, so N operations never hold more than `workers` connections.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal

log = logging.getLogger("ui.operations")

T = TypeVar("T")
WORKERS = 3


class Run(Protocol):
    """`Operations.run` as a screen receives it."""

    def __call__(
        self,
        work: Callable[[], Any],
        success: Callable[[Any], None],
        failure: Callable[[Exception], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> None: ...


class ShowsFailures(Protocol):
    def show_failure(self, message: str) -> None: ...


class _Relay(QObject):
    """Lives on the UI thread; a callable posted from any thread runs there.

    The callables wait in a thread-safe queue and only an argument-less signal crosses
    threads, so no Python object is handed through Qt's queued-event machinery.
    """

    wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.wake.connect(self._drain)

    def post(self, call: Callable[[], None]) -> None:
        self._calls.put(call)
        self.wake.emit()

    def _drain(self) -> None:
        first: Exception | None = None
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                break
            try:
                call()
            except Exception as exc:  # the others still land; the first is raised after
                first = first or exc
        if first is not None:
            raise first


def user_message(error: BaseException) -> str:
    """The text a person sees: the project's errors carry one; anything else is generic."""
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    return (
        f"Something went wrong ({type(error).__name__}). Try again; if it keeps happening, tell IT."
    )


def show_in_banner(owner: QObject | None, error: BaseException) -> None:
    """The default failure: the nearest banner from `owner` up shows it; the log gets the class."""
    log.warning("ui.operation_failed", extra={"error_class": type(error).__name__})
    target: Any = owner
    while target is not None:
        show = getattr(target, "show_failure", None)
        if callable(show):
            show(user_message(error))
            return
        target = target.parent() if isinstance(target, QObject) else None


class Operations:
    """The application's background work for screens: a fixed set of worker threads."""

    def __init__(self, workers: int = WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="enamel-op")
        self._relay = _Relay()
        self._pending: set[Future[Any]] = set()
        self._in_flight = 0
        self._lock = threading.Lock()
        self.workers = workers

    def run(
        self,
        work: Callable[[], T],
        success: Callable[[T], None],
        failure: Callable[[Exception], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Run `work` in the background; `success`/`failure` run on the UI thread."""

        def alive() -> bool:
            self._landed()
            return owner is None or shiboken6.isValid(owner)

        def land_success(value: T) -> None:
            if alive():
                success(value)

        def land_failure(error: Exception) -> None:
            if not alive():
                return
            if failure is not None:
                failure(error)
            else:
                show_in_banner(owner, error)

        def body() -> None:
            try:
                value = work()
            except Exception as exc:  # handed to the UI thread, which shows it
                error = exc
                self._relay.post(lambda: land_failure(error))
                return
            self._relay.post(lambda: land_success(value))

        with self._lock:
            self._in_flight += 1
        future = self._pool.submit(body)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def on_ui_thread(self, call: Callable[[], None]) -> None:
        """Run `call` on the UI thread soon (from any thread): how jobs report to the screens."""
        self._relay.post(call)

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _landed(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def busy(self) -> bool:
        """True until every operation started so far has run and landed its outcome."""
        with self._lock:
            return self._in_flight > 0

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the work started so far has finished (its callbacks may still be queued)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            try:
                future.result(timeout=msecs / 1000)
            except TimeoutError:
                return False
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
