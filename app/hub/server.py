"""The hub's HTTPS server (aiohttp): every path of docs/hub-protocol.md."""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiohttp import web

from app.bootstrap import VERSION
from errors import EnamelError
from services.auth.local_directory import PasswordCheck
from services.hub import pki
from services.hub.adopt import adopt
from services.hub.directory_rpc import METHODS, HashCheck
from services.hub.errors import HubError, bad_request, forbidden
from services.hub.reconcile import reconcile
from services.hub.service import HubServices
from services.hub.settings import may_administer
from storage.hub_repo import WorkstationRow

log = logging.getLogger("app.hub")

MAX_BODY = 1024 * 1024
OPEN_PATHS = frozenset({"/v1/ca", "/v1/join"})
ACTOR_HEADER = "X-Enamel-Actor"
T = TypeVar("T")

HUB_KEY = web.AppKey("hub", HubServices)
EXECUTOR_KEY = web.AppKey("executor", ThreadPoolExecutor)
HASHING_KEY = web.AppKey("hashing", ThreadPoolExecutor)  # no database on these threads
WORKSTATION_KEY = "enamel.workstation"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _route(request: web.Request) -> str:
    """The route's template (`/v1/directory/{method}`): never a value from the request."""
    resource = request.match_info.route.resource
    if resource is None:
        return "unknown"
    method = request.match_info.get("method")
    if method is not None:  # only a method the hub knows is named
        return f"/v1/directory/{method if method in METHODS else 'unknown'}"
    return resource.canonical


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


async def _blocking(request: web.Request, work: Callable[[], T]) -> T:
    """Every database call runs on the hub's one database thread: each is one transaction,
    in order, so `accept_totp_code` is atomic practice-wide. Only the Argon2 work of a
    password check runs elsewhere (`HASHING_KEY`), between two steps that run here."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(request.app[EXECUTOR_KEY], work)


def _peer_der(request: web.Request) -> bytes | None:
    transport = request.transport
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if not isinstance(ssl_object, ssl.SSLObject):
        return None
    der: bytes | None = ssl_object.getpeercert(binary_form=True)
    return der


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Errors as the protocol's JSON; the client certificate checked on every other path."""
    hub = request.app[HUB_KEY]
    try:
        if request.path not in OPEN_PATHS:
            der = _peer_der(request)
            request[WORKSTATION_KEY] = await _blocking(request, lambda: hub.registry.check(der))
        return await handler(request)
    except HubError as exc:
        log.info(
            "hub.refused",
            extra={"path_template": _route(request), "status": exc.status, "outcome": exc.code},
        )
        return _error(exc.status, exc.code, exc.message)
    except web.HTTPRequestEntityTooLarge:
        return _error(413, "too_large", "The request is larger than 1 MiB.")
    except web.HTTPException as exc:
        return _error(exc.status, "http", exc.reason)
    except EnamelError as exc:
        log.warning(
            "hub.failed",
            extra={"path_template": _route(request), "error_class": type(exc).__name__},
        )
        return _error(500, "hub_error", exc.message)
    except Exception as exc:
        log.error(
            "hub.crashed",
            extra={"path_template": _route(request), "error_class": type(exc).__name__},
        )
        return _error(500, "hub_error", "The hub could not answer; see its log.")


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()  # aiohttp refuses more than client_max_size (413)
    try:
        data = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad_request("The body is not JSON.") from exc
    if not isinstance(data, dict):
        raise bad_request("The body is a JSON object.")
    return data


def _workstation(request: web.Request) -> WorkstationRow:
    row: WorkstationRow = request[WORKSTATION_KEY]
    return row


async def get_ca(request: web.Request) -> web.Response:
    return web.json_response({"ca_pem": request.app[HUB_KEY].config.ca.cert_pem})


