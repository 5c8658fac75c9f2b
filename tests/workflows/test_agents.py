"""The recall and waitlist scans run as agent actors through the gateway, and are audited so."""

from __future__ import annotations

from datetime import date

from app.bootstrap import Services
from app.desk import build_desk
from services.audit import AuditEntry
from services.pms.opendental import OpenDentalClient
from services.pms.simulator import SimulatorServer, SyntheticPractice
from services.workflows.agents import scan


def test_scans_are_agent_reads_with_their_purpose(services: Services) -> None:
    sim = SimulatorServer(SyntheticPractice(today=date(2026, 11, 23)), page_size=1000).start()
    client = OpenDentalClient(sim.url, sim.developer_key, sim.customer_key, page_size=1000)
    try:
        desk = build_desk(services, client)
        result = scan(desk.recall, desk.waitlist, date(2026, 11, 23))
    finally:
        client.close()
        sim.stop()
    assert result.overdue_recalls > 0 and result.waitlist_offers > 0
    rows = [AuditEntry.from_row(*r).data for r in services.trail.repository.rows()]
    by_actor = {(r["actor_id"], r["purpose"]) for r in rows}
    assert ("agent_recall_scanner", "recall_reminders") in by_actor
    assert ("agent_waitlist_scanner", "waitlist") in by_actor
    assert {r["actor_type"] for r in rows} == {"agent"}
