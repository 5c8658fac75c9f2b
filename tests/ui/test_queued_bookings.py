"""Booking writes made while Open Dental is stopped, through the real windows (issue 17): the
no-show rebooking and a confirmation are kept, shown as waiting, and land when the simulator
is back (the pms_writes job's round), read back from it, once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui import Running
from services.pms.simulator import SimulatorServer
from services.workflows.appointment import AppointmentAction
from tests.ui.desk_support import sign_in
from ui.schedule.change_dialogs import ConfirmDialog
from ui.schedule.page import SchedulePage
from ui.workflows.rebooking import BookingPage, SlotPicker

pytestmark = pytest.mark.ui
FMT = "%Y-%m-%d %H:%M:%S"


def stop(running: Running) -> tuple[SimulatorServer, int]:
    old = running.sim
    assert old is not None
    port = int(old.url.split(":")[2].split("/")[0])
    old.stop()
    return old, port


def back(running: Running, old: SimulatorServer, port: int) -> SimulatorServer:
    """Open Dental comes back (same address, same office)."""
    server = SimulatorServer(
        old.practice,
        port=port,
        developer_key=old.developer_key,
        customer_key=old.customer_key,
        page_size=old.page_size,
    ).start()
    running.sim = server
    return server


def land(qtbot: Any, running: Running) -> None:
    running.jobs.run_now("pms_writes")
    qtbot.waitUntil(
        lambda: running.jobs.status("pms_writes").message.endswith("nothing waiting"),
        timeout=60000,
    )


def test_a_no_show_rebooked_while_open_dental_is_stopped_waits_and_lands_when_it_is_back(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("noshows")
    assert isinstance(page, BookingPage)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    apt = page.model.rows[0].appointment
    page.select_row(0)

    def choose_in_picker() -> None:
        picker = QApplication.activeModalWidget()
        if not isinstance(picker, SlotPicker):
            QTimer.singleShot(50, choose_in_picker)
            return
        picker.accept()

    QTimer.singleShot(50, choose_in_picker)
    page.action_buttons["Find a new time…"].click()
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=30000)
    dialog = page.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: not dialog.checking, timeout=20000)
    assert dialog.last_check is not None and dialog.last_check.ok
    request = dialog.last_check.request
    old, port = stop(running)  # Open Dental stops while the person decides

    dialog.commit_button.click()
    box = dialog.question
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "cannot be reached" in page.banner.text(), timeout=60000)
    assert dialog.kept
    column = [c.title for c in page.model.columns].index("Follow-up")
    row = next(i for i, r in enumerate(page.model.rows) if r.appointment.apt_num == apt.apt_num)
    shown = str(page.model.data(page.model.index(row, column)))
    assert shown == "rescheduled (waiting for Open Dental)"
    assert old.practice.appointments[apt.apt_num]["AptStatus"] in ("Broken", "UnschedList")

    sim = back(running, old, port)
    land(qtbot, running)
    stored = sim.practice.appointments[apt.apt_num]
    assert stored["AptStatus"] == "Scheduled"
    assert stored["AptDateTime"] == request.start.strftime(FMT)
    assert stored["Op"] == request.op_num
    notes = [c["Note"] for c in sim.practice.commlogs.values() if c["PatNum"] == apt.pat_num]
    assert sum(n.startswith("No-show follow-up: rebooked for ") for n in notes) == 1
    land(qtbot, running)  # another round sends nothing more
    notes = [c["Note"] for c in sim.practice.commlogs.values() if c["PatNum"] == apt.pat_num]
    assert sum(n.startswith("No-show follow-up: rebooked for ") for n in notes) == 1


def test_a_confirmation_set_while_open_dental_is_stopped_is_kept_and_lands(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.page("schedule")
    assert isinstance(page, SchedulePage)
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    page.next_button.click()
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    model = page.view.model()
    assert model is not None
    key = next(b for b in model.blocks if b.status == "Scheduled" and not b.confirmed).key
    card = page.open_appointment(key)
    assert card is not None
    qtbot.waitUntil(lambda: not card.loading, timeout=20000)
    card.action_buttons[AppointmentAction.CONFIRM].click()
    assert page.flows is not None
    confirm = page.flows.dialog
    assert isinstance(confirm, ConfirmDialog)
    old, port = stop(running)
    notices: list[str] = []
    confirm.changed.connect(notices.append)

    confirm.ok_button.click()
    qtbot.waitUntil(lambda: bool(notices), timeout=60000)
    assert notices[0].startswith("Open Dental cannot be reached: the change is kept")
    assert old.practice.appointments[key]["confirmed"] != "Appointment Confirmed"

    sim = back(running, old, port)
    land(qtbot, running)
    assert sim.practice.appointments[key]["confirmed"] == "Appointment Confirmed"
