"""Where this PC's compliance tools read entries and alerts: its own trail, or the practice hub's."""

from __future__ import annotations

from app.bootstrap import Services
from services.audit.sources import EntrySource, LocalEntrySource
from services.compliance.alerts import PracticeAlerts


def entry_source(services: Services) -> EntrySource:
    """A joined PC: the practice's entries from the hub plus its own not there yet; a single
    PC: its own trail (the whole practice)."""
    local = LocalEntrySource(services.trail)
    hub = services.hub
    if hub is None:
        return local
    from services.hub.practice_source import PracticeEntrySource

    return PracticeEntrySource(
        hub.client, hub.actor_token, local, services.installation.workstation_id
    )


def practice_alerts(services: Services) -> PracticeAlerts | None:
    """A joined PC's alerts are the practice's, raised and kept by the hub."""
    hub = services.hub
    if hub is None:
        return None
    from services.hub.practice_source import HubAlerts

    return HubAlerts(
        hub.client,
        hub.actor_token,
        connected=lambda: not hub.mode.away,
        monotonic=services.clock.monotonic,
    )
