"""The hub's routes for the practice-wide compliance tools (docs/hub-protocol.md, "Practice audit").

`POST /v1/practice/entries`, `POST /v1/practice/alerts`, `POST /v1/practice/alerts/acknowledge`
and `GET /v1/practice/alerts/count`; each (but the count) with the person's `X-Enamel-Actor`.
Also the hub's entry index and breach engine: built once, fed by the batch inbox, and caught up
at start-up over any stored batch not indexed yet.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.hub.server import ACTOR_HEADER, EXECUTOR_KEY, HUB_KEY, _blocking, _body, _workstation
from services.hub.entry_index import EntryIndex
from services.hub.practice_audit import PracticeAudit
from services.hub.service import HubServices
from storage.compliance_repo import ComplianceRepository
from storage.hub_batches_repo import HubBatchRepository
from storage.hub_entries_repo import HubEntryRepository

PRACTICE_KEY = web.AppKey("practice_audit", list)


def _build(hub: HubServices) -> tuple[EntryIndex, PracticeAudit]:
    from services.archive.setup import archive_keys
    from services.compliance.breach.config import SettingsRuleConfig
    from services.compliance.breach.engine import AlertEngine
    from services.compliance.facts import AccountDirectoryFacts

    db = hub.installation.db
    alerts = ComplianceRepository(db)
    rules = ComplianceRepository(db, trail_table="hub_entries")

    def setting(name: str) -> str | None:
        return hub.settings.read()[0].get(name) or hub.installation.settings.get(name)

    engine = AlertEngine(
        hub.trail,
        rules,
        hub.clock,
        config=SettingsRuleConfig(setting, hub.clock),
        users=AccountDirectoryFacts(hub.accounts),
    )
    # The engine stores alerts through `rules`; its alert table is the hub's one table.
    index = EntryIndex(
        HubEntryRepository(db), HubBatchRepository(db), archive_keys(hub.installation), engine
    )

    def names() -> dict[str, str]:
        listed = {w.workstation_id: w.name for w in hub.repo.workstations()}
        return {**listed, hub.installation.workstation_id: "Practice hub"}

    audit = PracticeAudit(HubEntryRepository(db), alerts, hub.tokens, hub.trail, hub.clock, names)
    return index, audit


def practice(app: web.Application) -> tuple[EntryIndex, PracticeAudit]:
    """Built on the database thread at first use."""
    held: list[tuple[EntryIndex, PracticeAudit]] = app[PRACTICE_KEY]
    if not held:
        held.append(_build(app[HUB_KEY]))
    return held[0]


async def _catch_up(app: web.Application) -> None:
    import asyncio

    loop = asyncio.get_running_loop()

    def catch_up() -> None:
        index = practice(app)[0]
        index.include_own(app[HUB_KEY].trail)
        index.catch_up()

    await loop.run_in_executor(app[EXECUTOR_KEY], catch_up)


def _asker(request: web.Request) -> tuple[str | None, str]:
    return request.headers.get(ACTOR_HEADER), _workstation(request).workstation_id


async def post_entries(request: web.Request) -> web.Response:
    body = await _body(request)
    token, ws = _asker(request)
    audit = practice(request.app)[1]
    answer: dict[str, Any] = await _blocking(request, lambda: audit.entries(token, ws, body))
    return web.json_response(answer)


async def post_alerts(request: web.Request) -> web.Response:
    body = await _body(request)
    token, ws = _asker(request)
    audit = practice(request.app)[1]
    return web.json_response(await _blocking(request, lambda: audit.alerts(token, ws, body)))


async def post_acknowledge(request: web.Request) -> web.Response:
    body = await _body(request)
    token, ws = _asker(request)
    audit = practice(request.app)[1]
    return web.json_response(await _blocking(request, lambda: audit.acknowledge(token, ws, body)))


async def get_count(request: web.Request) -> web.Response:
    audit = practice(request.app)[1]
    return web.json_response(await _blocking(request, audit.count))


def add_practice_routes(app: web.Application) -> None:
    app[PRACTICE_KEY] = []
    app.on_startup.append(_catch_up)
    app.router.add_post("/v1/practice/entries", post_entries)
    app.router.add_post("/v1/practice/alerts", post_alerts)
    app.router.add_post("/v1/practice/alerts/acknowledge", post_acknowledge)
    app.router.add_get("/v1/practice/alerts/count", get_count)
