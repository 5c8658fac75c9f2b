"""HTTP for PMS adapters: endpoint rules, retries, a rate limit, size caps and a deadline per call."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

from errors import EnamelError
from services.pms.deadline import DeadlineTransport, within
from services.pms.records import PmsBadAnswer, PmsRejected, PmsUnavailable
from services.retry import Backoff, pause

log = logging.getLogger("services.pms.http")
# httpx logs every request's full URL at INFO; a search URL carries what was searched for
# (a patient's name or phone), so its request lines never reach any handler.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)


MIB = 1024 * 1024
# The largest answer each endpoint may send (bytes of JSON), by path template. A page of
# 1,000 patients or appointments is 1-3 MB; one record a few KB. Anything much larger is
# a broken or hostile server, and is refused before it fills memory.
RESPONSE_LIMITS: Mapping[str, int] = {
    "/appointments": 16 * MIB,
    "/appointments/ASAP": 16 * MIB,
    "/patients": 16 * MIB,
    "/patients/Simple": 16 * MIB,
    "/recalls": 16 * MIB,
    "/appointments/Slots": 4 * MIB,
    "/recalltypes": 4 * MIB,
    "/providers": 4 * MIB,
    "/operatories": 4 * MIB,
    "/schedules": 16 * MIB,
    "/patients/{PatNum}": 1 * MIB,
    "/appointments/{AptNum}": 1 * MIB,
    "/familymodules/{PatNum}/Insurance": 1 * MIB,
    "/apptfields": 1 * MIB,
    "/preferences": 1 * MIB,
}
DEFAULT_RESPONSE_LIMIT = 4 * MIB
# Every call, retries and their waits included, ends within this many seconds.
DEADLINE_SECONDS = 60.0


class _TooLarge(Exception):
    pass


_NAME_NOT_FOUND = (
    "name or service not known",
    "getaddrinfo",
    "nodename nor servname",
    "name resolution",
)


def _connect_message(error: str, where: SplitResult) -> str:
    """Why no connection was made, for the person who set the address (no request was sent)."""
    host = where.hostname or "the server"
    port = where.port or (443 if where.scheme == "https" else 80)
    if "refused" in error:
        return (
            f"The connection to the practice-management system at {host}, port {port}, was "
            "refused: nothing answers there. Check that the Open Dental API (or API Service) "
            "is running on that computer and that the address and port are right."
        )
    if any(text in error for text in _NAME_NOT_FOUND):
        return (
            f"The practice-management system's address {host} cannot be found on the network. "
            "Check the spelling of the server's name, or use its IP address."
        )
    return (
        f"Enamel could not connect to the practice-management system at {host}, port {port}. "
        "Check that it is running and reachable from this computer (network, firewall)."
    )


class InsecureEndpoint(EnamelError):
    exit_code = 2


def check_endpoint(base_url: str, allow_http_hosts: frozenset[str] = frozenset()) -> None:
    """HTTPS everywhere; plain HTTP only to loopback or a host the administrator allowed."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme == "https":
        return
    if parts.scheme != "http":
        raise InsecureEndpoint(f"The PMS address must start with https:// (got '{parts.scheme}').")
    if host in allow_http_hosts or host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise InsecureEndpoint(
        f"Plain http:// to {host} would send patient data unencrypted. Use https://, or have "
        "IT add the host to the allowed list ('pms.allow_http_hosts') if it is on this network."
    )


class RateLimiter:
    """A token bucket: at most `rate` requests a second, bursts of `burst`."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = pause,
    ) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = float(burst)
        self._last = clock()
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                wait = (1 - self._tokens) / self.rate
                self._sleep(wait)
                self._tokens = 0
                self._last = self._clock()
            else:
                self._tokens -= 1


@dataclass
class RetryPolicy:
    """How many tries a PMS call gets; the waits between them are the shared `Backoff`."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, retry_after: str | None, now: datetime | None = None) -> float:
        return Backoff(self.base_delay, self.max_delay).delay(attempt, retry_after, now)


