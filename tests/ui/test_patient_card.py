"""The patient card from the look-up (issue 18): chart number and birth date beside the name,
and the last and next appointment read from the demo's simulator, through the real windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit

from app.gui import Running
from services.audit import AuditEntry
from tests.ui.desk_support import screenshot, sign_in
from ui.workflows.patients import LookupPage

pytestmark = pytest.mark.ui
FMT = "%Y-%m-%d %H:%M:%S"


def test_the_card_shows_chart_birth_date_and_the_last_and_next_visit(
    qtbot: Any, running: Running
) -> None:
    assert running.sim is not None
    practice = running.sim.practice
    now = running.services.calendar.local(running.services.clock.now()).replace(tzinfo=None)
    visits: dict[int, list[dict[str, Any]]] = {}
    for a in practice.appointments.values():
        visits.setdefault(a["PatNum"], []).append(a)

    def when(a: dict[str, Any]) -> datetime:
        return datetime.strptime(a["AptDateTime"], FMT)

    def last_next(pat: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        done = [a for a in visits[pat] if a["AptStatus"] == "Complete" and when(a) < now]
        coming = [
            a for a in visits[pat] if a["AptStatus"] in ("Scheduled", "ASAP") and when(a) >= now
        ]
        return max(done, key=when, default=None), min(coming, key=when, default=None)

    pat = next(p for p in sorted(visits) if all(last_next(p)))
    last, nxt = last_next(pat)
    assert last is not None and nxt is not None
    patient = practice.patients[pat]

    window = sign_in(qtbot, running, "frontdesk")
    window.resize(1366, 768)
    page = window.open_page("patients")
    assert isinstance(page, LookupPage)
    search = next(
        e for e in page.findChildren(QLineEdit) if e.accessibleName() == "Search for a patient"
    )
    search.setText(f"{patient['LName']}, {patient['FName']}")
    page.reload()
    qtbot.waitUntil(lambda: not page.loading and bool(page.model.rows), timeout=20000)
    row = next(i for i, p in enumerate(page.model.rows) if p.pat_num == pat)
    titles = [c.title for c in page.model.columns]
    assert titles[:3] == ["Name", "Chart", "Birth date"]
    assert page.model.data(page.model.index(row, 1)) == str(pat)
    page.select_row(row)
    page.action_buttons["Open card…"].click()
    qtbot.waitUntil(lambda: page.card_dialog is not None, timeout=5000)
    dialog = page.card_dialog
    assert dialog is not None and dialog.parent() is page.window()
    qtbot.waitUntil(lambda: not dialog.loading, timeout=20000)
    assert dialog.card is not None
    assert dialog.card.last is not None and dialog.card.last.apt_num == last["AptNum"]
    assert dialog.card.next is not None and dialog.card.next.apt_num == nxt["AptNum"]
    assert dialog.fields["Chart number"].text() == str(pat)
    assert dialog.fields["Birth date"].text() != "—"
    assert f"{when(last):%d %b %Y %H:%M}" in dialog.fields["Last visit"].text()
    assert f"{when(nxt):%d %b %Y %H:%M}" in dialog.fields["Next appointment"].text()
    rows = [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]
    card = [e for e in rows if e["action"] == "patient_card"]
    assert card and card[-1]["purpose"] == "schedule" and card[-1]["outcome"] == "success"
    assert patient["LName"] not in str(card)
    screenshot(dialog, "patient-card-1366x768.png")
