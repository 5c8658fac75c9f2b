"""The appointment window from the schedule: opened by double-click, Enter or the context menu,
showing what the role may see (read back against the simulator) and recorded in the trail."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from app.gui import Running
from services.audit import AuditEntry
from services.workflows.appointment import AppointmentAction
from tests.ui.desk_support import sign_in
from ui.schedule.appointment_window import NOT_SHOWN, AppointmentWindow
from ui.schedule.page import SchedulePage

pytestmark = pytest.mark.ui


def entries(running: Running) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]


def schedule_of(qtbot: Any, running: Running, login: str) -> SchedulePage:
    window = sign_in(qtbot, running, login)
    page = window.page("schedule")
    assert isinstance(page, SchedulePage)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    return page


def scheduled_block(page: SchedulePage) -> int:
    model = page.view.model()
    assert model is not None
    return next(b.key for b in model.blocks if b.status == "Scheduled")


def opened(qtbot: Any, page: SchedulePage) -> AppointmentWindow:
    window = page.appointment_window
    assert window is not None
    qtbot.waitUntil(lambda: not window.loading, timeout=20000)
    assert window.isVisible() and window.parent() is page.window()  # the lock can close it
    return window


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_double_click_opens_the_front_desks_view_of_an_appointment(
    qtbot: Any, running: Running
) -> None:
    page = schedule_of(qtbot, running, "frontdesk")
    key = scheduled_block(page)
    rect = page.view.block_rect(key)
    assert rect is not None
    page.scroll_area.ensureVisible(int(rect.center().x()), int(rect.center().y()))
    qtbot.mouseDClick(page.view, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    window = opened(qtbot, page)
    assert running.sim is not None
    stored = running.sim.practice.appointments[key]
    patient = running.sim.practice.patients[stored["PatNum"]]
    today = running.services.calendar.today()
    shown = {name: label.text() for name, label in window.fields.items()}
    assert shown["Patient"] == f"{patient['FName']} {patient['LName']}"
    assert shown["Chart number"] == str(patient["PatNum"])
    assert shown["Age"] == str(age_on(date.fromisoformat(patient["Birthdate"]), today))
    assert shown["Phone"] == patient["WirelessPhone"] and shown["Email"] == patient["Email"]
    assert shown["Procedure"] == stored["ProcDescript"]
    assert shown["Operatory"] == f"Op {stored['Op']}" + (" (Hyg)" if stored["Op"] > 5 else "")
    assert shown["Length"] == f"{len(stored['Pattern']) * 5} minutes"
    assert shown["Status"] == "Scheduled"
    assert stored["Note"] not in shown.values()  # the note is for clinical roles
    assert not window.fields["Note"].isVisibleTo(window)
    assert set(window.action_buttons) == set(AppointmentAction)
    rows = entries(running)
    opened_rows = [r for r in rows if r["action"] == "appointment_open"]
    contact_rows = [r for r in rows if r["action"] == "patient_contact"]
    assert [r["purpose"] for r in opened_rows] == ["schedule"]
    assert [r["purpose"] for r in contact_rows] == ["patient_lookup"]
    assert opened_rows[0]["patient_id"] == contact_rows[0]["patient_id"] != ""
    assert "listed" not in opened_rows[0].get("flags", [])  # a record opened, not a list
    assert patient["LName"] not in str(rows)


def test_enter_and_the_context_menu_open_it_too(qtbot: Any, running: Running) -> None:
    page = schedule_of(qtbot, running, "frontdesk")
    key = scheduled_block(page)
    page.view.setFocus()
    page.view.select(key)
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    first = opened(qtbot, page)
    first.close()
    rect = page.view.block_rect(key)
    assert rect is not None
    page.view.contextRequested.emit(key, 0, 0, QPoint(10, 10))  # as a right-click sends it
    menu = page.menu
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert "Open appointment…" in texts
    next(a for a in menu.actions() if a.text() == "Open appointment…").trigger()
    second = opened(qtbot, page)
    assert second is not first and second.card is not None
    assert second.card.appointment.apt_num == key


def test_a_dentist_sees_the_note_no_contact_and_no_actions(qtbot: Any, running: Running) -> None:
    page = schedule_of(qtbot, running, "dentist")
    key = scheduled_block(page)
    page.open_appointment(key)
    window = opened(qtbot, page)
    assert running.sim is not None
    stored = running.sim.practice.appointments[key]
    shown = {name: label.text() for name, label in window.fields.items()}
    assert shown["Note"] == stored["Note"]
    assert shown["Phone"] == shown["Email"] == shown["Age"] == NOT_SHOWN
    assert shown["Chart number"] == str(stored["PatNum"])
    assert window.action_buttons == {}
    rows = entries(running)
    assert [r["purpose"] for r in rows if r["action"] == "appointment_open"] == [
        "clinical_schedule"
    ]
    assert not [r for r in rows if r["action"] == "patient_contact"]
