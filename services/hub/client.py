"""The workstation's HTTPS client for the practice hub: mutual TLS 1.3, a deadline per call."""

from __future__ import annotations

import json
import logging
import ssl
import time
from typing import Any

import httpx

from errors import EnamelError
from services.hub import pki
from services.pms.deadline import DeadlineTransport, within

log = logging.getLogger("services.hub.client")

DEADLINE_SECONDS = 5.0
ACTOR_HEADER = "X-Enamel-Actor"
MAX_ANSWER = 16 * 1024 * 1024

REVOKED = (
    "This PC's access to the practice hub was withdrawn. Ask IT to join it to the practice "
    "again ('enamel-admin join CODE')."
)


class HubUnreachable(EnamelError):
    """The hub refused the connection, did not answer in time, or answered 5xx."""


def not_proven(tls: ssl.SSLError) -> str:
    """What a person reads when the hub failed the TLS checks: no exception text in it."""
    why = (
        "its security certificate is not the one this PC joined with"
        if isinstance(tls, ssl.SSLCertVerificationError)
        else "it did not set up the practice's secure connection"
    )
    return (
        f"The practice hub answered, but it could not prove it is this practice's hub ({why}), "
        "so nothing was sent to it. Tell IT: if the hub was moved or rebuilt, this PC joins "
        "again (a new code from 'enamel-admin hub invite --name <this PC>' on the hub, then "
        "'enamel-admin join CODE --again' here); if not, another computer may be answering in "
        "the hub's place."
    )


class HubNotProven(HubUnreachable):
    """Something answered at the hub's address but failed the TLS checks (a certificate of
    another CA, for another name, expired, or no TLS 1.3): nothing was sent to it. A kind of
    `HubUnreachable`, so everything that waits for the hub keeps waiting (fail closed)."""


def tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a transport error, if that is what it was (httpx chains it)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class HubRefused(EnamelError):
    """The hub answered and said no (401/403/4xx): `code` is its error code."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class HubRevoked(HubRefused):
    """This workstation's certificate was revoked at the hub."""


class HubClient:
    """One hub, one TLS context: `call(path, body)` returns the answer's JSON object.

    `context` is the TLS 1.3 context the calls go through: the workstation's own (its
    certificate and key, trusting only the practice CA) or, while joining, one without a
    client certificate.
    """

    def __init__(
        self, url: str, context: ssl.SSLContext, deadline: float = DEADLINE_SECONDS
    ) -> None:
        self.url = url.rstrip("/")
        self._deadline = deadline
        self._http = httpx.Client(
            base_url=self.url,
            transport=DeadlineTransport(verify=context),
            timeout=httpx.Timeout(deadline),
            headers={"Accept": "application/json"},
        )

    @staticmethod
    def for_workstation(
        url: str, ca_pem: str, cert_pem: str, key_pem: str, deadline: float = DEADLINE_SECONDS
    ) -> HubClient:
        context = pki.client_context(ca_pem, pki.IssuedKeyPair(cert_pem, key_pem))
        return HubClient(url, context, deadline)

    def close(self) -> None:
        self._http.close()

    def get(self, path: str) -> dict[str, Any]:
        return self.call("GET", path)

    def post(
        self, path: str, body: dict[str, Any] | None = None, actor_token: str | None = None
    ) -> dict[str, Any]:
        return self.call("POST", path, body or {}, actor_token)

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        actor_token: str | None = None,
    ) -> dict[str, Any]:
        headers = {ACTOR_HEADER: actor_token} if actor_token else {}
        content = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            with within(time.monotonic() + self._deadline):
                response = self._http.request(method, path, content=content, headers=headers)
        except (httpx.TransportError, ssl.SSLError, OSError) as exc:
            tls = tls_failure(exc)
            if tls is not None:
                log.warning("hub.not_proven", extra={"error_class": type(tls).__name__})
                raise HubNotProven(not_proven(tls)) from None
            log.warning("hub.unreachable", extra={"error_class": type(exc).__name__})
            raise HubUnreachable(
                "The practice hub cannot be reached (it did not answer in time or refused the "
                "connection). Check that the hub PC is on and on the network."
            ) from None
        return _answer(response)


def _answer(response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    if status >= 500:
        log.warning("hub.server_error", extra={"status": status})
        raise HubUnreachable(
            f"The practice hub had a problem answering (HTTP {status}). Try again in a minute; "
            "if it goes on, ask IT to look at the hub."
        )
    if len(response.content) > MAX_ANSWER:
        raise HubUnreachable("The practice hub sent an answer too large to be one of its own.")
    try:
        data = response.json() if response.content else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise HubUnreachable("The practice hub sent an answer that is not its own (not JSON).")
    if status < 400:
        return data
    code = str(data.get("error") or f"http_{status}")
    said = str(data.get("message") or "")
    if status == 403 and code == "revoked":
        raise HubRevoked(REVOKED, code, status)
    if status == 401 and code == "certificate_required":
        raise HubRefused(
            "The practice hub did not accept this PC's certificate. Ask IT to join this PC to "
            "the practice again ('enamel-admin join CODE').",
            code,
            status,
        )
    if status in (401, 403):
        raise HubRefused(said or "The practice hub refused this request.", code, status)
    raise HubRefused(said or f"The practice hub refused the request (HTTP {status}).", code, status)
