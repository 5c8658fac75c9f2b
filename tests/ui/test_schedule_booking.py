"""Book, move, break and confirm from the schedule through the real windows, against the
demo's simulator over HTTP, each read back from the simulator; double bookings refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTime
from PySide6.QtWidgets import QMessageBox

from app.gui import Running
from services.access import Actor
from services.audit import AuditEntry
from services.workflows.appointment import AppointmentAction
from tests.ui.desk_support import sign_in
from ui.schedule.booking_dialog import BookingDialog
from ui.schedule.change_dialogs import BreakDialog, ConfirmDialog
from ui.schedule.page import SchedulePage

pytestmark = pytest.mark.ui
FMT = "%Y-%m-%d %H:%M:%S"


def entries(running: Running) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]


def tomorrow(qtbot: Any, running: Running) -> SchedulePage:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.page("schedule")
    assert isinstance(page, SchedulePage)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    page.next_button.click()  # the pinned Monday afternoon is half past: work on Tuesday
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    return page


def actor(running: Running) -> Actor:
    session = running.shell.session
    assert session is not None
    return session.actor


def conflicts_now(running: Running, day: date) -> int:
    assert running.desk is not None
    return len(running.desk.conflicts.find(actor(running), day, day))


def booking_dialog(qtbot: Any, page: SchedulePage) -> BookingDialog:
    assert page.flows is not None
    qtbot.waitUntil(lambda: isinstance(page.flows.dialog, BookingDialog), timeout=20000)
    dialog = page.flows.dialog
    assert isinstance(dialog, BookingDialog) and dialog.parent() is page.window()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    return dialog


def take_offer(qtbot: Any, dialog: BookingDialog) -> None:
    found = dialog.last_check
    assert found is not None
    if not found.ok:
        assert found.offered is not None, found.problems
        dialog.offer_button.click()
        qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    assert dialog.last_check is not None and dialog.last_check.ok, dialog.verdict.text()


def say_yes(qtbot: Any, dialog: BookingDialog) -> None:
    assert dialog.commit_button.isEnabled()
    dialog.commit_button.click()
    box = dialog.question
    assert box is not None and box.isVisible() and box.parent() is dialog
    box.button(QMessageBox.StandardButton.Yes).click()


def free_spot(page: SchedulePage, column: int) -> int:
    """A minute of the day in `column` that no block covers (the grid's free time)."""
    model = page.view.model()
    assert model is not None
    taken = [
        (b.start.hour * 60 + b.start.minute, b.start.hour * 60 + b.start.minute + b.minutes)
        for b in model.blocks
        if b.column == column
    ]
    return next(m for m in range(9 * 60, 17 * 60, 5) if not any(a <= m < z for a, z in taken))


def stored_on(running: Running, day: date) -> list[dict[str, Any]]:
    assert running.sim is not None
    return [
        a for a in running.sim.practice.appointments.values()
        if a["AptDateTime"].startswith(day.isoformat())
    ]  # fmt: skip


def test_book_into_free_time_with_the_offered_start_and_read_it_back(
    qtbot: Any, running: Running
) -> None:
    page = tomorrow(qtbot, running)
    day = page.current_day()
    before = conflicts_now(running, day)
    known = {a["AptNum"] for a in stored_on(running, day)}
    # Double-click free time in Op 1 (the dialog offers what is free around it).
    minute = free_spot(page, 1)
    spot = page.view.slot_point(1, minute).toPoint()
    qtbot.mouseDClick(page.view, Qt.MouseButton.LeftButton, pos=spot)
    dialog = booking_dialog(qtbot, page)
    asked = dialog.request()
    assert asked.op_num == 1 and asked.start.hour * 60 + asked.start.minute == minute
    assert not dialog.commit_button.isEnabled(), "no patient chosen yet"
    dialog.search_edit.setText("Brightwater")
    dialog.search_button.click()
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=20000)
    dialog.results.setCurrentRow(0)
    assert dialog.patient is not None
    patient = dialog.patient
    take_offer(qtbot, dialog)
    request = dialog.last_check.request if dialog.last_check else None
    assert request is not None
    say_yes(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    new = [a for a in stored_on(running, day) if a["AptNum"] not in known]
    assert len(new) == 1
    stored = new[0]
    assert stored["PatNum"] == patient.pat_num and stored["Op"] == 1
    assert stored["AptDateTime"] == request.start.strftime(FMT)
    assert stored["ProvNum"] == request.prov_num and len(stored["Pattern"]) * 5 == request.minutes
    assert "Booked" in page.notice.text()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    model = page.view.model()
    assert model is not None and any(b.key == stored["AptNum"] for b in model.blocks)
    assert conflicts_now(running, day) == before, "an Enamel booking adds no conflict"
    rows = [e for e in entries(running) if e["action"] == "appointment_book"]
    assert [(r["outcome"], r["purpose"]) for r in rows] == [("success", "schedule")]
    assert patient.name and patient.name.split()[-1] not in str(entries(running))


def test_a_double_booking_of_a_provider_or_hygienist_is_refused_with_the_reason(
    qtbot: Any, running: Running
) -> None:
    page = tomorrow(qtbot, running)
    day = page.current_day()
    busy = next(
        a for a in stored_on(running, day)
        if a["ProvNum"] == 1 and a["Op"] in (2, 3) and a["AptStatus"] == "Scheduled"
    )  # fmt: skip
    start = datetime.strptime(busy["AptDateTime"], FMT)
    page._book_at(1, start.hour * 60 + start.minute)
    dialog = booking_dialog(qtbot, page)
    dialog.prov_box.setCurrentIndex(dialog.prov_box.findData(1))
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    assert dialog.last_check is not None and not dialog.last_check.ok
    assert f"DrA is booked {start:%H:%M}" in dialog.verdict.text()
    assert f"in Op {busy['Op']}" in dialog.verdict.text()
    assert not dialog.commit_button.isEnabled()
    dialog.reject()
    # A hygienist (ProvHyg) busy in one hygiene chair cannot be booked into another.
    hyg = next(
        a for a in stored_on(running, day)
        if a["IsHygiene"] == "true" and a["ProvHyg"] and a["AptStatus"] == "Scheduled"
    )  # fmt: skip
    start = datetime.strptime(hyg["AptDateTime"], FMT)
    other = next(op for op in (6, 7, 8) if op != hyg["Op"])
    page._book_at(other, start.hour * 60 + start.minute)
    dialog = booking_dialog(qtbot, page)
    dialog.hygiene.setChecked(True)
    dialog.hyg_box.setCurrentIndex(dialog.hyg_box.findData(hyg["ProvHyg"]))
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    abbr = {3: "HygC", 4: "HygD"}[hyg["ProvHyg"]]
    assert f"{abbr} is booked {start:%H:%M}" in dialog.verdict.text()
    assert not dialog.commit_button.isEnabled()
    # Booked behind Enamel's back between the check and the yes: refused when written.
    dialog.reject()
    page._book_at(1, 16 * 60)
    dialog = booking_dialog(qtbot, page)
    dialog.search_edit.setText("Brightwater")
    dialog.search_button.click()
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=20000)
    dialog.results.setCurrentRow(0)
    take_offer(qtbot, dialog)
    request = dialog.last_check.request if dialog.last_check else None
    assert request is not None and running.sim is not None
    practice = running.sim.practice
    with practice.lock:
        apt_num = max(practice.appointments) + 1
        practice.appointments[apt_num] = practice._appointment(
            apt_num, 1001, request.start, request.minutes // 5, 2, request.prov_num,
            "Scheduled", "Comp Filling", False, confirmed=False, asap=False,
        )  # fmt: skip
    posts = sum(1 for m, _ in running.sim.requests if m == "POST")
    say_yes(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.committing and not dialog.checking, timeout=20000)
    assert dialog.isVisible() and "Not booked:" in dialog.error.text()
    assert (
        f"is booked {request.start:%H:%M}" in dialog.error.text() and "Op 2" in dialog.error.text()
    )
    assert "cannot be booked" in dialog.verdict.text() and not dialog.commit_button.isEnabled()
    assert sum(1 for m, _ in running.sim.requests if m == "POST") == posts


