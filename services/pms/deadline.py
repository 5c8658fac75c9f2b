"""An overall deadline for a PMS call, enforced on every socket connect, read and write.

httpx's timeouts are per operation: a server that sends one byte a second never trips a
15-second read timeout, in the headers or in the body, and holds the call forever. Here
each socket operation gets at most the time left before the call's deadline, so the call
ends at the deadline whatever the server does. The deadline is per thread (`within`), so
one client serves calls from several worker threads.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
import typing
from collections.abc import Callable, Iterable, Iterator

import httpcore
import httpx

_state = threading.local()


@contextlib.contextmanager
def within(deadline_at: float) -> Iterator[None]:
    """Socket operations on this thread stop at `deadline_at` (a time.monotonic() value)."""
    previous = getattr(_state, "deadline_at", None)
    _state.deadline_at = deadline_at
    try:
        yield
    finally:
        _state.deadline_at = previous


def _clamp(
    timeout: float | None, error: type[Exception], now: Callable[[], float] = time.monotonic
) -> float | None:
    deadline_at: float | None = getattr(_state, "deadline_at", None)
    if deadline_at is None:
        return timeout
    left = deadline_at - now()
    if left <= 0:
        raise error("the call's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(
            ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout)
        )
        return _Stream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, _clamp(timeout, httpcore.ConnectTimeout), socket_options
        )
        return _Stream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport (TLS, pooling, error mapping) over the deadline-aware sockets."""

    def __init__(self, verify: bool | str | ssl.SSLContext = True) -> None:
        # Not super().__init__: that builds the pool this replaces. It is the pool httpx
        # builds without a proxy, with the socket layer swapped through ConnectionPool's
        # network_backend, httpcore's public seam for exactly this.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            network_backend=_Backend(),
        )
