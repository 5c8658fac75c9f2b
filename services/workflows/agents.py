"""Background scans that act as `agent` actors, under the same rules and audit as people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.access import Actor
from services.workflows.recall import RecallService
from services.workflows.waitlist import WaitlistService

RECALL_AGENT = Actor.agent("recall_scanner")
WAITLIST_AGENT = Actor.agent("waitlist_scanner")


@dataclass(frozen=True)
class ScanResult:
    overdue_recalls: int
    waitlist_offers: int


def scan(recall: RecallService, waitlist: WaitlistService, today: date) -> ScanResult:
    """Count overdue recalls and open-slot offers; the counts feed the desk's badges.

    Each read goes through the PHI gateway as an agent, so the audit trail shows which
    job read what and why, exactly as it does for people.
    """
    overdue = recall.overdue(RECALL_AGENT)
    entries = waitlist.entries(WAITLIST_AGENT)
    offers = waitlist.offers(WAITLIST_AGENT, entries, today + timedelta(days=1))
    return ScanResult(len(overdue), len(offers))
