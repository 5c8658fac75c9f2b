"""The desk end to end: real windows, the simulator over HTTP, the audit trail checked."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.gui import Running
from services.access import FIELD_SETS, Purpose
from services.audit import AuditEntry
from services.clock import ManualClock
from tests.ui.desk_support import sign_in

pytestmark = pytest.mark.ui


def entries(running: Running) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]


def wait_loaded(qtbot: Any, page: Any) -> None:
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)


def test_front_desk_sees_its_screens_and_the_schedule(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    assert window.page_keys() == [
        "schedule",
        "patients",
        "noshows",
        "insurance",
        "recall",
        "conflicts",
        "waitlist",
    ]
    page = window.page("schedule")
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    model = page.view.model()
    assert model is not None and len(model.columns) == 8 and model.blocks
    assert all(
        b.title and b.title != "Appointment" for b in model.blocks
    )  # names for the front desk
    schedule_reads = [e for e in entries(running) if e["action"] == "schedule_view"]
    assert schedule_reads and {e["purpose"] for e in schedule_reads} == {"schedule"}
    assert set(schedule_reads[0]["fields"]) == {f.value for f in FIELD_SETS[Purpose.SCHEDULE]}


def test_it_admin_gets_no_phi_screens(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "itadmin")
    assert sorted(window.page_keys()) == ["compliance.checklist", "users"]  # neither shows PHI


def test_a_no_show_is_rescheduled_and_the_simulator_has_the_new_time(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("noshows")
    wait_loaded(qtbot, page)
    assert page.model.rows, "the simulator seeds broken appointments in the last week"
    row = page.model.rows[0]
    assert row.appointment.note is None and row.appointment.phone  # no clinical fields, has contact
    page.select_row(0)

    def accept_picker() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            dialog.accept()
        else:
            QTimer.singleShot(100, accept_picker)

    QTimer.singleShot(100, accept_picker)
    page.action_buttons["Find a new time…"].click()
    # The booking dialog checks the time and asks before anything is written.
    qtbot.waitUntil(lambda: page.dialog is not None and not page.dialog.checking, timeout=20000)
    page.dialog.commit_button.click()
    assert page.dialog.question is not None
    page.dialog.question.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: "Rescheduled" in page.banner.text(), timeout=20000)
    stored = running.sim.practice.appointments[row.appointment.apt_num]
    assert stored["AptStatus"] == "Scheduled" and stored[
        "AptDateTime"
    ] != row.appointment.start.strftime("%Y-%m-%d %H:%M:%S")
    assert any(
        e["action"] == "appointment_reschedule" and e["purpose"] == "no_show_rescheduling"
        for e in entries(running)
    )


def test_a_seeded_conflict_is_found_without_patient_data(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("conflicts")
    wait_loaded(qtbot, page)
    kinds = {row[1] for row in page.model.rows}
    assert "Provider double booked" in kinds
    scan = [e for e in entries(running) if e["action"] == "conflict_scan"]
    assert scan and all(e["patient_id"] == "" for e in scan)
    assert set(scan[0]["fields"]) == {f.value for f in FIELD_SETS[Purpose.APPOINTMENT_CONFLICTS]}


def test_a_freed_slot_is_offered_to_the_waitlist(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("waitlist")
    wait_loaded(qtbot, page)
    # Cancel (break) a coming appointment in the simulator: its time becomes an open slot.
    sim = running.sim.practice
    freed = next(
        a
        for a in sim.appointments.values()
        if a["AptStatus"] == "Scheduled"
        and a["Priority"] == "Normal"
        and a["AptDateTime"][:10] > running.services.calendar.today().isoformat()
    )
    start = datetime.strptime(freed["AptDateTime"], "%Y-%m-%d %H:%M:%S")

    def offered() -> bool:
        return any(
            r.offer.slot.op_num == freed["Op"] and r.offer.slot.start <= start < r.offer.slot.end
            for r in page.model.rows
        )

    assert not offered()
    freed["AptStatus"] = "Broken"
    page.reload()
    wait_loaded(qtbot, page)
    assert offered()


def test_with_the_pms_down_the_schedule_shows_the_cached_day(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.page("schedule")
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    shown = len(page.view.model().blocks)
    assert shown > 0, "the pinned weekday has appointments"
    running.sim.stop()
    page.show_day(page.current_day())
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=60000)
    assert page.banner.isVisibleTo(window)
    assert "cannot be reached" in page.banner.text()
    assert len(page.view.model().blocks) == shown
    running.sim = None  # already stopped


def test_every_view_reads_only_its_purpose(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    for key in ("insurance", "recall", "patients"):
        page = window.open_page(key)
        wait_loaded(qtbot, page)
    wanted = {
        "insurance_worklist": Purpose.INSURANCE_VERIFICATION,
        "recall_list": Purpose.RECALL_REMINDERS,
    }
    for action, purpose in wanted.items():
        found = [e for e in entries(running) if e["action"] == action]
        assert found, action
        assert {e["purpose"] for e in found} == {purpose.value}
        assert set(found[0]["fields"]) == {f.value for f in FIELD_SETS[purpose]}
    insurance = window.page("insurance")
    assert insurance.model.rows and all(r.appointment.phone is None for r in insurance.model.rows)


def test_the_app_syncs_the_trail_to_the_archive_in_the_background(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    archive_dir = running.services.installation.layout.archive_dir
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    clock.advance(3600)  # a partial batch is sealed once its oldest entry is an hour old
    running.jobs.run_now("archive")
    qtbot.waitUntil(lambda: any(archive_dir.rglob("000000000001-*")), timeout=30000)
    qtbot.waitUntil(lambda: "synced" in window.status.archive.text(), timeout=30000)
    assert running.jobs.status("archive").last_success == running.services.clock.now()


def test_emergency_access_rebuilds_the_desk_with_a_banner(qtbot: Any, running: Running) -> None:
    from ui.auth.dialogs import BreakGlassDialog

    window = sign_in(qtbot, running, "dentist")
    assert "patients" not in window.page_keys()
    assert window.emergency_button.isVisibleTo(window)

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, BreakGlassDialog):
            dialog.reason_edit.setPlainText(
                "Patient in severe pain after hours, need contact details"
            )
            dialog.grant_button.click()
        else:
            QTimer.singleShot(100, fill)

    QTimer.singleShot(100, fill)
    window.emergency_button.click()
    qtbot.waitUntil(
        lambda: running.shell.window is not None and running.shell.window is not window,
        timeout=20000,
    )
    elevated = running.shell.window
    assert "patients" in elevated.page_keys()
    assert (
        elevated.banner.isVisibleTo(elevated) and "Emergency access until" in elevated.banner.text()
    )
    rows = entries(running)
    assert any(r["action"] == "break_glass_start" for r in rows)
    assert "severe pain" not in str(rows)


def test_without_a_pms_the_desk_opens_and_says_what_to_do(qtbot: Any, tmp_path: Path) -> None:
    import argparse

    from app.gui import make_qapp, start
    from services.access import Actor, ActorType, Role
    from services.auth import totp
    from services.clock import ManualClock
    from services.installation import initialise
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    make_qapp()
    clock = ManualClock()
    installation = initialise(
        DataLayout(tmp_path / "fresh"), KeyringKeyStore(), "fresh-practice", clock
    ).installation
    app = start(argparse.Namespace(demo=False), installation, clock)
    try:
        it = Actor("cli_it", ActorType.HUMAN, Role.IT_ADMIN)
        created = app.services.users.add(
            it, "robin", Role.FRONT_DESK, "a long front desk password", temporary=False
        )
        app.services.accounts.update(created.user_id, totp_enrolled=1)
        window = app.shell.sign_in
        window.password.user_edit.setText("robin")
        window.password.password_edit.setText("a long front desk password")
        window.password.sign_in_button.click()
        qtbot.waitUntil(lambda: window.pages.currentIndex() == 1, timeout=15000)
        window.code.code_edit.setText(totp.code_at(created.secret, app.services.clock.now()))
        window.code.verify_button.click()
        qtbot.waitUntil(lambda: app.shell.window is not None, timeout=15000)
        page = app.shell.window.page("schedule")
        qtbot.waitUntil(lambda: not page.is_loading(), timeout=15000)
        assert "not set up yet" in page.banner.text()
        qtbot.waitUntil(lambda: "not set up" in app.shell.window.status.pms.text(), timeout=15000)
    finally:
        app.shell.switch_user()
        app.close()


def test_the_compliance_officer_gets_the_compliance_screens_and_live_alerts(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "compliance")
    keys = window.page_keys()
    assert {
        "compliance.alerts",
        "compliance.reports",
        "compliance.review",
        "compliance.checklist",
        "audit",
    } <= set(keys)
    assert "schedule" not in keys and "patients" not in keys
    running.shell.switch_user()
    # A break-glass by the dentist is an alert the officer sees.
    session = sign_in(qtbot, running, "dentist")
    del session
    from services.auth.signin import Session

    current: Session = running.shell.session
    running.services.auth.break_glass(current, "Emergency after hours for a patient in pain", 30)
    running.shell.switch_user()
    window = sign_in(qtbot, running, "compliance")
    assert any(spec.startswith("compliance.alerts") for spec in window.page_keys())
    page = window.open_page("compliance.alerts")
    qtbot.waitUntil(lambda: page.table.rowCount() > 0, timeout=15000)
    rules = {page.table.item(r, 2).text() for r in range(page.table.rowCount())}
    assert "Emergency access (break-glass)" in rules