async def post_join(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    body = await _body(request)
    fields = ("token", "name", "workstation_id", "csr_pem", "wrap_public_key")
    if not all(isinstance(body.get(f), str) for f in fields):
        raise bad_request("A join names token, name, workstation_id, csr_pem and wrap_public_key.")
    joined = await _blocking(request, lambda: hub.registry.join(*(str(body[f]) for f in fields)))
    log.info("hub.joined", extra={"workstation_id": joined.workstation_id})
    return web.json_response(
        {
            "workstation_id": joined.workstation_id,
            "practice_id": hub.practice_id,
            "cert_pem": joined.cert_pem,
            "ca_pem": hub.config.ca.cert_pem,
            "wrapped_keys": joined.wrapped_keys,
        }
    )


async def post_directory(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    method = request.match_info["method"]
    body = await _body(request)
    token = request.headers.get(ACTOR_HEADER)
    ws = _workstation(request).workstation_id
    answer = await _blocking(
        request, lambda: hub.directory.call(method, body.get("args", {}), token, ws)
    )
    if isinstance(answer, HashCheck):  # the Argon2 work off the database thread
        pending = answer
        checked = await asyncio.get_running_loop().run_in_executor(
            request.app[HASHING_KEY], lambda: _timed_check(pending)
        )
        answer = await _blocking(request, lambda: pending.finish(checked))
    return web.json_response(answer)


def _timed_check(pending: HashCheck) -> PasswordCheck:
    began = time.perf_counter()
    checked = pending.check()
    log.info(
        "hub.password_checked",
        extra={
            "duration_ms": round((time.perf_counter() - began) * 1000, 1),
            "component": threading.current_thread().name,
        },
    )
    return checked


async def post_sessions_check(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    body = await _body(request)
    tokens = body.get("actor_tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise bad_request("'actor_tokens' is a list of strings.")
    ws = _workstation(request).workstation_id
    ended = await _blocking(request, lambda: hub.tokens.ended(tokens[:500], ws))
    return web.json_response({"ended": ended})


async def post_sessions_end(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    body = await _body(request)
    token = body.get("actor_token")
    if not isinstance(token, str):
        raise bad_request("'actor_token' is a string.")
    ws = _workstation(request).workstation_id
    if await _blocking(request, lambda: hub.tokens.actor(token, ws)) is not None:
        await _blocking(request, lambda: hub.tokens.end(token))
    return web.json_response({"ended": True})


async def get_settings(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    values, version = await _blocking(request, hub.settings.read)
    return web.json_response({"settings": values, "version": version})


async def put_settings(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    body = await _body(request)
    name, value = body.get("name"), body.get("value")
    if not isinstance(name, str) or not isinstance(value, str):
        raise bad_request("A setting is {name, value}, both strings.")
    ws = _workstation(request).workstation_id
    token = request.headers.get(ACTOR_HEADER)
    actor = await _blocking(request, lambda: hub.tokens.actor(token, ws))
    if actor is None or not may_administer(actor):
        raise forbidden(
            "Changing a practice setting needs the sign-in of an office manager or IT "
            "administrator.",
            "actor_required",
        )
    version = await _blocking(request, lambda: hub.settings.set(actor, name, value))
    values, _ = await _blocking(request, hub.settings.read)
    return web.json_response({"settings": values, "version": version})


async def post_reconcile(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    body = await _body(request)
    ws = _workstation(request).workstation_id
    conflicts = await _blocking(request, lambda: reconcile(hub.repo, body.get("uses"), ws))
    if conflicts:
        log.warning("hub.offline_conflicts", extra={"workstation_id": ws, "count": len(conflicts)})
    return web.json_response({"conflicts": conflicts})


async def post_adopt(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    body = await _body(request)
    ws = _workstation(request).workstation_id
    count = await _blocking(request, lambda: adopt(hub.accounts, hub.trail, body, ws))
    return web.json_response({"adopted": count})


async def get_health(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    return web.json_response(
        {
            "practice_id": hub.practice_id,
            "hub_time": hub.clock.now().isoformat(),
            "version": VERSION,
        }
    )


def make_app(
    hub: HubServices, executor: ThreadPoolExecutor, hashing: ThreadPoolExecutor
) -> web.Application:
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    app[HUB_KEY] = hub
    app[EXECUTOR_KEY] = executor
    app[HASHING_KEY] = hashing
    app.router.add_get("/v1/ca", get_ca)
    app.router.add_post("/v1/join", post_join)
    app.router.add_post("/v1/directory/{method}", post_directory)
    app.router.add_post("/v1/sessions/check", post_sessions_check)
    app.router.add_post("/v1/sessions/end", post_sessions_end)
    app.router.add_get("/v1/settings", get_settings)
    app.router.add_put("/v1/settings", put_settings)
    app.router.add_post("/v1/offline/reconcile", post_reconcile)
    app.router.add_post("/v1/adopt", post_adopt)
    app.router.add_get("/v1/health", get_health)
    from app.hub.batch_routes import add_batch_routes

    add_batch_routes(app)
    from app.hub.practice_routes import add_practice_routes

    add_practice_routes(app)
    return app


def tls_context(hub: HubServices) -> ssl.SSLContext:
    return pki.server_context(hub.config.ca.cert_pem, hub.config.server)
