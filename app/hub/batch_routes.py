"""The hub's routes for the workstations' audit chains (docs/hub-protocol.md, "Audit chains").

`POST /v1/batches`, `POST /v1/batches/head`, `GET /v1/batches/{workstation_id}` (names) and
`GET /v1/batches/{workstation_id}/{object}` (bytes, the caller's own only), and
`GET /v1/status/workstations`. The workstation is always the client certificate's CN.
"""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any

from aiohttp import web

from app.hub.server import HUB_KEY, _blocking, _body, _workstation
from services.hub.batches import BatchInbox, chain_status
from services.hub.errors import HubError, forbidden
from services.hub.service import HubServices
from storage.hub_batches_repo import HubBatchRepository

INBOX_KEY = web.AppKey("batch_inbox", list)


def _inbox(request: web.Request) -> BatchInbox:
    """Built on the database thread at first use (the archive keys are read there)."""
    held: list[BatchInbox] = request.app[INBOX_KEY]
    if not held:
        from services.archive.setup import archive_keys
        from services.installation import ARCHIVE_KEY

        hub = request.app[HUB_KEY]
        secrets = hub.installation.secrets

        def keep(kid: str, key: bytes) -> None:
            secrets.put(f"{ARCHIVE_KEY}.{kid}", key, hub.clock.now())

        held.append(
            BatchInbox(
                HubBatchRepository(hub.installation.db),
                hub.practice_id,
                archive_keys(hub.installation),
                hub.clock,
                keep,
            )
        )
        from app.hub.practice_routes import practice

        held[0].on_stored.append(practice(request.app)[0].on_stored)
    return held[0]


def _own(request: web.Request) -> str:
    ws = _workstation(request).workstation_id
    if request.match_info["workstation_id"] != ws:
        raise forbidden("A workstation reads back only its own chain.", "not_yours")
    return ws


async def post_batch(request: web.Request) -> web.Response:
    body = await _body(request)
    ws = _workstation(request).workstation_id
    received = await _blocking(request, lambda: _inbox(request).receive(ws, body))
    return web.json_response(
        {"result": received.result, "first_seq": received.first_seq, "last_seq": received.last_seq}
    )


async def post_keys(request: web.Request) -> web.Response:
    body = await _body(request)
    ws = _workstation(request).workstation_id
    added = await _blocking(request, lambda: _inbox(request).add_keys(ws, body))
    return web.json_response({"added": added})


async def post_head(request: web.Request) -> web.Response:
    body = await _body(request)
    ws = _workstation(request).workstation_id
    end = await _blocking(request, lambda: _inbox(request).report_head(ws, body.get("head_seq")))
    return web.json_response({"ok": True, "last_seq": end})


async def get_names(request: web.Request) -> web.Response:
    ws = _own(request)
    prefix = request.query.get("prefix", "")
    after = request.query.get("after", "")
    names = await _blocking(request, lambda: _inbox(request).names(ws, prefix, after))
    return web.json_response({"names": names})


async def get_object(request: web.Request) -> web.Response:
    ws = _own(request)
    hub = request.app[HUB_KEY]
    name = f"{hub.practice_id}/{ws}/{request.match_info['object']}"
    data = await _blocking(request, lambda: _inbox(request).get(ws, name))
    if data is None:
        raise HubError(404, "not_found", "The hub holds no such object.")
    return web.json_response({"name": name, "data": base64.b64encode(data).decode()})


def _status(hub: HubServices) -> dict[str, Any]:
    from services.hub.archive_status import archive_fields, archive_summary
    from storage.archive_repo import ArchiveRepository
    from storage.hub_forward_repo import HubForwardRepository

    rows = [(w.workstation_id, w.name) for w in hub.repo.workstations() if w.revoked_at is None]
    forward = HubForwardRepository(hub.installation.db)
    cursors = forward.cursors()
    out = []
    for chain in chain_status(HubBatchRepository(hub.installation.db), rows):
        item = asdict(chain)
        item["last_batch_at"] = chain.last_batch_at.isoformat() if chain.last_batch_at else None
        ws = chain.workstation_id
        item.update(archive_fields(cursors.get(ws) or forward.cursor(ws), chain))
        out.append(item)
    archive = archive_summary(forward, ArchiveRepository(hub.installation.db))
    return {"workstations": out, "archive": archive}


async def get_status(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    return web.json_response(await _blocking(request, lambda: _status(hub)))


def add_batch_routes(app: web.Application) -> None:
    app[INBOX_KEY] = []
    app.router.add_post("/v1/batches", post_batch)
    app.router.add_post("/v1/batches/head", post_head)
    app.router.add_post("/v1/batches/keys", post_keys)
    app.router.add_get("/v1/batches/{workstation_id}", get_names)
    app.router.add_get("/v1/batches/{workstation_id}/{object}", get_object)
    app.router.add_get("/v1/status/workstations", get_status)