def test_move_by_cut_and_paste_and_from_the_appointment_window(
    qtbot: Any, running: Running
) -> None:
    page = tomorrow(qtbot, running)
    day = page.current_day()
    before = conflicts_now(running, day)
    model = page.view.model()
    assert model is not None
    block = next(b for b in model.blocks if b.status == "Scheduled" and b.column <= 5)
    page.view.setFocus()
    page.view.select(block.key)
    qtbot.keyClick(page.view, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert page.flows is not None and page.flows.cut == block.key
    # Paste in Op 4 at 15:00 through the context menu on free time.
    page.view.contextRequested.emit(0, 4, 15 * 60, QPoint(5, 5))
    assert page.menu is not None
    paste = next(a for a in page.menu.actions() if a.text().startswith("Paste here"))
    paste.trigger()
    dialog = booking_dialog(qtbot, page)
    assert dialog.request().moving == block.key and dialog.request().op_num == 4
    take_offer(qtbot, dialog)
    target = dialog.last_check.request if dialog.last_check else None
    assert target is not None
    say_yes(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    assert running.sim is not None
    stored = running.sim.practice.appointments[block.key]
    assert stored["Op"] == 4 and stored["AptDateTime"] == target.start.strftime(FMT)
    assert conflicts_now(running, day) == before
    # Again from the appointment window: Move… then a later start in the same chair.
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    window = page.open_appointment(block.key)
    assert window is not None
    qtbot.waitUntil(lambda: not window.loading, timeout=20000)
    window.action_buttons[AppointmentAction.MOVE].click()
    dialog = booking_dialog(qtbot, page)
    dialog.time_edit.setTime(QTime(16, 0))
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    take_offer(qtbot, dialog)
    target = dialog.last_check.request if dialog.last_check else None
    assert target is not None
    say_yes(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    assert running.sim.practice.appointments[block.key]["AptDateTime"] == target.start.strftime(FMT)
    rows = [e for e in entries(running) if e["action"] == "appointment_move"]
    assert [r["outcome"] for r in rows] == ["success", "success"]


def test_break_and_confirm_from_the_appointment_window(qtbot: Any, running: Running) -> None:
    page = tomorrow(qtbot, running)
    model = page.view.model()
    assert model is not None and running.sim is not None
    unconfirmed = [b for b in model.blocks if b.status == "Scheduled" and not b.confirmed]
    first, second = unconfirmed[0].key, unconfirmed[1].key
    window = page.open_appointment(first)
    assert window is not None
    qtbot.waitUntil(lambda: not window.loading, timeout=20000)
    window.action_buttons[AppointmentAction.CONFIRM].click()
    assert page.flows is not None
    confirm = page.flows.dialog
    assert isinstance(confirm, ConfirmDialog) and confirm.parent() is page.window()
    confirm.ok_button.click()
    qtbot.waitUntil(lambda: not confirm.isVisible(), timeout=20000)
    assert running.sim.practice.appointments[first]["confirmed"] == "Appointment Confirmed"
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    model = page.view.model()
    assert model is not None and next(b for b in model.blocks if b.key == first).confirmed

    window = page.open_appointment(second)
    assert window is not None
    qtbot.waitUntil(lambda: not window.loading, timeout=20000)
    window.action_buttons[AppointmentAction.BREAK].click()
    broken = page.flows.dialog
    assert isinstance(broken, BreakDialog)
    broken.missed.setChecked(True)
    assert broken.to_list.isChecked()  # Open Dental's usual: to the Unscheduled List
    broken.ok_button.click()
    qtbot.waitUntil(lambda: not broken.isVisible(), timeout=20000)
    assert running.sim.practice.appointments[second]["AptStatus"] == "UnschedList"
    assert "Broken (missed)" in page.notice.text()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    model = page.view.model()
    assert model is not None and all(b.key != second for b in model.blocks)
    actions = [(e["action"], e["outcome"]) for e in entries(running)]
    assert ("appointment_confirm", "success") in actions
    assert ("appointment_break", "success") in actions
