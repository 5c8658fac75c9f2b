"""No-show rebooking and the waitlist through the real windows against the demo's simulator:
the open times are free for the provider in every chair, the booking dialog checks the time
and asks before it writes, the result is read back from the simulator and the conflicts list
does not grow (issue 18)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui import Running
from services.access import Actor
from services.audit import AuditEntry
from tests.ui.desk_support import opened_dialog, screenshot, sign_in
from ui.schedule.booking_dialog import BookingDialog
from ui.workflows.rebooking import BookingPage, SlotPicker

pytestmark = pytest.mark.ui
FMT = "%Y-%m-%d %H:%M:%S"


def entries(running: Running) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]


def actor(running: Running) -> Actor:
    assert running.shell.session is not None
    return running.shell.session.actor


def conflicts(running: Running, first: date, days: int) -> int:
    assert running.desk is not None
    found = running.desk.conflicts.find(actor(running), first, first + timedelta(days=days))
    return len(found)


def busy(running: Running, start: datetime, end: datetime, people: set[int]) -> list[int]:
    assert running.sim is not None
    found = []
    for a in running.sim.practice.appointments.values():
        if a["AptStatus"] not in ("Scheduled", "Complete", "ASAP"):
            continue
        if not people & {a["ProvNum"], a.get("ProvHyg") or 0}:
            continue
        s = datetime.strptime(a["AptDateTime"], FMT)
        if s < end and start < s + timedelta(minutes=len(a["Pattern"]) * 5):
            found.append(a["AptNum"])
    return found


def say_yes(qtbot: Any, dialog: BookingDialog) -> str:
    assert dialog.commit_button.isEnabled(), dialog.verdict.text()
    dialog.commit_button.click()
    box = dialog.question
    assert box is not None and box.isVisible()
    asked = box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    return asked


def test_a_no_show_is_rebooked_through_the_check_and_the_question_and_read_back(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    window.resize(1366, 768)
    page = window.open_page("noshows")
    assert isinstance(page, BookingPage)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    row = page.model.rows[0]
    apt = row.appointment
    page.select_row(0)
    tomorrow = running.services.calendar.today() + timedelta(days=1)
    before = conflicts(running, tomorrow, 29)
    assert running.sim is not None
    stored_before = dict(running.sim.practice.appointments[apt.apt_num])
    seen: dict[str, Any] = {}

    def choose_in_picker() -> None:  # the picker runs its own loop (exec)
        picker = QApplication.activeModalWidget()
        if not isinstance(picker, SlotPicker):
            QTimer.singleShot(50, choose_in_picker)
            return
        seen["slots"] = [picker.list.item(i).data(256) for i in range(picker.list.count())]
        assert running.sim is not None
        seen["writes"] = [m for m, _ in running.sim.requests if m in ("PUT", "POST")]
        picker.accept()

    QTimer.singleShot(50, choose_in_picker)
    page.action_buttons["Find a new time…"].click()
    dialog = opened_dialog(qtbot, page)

    slots = seen["slots"]
    assert slots and seen["writes"] == [], "choosing a time writes nothing"
    people = {apt.prov_num, apt.prov_hyg or 0} - {0}
    for slot in slots:  # every time offered is free for the dentist and hygienist everywhere
        assert busy(running, slot.start, slot.start + timedelta(minutes=apt.minutes), people) == []
    slot = slots[0]
    request = dialog.request()
    assert (request.start, request.op_num, request.moving) == (slot.start, slot.op_num, apt.apt_num)
    assert dialog.last_check is not None and dialog.last_check.ok
    assert "Free:" in dialog.verdict.text() and "Free range" in dialog.verdict.text()
    assert running.sim.practice.appointments[apt.apt_num] == stored_before  # not yet written
    qtbot.wait(100)  # the verdict's new text laid out
    screenshot(dialog, "noshow-rebook-dialog-1366x768.png")

    assert dialog.commit_button.text() == "&Rebook…"
    asked = say_yes(qtbot, dialog)
    assert asked.startswith("Rebook ")
    assert apt.patient_name and apt.patient_name in asked and f"{slot.start:%H:%M}" in asked
    qtbot.waitUntil(lambda: "Rescheduled" in page.banner.text(), timeout=20000)
    stored = running.sim.practice.appointments[apt.apt_num]
    assert stored["AptStatus"] == "Scheduled"
    assert stored["AptDateTime"] == slot.start.strftime(FMT)
    assert (stored["Op"], stored["ProvNum"]) == (slot.op_num, apt.prov_num)
    assert conflicts(running, tomorrow, 29) == before, "a no-show rebooking adds no conflict"
    actions = [e["action"] for e in entries(running)]
    assert "booking_check" in actions and "appointment_reschedule" in actions
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert apt.apt_num not in {r.appointment.apt_num for r in page.model.rows}
    screenshot(window, "noshow-rebooked-1366x768.png")


def test_a_waiting_patient_is_booked_from_the_waitlist_and_read_back(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("waitlist")
    assert isinstance(page, BookingPage)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert page.model.rows
    row = page.model.rows[0]
    offer = row.offer
    assert busy(running, offer.start, offer.end, {offer.slot.prov_num}) in (
        [],
        [int(offer.wish.key.removeprefix("asap_"))],  # an ASAP visit moving within its own time
    )
    tomorrow = running.services.calendar.today() + timedelta(days=1)
    before = conflicts(running, tomorrow, 8)
    page.select_row(0)
    page.action_buttons["Book…"].click()
    dialog = opened_dialog(qtbot, page)
    assert dialog.last_check is not None and dialog.last_check.ok, dialog.verdict.text()
    assert dialog.request().start == offer.start
    say_yes(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    assert running.sim is not None
    if row.entry.appointment is not None:
        stored = running.sim.practice.appointments[row.entry.appointment.apt_num]
    else:
        stored = next(
            a
            for a in running.sim.practice.appointments.values()
            if a["PatNum"] == offer.wish.pat_num and a["AptDateTime"] == offer.start.strftime(FMT)
        )
    assert stored["AptDateTime"] == offer.start.strftime(FMT)
    assert stored["Op"] == offer.slot.op_num and stored["AptStatus"] == "Scheduled"
    assert conflicts(running, tomorrow, 8) == before, "a waitlist booking adds no conflict"