class PmsHttp:
    """Sends requests with auth, rate limit and retries; returns decoded JSON or raises PmsError."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = pause,
        allow_http_hosts: frozenset[str] = frozenset(),
        verify: bool | str = True,
        deadline: float = DEADLINE_SECONDS,
        response_limits: Mapping[str, int] = RESPONSE_LIMITS,
        default_limit: int = DEFAULT_RESPONSE_LIMIT,
    ) -> None:
        check_endpoint(base_url, allow_http_hosts)
        self.base_url = base_url.rstrip("/")
        # trust_env=False: a proxy from the environment would take the call around the
        # deadline transport (and patient data through a machine nobody configured here).
        self._client = httpx.Client(
            headers={"Accept-Encoding": "identity", **headers},
            timeout=timeout,
            transport=DeadlineTransport(verify),
            trust_env=False,
        )
        self._deadline = deadline
        self._limits, self._default_limit = response_limits, default_limit
        self._retry = retry or RetryPolicy()
        self._limiter = limiter or RateLimiter(0)
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        template: str = "",
        idempotent: bool | None = None,
    ) -> Any:
        """One call, retried while that is safe.

        GET and (by default) PUT are retried on timeouts, dropped connections, 429 and 5xx.
        A POST creates something, and a PUT the caller marks `idempotent=False` adds
        something each time (Recalls PUT Status writes a commlog, PUT Break a broken
        procedure), so those are retried only when the server cannot have acted on them
        (429, or the connection was never made): sent twice they would be applied twice.
        """
        url = f"{self.base_url}{path}"
        if idempotent is None:
            idempotent = method.upper() != "POST"
        limit = self._limits.get(template, self._default_limit)
        deadline_at = time.monotonic() + self._deadline
        for attempt in range(1, self._retry.attempts + 1):
            self._limiter.acquire()
            try:
                with within(deadline_at):
                    response, body = self._fetch(method, url, params, json_body, limit)
            except _TooLarge:
                log.warning(
                    "pms.answer_too_large", extra={"path_template": template, "limit": limit}
                )
                raise PmsBadAnswer(
                    f"The practice-management system sent an answer larger than Enamel accepts "
                    f"for this ({limit // MIB} MB). Nothing was shown; tell IT if it keeps "
                    "happening."
                ) from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if time.monotonic() >= deadline_at:
                    log.warning(
                        "pms.request_failed",
                        extra={"error_class": "deadline", "path_template": template},
                    )
                    raise PmsUnavailable(self._deadline_message(idempotent)) from None
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if attempt == self._retry.attempts or not (idempotent or never_sent):
                    log.warning(
                        "pms.request_failed",
                        extra={"error_class": type(exc).__name__, "path_template": template},
                    )
                    raise PmsUnavailable(
                        self._transport_message(exc, idempotent, self.base_url)
                    ) from None
                if not self._wait(attempt, None, template, type(exc).__name__, deadline_at):
                    raise PmsUnavailable(self._deadline_message(idempotent)) from None
                continue
            status = response.status_code
            if status == 429 or (status >= 500 and idempotent):
                retry_after = response.headers.get("Retry-After")
                if attempt == self._retry.attempts or not self._wait(
                    attempt, retry_after, template, f"http_{status}", deadline_at
                ):
                    log.warning(
                        "pms.request_failed",
                        extra={"error_class": f"http_{status}", "path_template": template},
                    )
                    raise PmsUnavailable(
                        f"The practice-management system is busy or failing (HTTP {status}). "
                        "Try again in a minute."
                    )
                continue
            if status >= 500:
                raise PmsUnavailable(
                    f"The practice-management system failed (HTTP {status}) while saving. "
                    "Check in Open Dental whether the change was made before trying again."
                )
            if status == 401:
                raise PmsRejected(
                    "The practice-management system refused Enamel's keys (401): the developer "
                    "or customer key is wrong, or was turned off in Open Dental. Enter both again "
                    "('enamel-admin pms set … --keys-stdin'), then run 'enamel-admin pms check'."
                )
            if status in (404, 410):
                raise PmsRejected(
                    f"The practice-management system does not have that record ({status}); "
                    "it may have been changed or deleted. Refresh and try again."
                )
            if status >= 400:
                raise PmsRejected(
                    f"The practice-management system refused the request (HTTP {status})."
                )
            if not body:
                return None
            try:
                return json.loads(body)
            except (ValueError, RecursionError):
                raise PmsBadAnswer(
                    "The practice-management system sent an answer Enamel cannot read. Nothing "
                    "was shown; try again, and tell IT if it keeps happening."
                ) from None
        raise AssertionError("unreachable")

    def _fetch(
        self, method: str, url: str, params: dict[str, Any] | None, json_body: Any, limit: int
    ) -> tuple[httpx.Response, bytes]:
        """Send and read the answer, stopping as soon as it is longer than `limit`.

        Leaving the stream early closes the connection, so the rest is never read. A body
        cut short raises (httpx checks it against Content-Length) like a dropped connection.
        """
        with self._client.stream(method, url, params=params, json=json_body) as response:
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                # Asked for identity: decoding a compressed answer could expand it far past
                # the limit in one step, so one is not even read.
                raise PmsBadAnswer(
                    "The practice-management system sent a compressed answer Enamel did not "
                    "ask for. Nothing was shown; tell IT if it keeps happening."
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _TooLarge
            body = bytearray()
            for chunk in response.iter_raw():
                body += chunk
                if len(body) > limit:
                    raise _TooLarge
        return response, bytes(body)

    def _deadline_message(self, idempotent: bool) -> str:
        if not idempotent:
            return (
                f"The practice-management system did not finish answering within "
                f"{self._deadline:.0f} seconds while saving. Check in Open Dental whether the "
                "change was made before trying again."
            )
        return (
            f"The practice-management system did not finish answering within "
            f"{self._deadline:.0f} seconds. Nothing was shown; check that it is running and "
            "reachable, then try again."
        )

    @staticmethod
    def _transport_message(exc: Exception, idempotent: bool, base_url: str = "") -> str:
        if isinstance(exc, httpx.ConnectError):  # never sent: nothing can have changed
            return _connect_message(str(exc).lower(), urlsplit(base_url))
        if not idempotent:
            return (
                "The practice-management system stopped answering while saving. Check in Open "
                "Dental whether the change was made before trying again."
            )
        if isinstance(exc, httpx.TimeoutException):
            return (
                "The practice-management system did not answer in time. Check that it "
                "is running and reachable, then try again."
            )
        return (
            "The connection to the practice-management system broke off before the answer was "
            "complete. Nothing was shown; check the network and try again."
        )

    def _wait(
        self, attempt: int, retry_after: str | None, template: str, why: str, deadline_at: float
    ) -> bool:
        """Sleep before the next try; False (no sleep) when the wait would pass the deadline."""
        delay = self._retry.delay(attempt, retry_after)
        if time.monotonic() + delay >= deadline_at:
            return False
        log.info(
            "pms.request_retried",
            extra={
                "attempt": attempt,
                "retry_in_s": delay,
                "path_template": template,
                "error_class": why,
            },
        )
        self._sleep(delay)
        return True
