"""Booking from the recall row through the real recall page against the demo's simulator:
the first free time of a hygienist is offered in the schedule's booking dialog (checked, a
start inside the free range, asked before it is written), the appointment is created with
Appointments POST and read back from the simulator, and the recall leaves the list (issue 17)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from PySide6.QtWidgets import QMessageBox

from app.gui import Running
from tests.ui.desk_support import opened_dialog, screenshot, sign_in
from ui.workflows.rebooking import BookingPage

pytestmark = pytest.mark.ui
FMT = "%Y-%m-%d %H:%M:%S"


def api(running: Running, path: str, **params: Any) -> Any:
    sim = running.sim
    assert sim is not None
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    answer = httpx.get(f"{sim.url}{path}", params=params, headers=headers, timeout=10)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.json()


def busy(running: Running, start: datetime, end: datetime, people: set[int], op: int) -> list[int]:
    """Appointments holding the chair or one of the people at that time (the new one aside)."""
    assert running.sim is not None
    found = []
    for a in running.sim.practice.appointments.values():
        if a["AptStatus"] not in ("Scheduled", "Complete", "ASAP"):
            continue
        s = datetime.strptime(a["AptDateTime"], FMT)
        if not (s < end and start < s + timedelta(minutes=len(a["Pattern"]) * 5)):
            continue
        if a["Op"] == op or people & {a["ProvNum"], a.get("ProvHyg") or 0}:
            found.append(a["AptNum"])
    return found


def test_a_recall_is_booked_from_its_row_through_the_check_and_leaves_the_list(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    window.resize(1366, 768)
    page = window.open_page("recall")
    assert isinstance(page, BookingPage)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    item = page.model.rows[0]
    pat_num = item.recall.pat_num
    before = {a["AptNum"] for a in api(running, "/appointments", PatNum=pat_num)}
    assert running.sim is not None
    running.sim.requests.clear()

    page.select_row(0)
    page.action_buttons["Book…"].click()
    dialog = opened_dialog(qtbot, page)
    assert [m for m, _ in running.sim.requests if m in ("PUT", "POST")] == [], "asked first"
    request = dialog.request()
    tomorrow = running.services.calendar.today() + timedelta(days=1)
    assert request.start.date() >= tomorrow
    assert dialog.last_check is not None and dialog.last_check.ok, dialog.verdict.text()
    assert "Free:" in dialog.verdict.text() and "Free range" in dialog.verdict.text()
    people = request.people()
    assert request.is_hygiene and people
    assert busy(running, request.start, request.end, people, request.op_num) == []
    assert item.recall.patient_name and item.recall.patient_name in dialog.describe(request)
    qtbot.wait(100)  # the verdict's text laid out
    screenshot(dialog, "recall-book-dialog-1366x768.png")

    dialog.commit_button.click()
    box = dialog.question
    assert box is not None and box.isVisible()
    assert box.text().startswith("Book ") and f"{request.start:%H:%M}" in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: not dialog.committing, timeout=30000)
    assert not dialog.error.isVisible(), dialog.error.text()
    qtbot.waitUntil(lambda: "Booked" in page.banner.text(), timeout=30000)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)

    # Open Dental has the appointment (Appointments POST), read back over its API.
    (created,) = [
        a for a in api(running, "/appointments", PatNum=pat_num) if a["AptNum"] not in before
    ]
    assert created["AptDateTime"] == request.start.strftime(FMT)
    assert created["Op"] == request.op_num and created["AptStatus"] == "Scheduled"
    assert created["IsHygiene"] == "true" and created["ProvHyg"] == request.prov_hyg
    assert len(created["Pattern"]) * 5 == request.minutes
    assert ("POST", "/api/v1/appointments") in running.sim.requests
    # The booked time holds nobody else (the one booking check of the schedule).
    assert busy(running, request.start, request.end, people, request.op_num) == [created["AptNum"]]
    # The recall's call is noted in Open Dental, and the row is gone from Enamel's list.
    notes = [c["Note"] for c in api(running, "/commlogs", PatNum=pat_num)]
    assert any(n.startswith("Recall reminder call: appointment scheduled.") for n in notes)
    assert item.recall.recall_num not in {r.recall.recall_num for r in page.model.rows}
    page.refresh_button.click()
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert item.recall.recall_num not in {r.recall.recall_num for r in page.model.rows}
    assert page.model.rows, "the other overdue recalls are still listed"


def test_a_time_taken_meanwhile_is_refused_with_the_reason_and_nothing_is_created(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("recall")
    assert isinstance(page, BookingPage)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    item = page.model.rows[0]
    page.select_row(0)
    page.action_buttons["Book…"].click()
    dialog = opened_dialog(qtbot, page)
    request = dialog.request()
    sim = running.sim
    assert sim is not None
    with sim.practice.lock:  # someone at Open Dental books the chair first
        other = dict(next(iter(sim.practice.appointments.values())))
        other.update(
            AptNum=max(sim.practice.appointments) + 1,
            AptDateTime=request.start.strftime(FMT),
            Op=request.op_num,
            AptStatus="Scheduled",
            Pattern="X" * (request.minutes // 5),
        )
        sim.practice.appointments[other["AptNum"]] = other
    sim.requests.clear()
    dialog.commit_button.click()
    box = dialog.question
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=30000)
    assert dialog.error.text().startswith("Not booked:") and "is booked" in dialog.error.text()
    assert ("POST", "/api/v1/appointments") not in sim.requests
    assert [m for m, _ in sim.requests if m in ("PUT", "POST")] == []
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert item.recall.recall_num in {r.recall.recall_num for r in page.model.rows}
