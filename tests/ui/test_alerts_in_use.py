"""Alerts that mean something: the demo's normal use of every role raises none, each misuse one.

The real app on the demo (simulator over HTTP, real SQLCipher installation, the alert engine
attached as the GUI attaches it), signed in through the windows, every screen of every role
opened, on the demo's manual clock.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QPushButton

from app.gui import Running
from services.auth.demo import DEMO_USERS
from services.clock import ManualClock
from tests.ui.desk_support import screenshot, settle, sign_in

pytestmark = pytest.mark.ui


def rules(running: Running) -> list[str]:
    return sorted(a.rule for a in running.services.compliance.repo.alerts())


def open_every_screen(qtbot: Any, running: Running, login: str) -> Any:
    window = sign_in(qtbot, running, login)
    settle(qtbot, running)
    for key in window.page_keys():
        window.open_page(key)
        settle(qtbot, running)
    return window


def look_up(qtbot: Any, running: Running, window: Any, queries: list[str]) -> None:
    """Type each query into the Patients page and wait for the answer: a record opened each."""
    page = window.open_page("patients")
    settle(qtbot, running)
    box = next(
        w for w in page.findChildren(QLineEdit) if w.accessibleName() == "Search for a patient"
    )
    for text in queries:
        box.setText(text)
        page.reload()
        settle(qtbot, running)
        assert page.model.rows, text


def export_call_list(qtbot: Any, running: Running, window: Any, out: Path) -> None:
    page = window.open_page("recall")
    settle(qtbot, running)

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            dialog.setDirectory(str(out.parent))
            dialog.selectFile(out.name)
            name_box = dialog.findChild(QLineEdit, "fileNameEdit")
            if name_box is not None:  # what a person types: the whole path
                name_box.setText(str(out))
            dialog.accept()
        else:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    button = next(b for b in page.findChildren(QPushButton) if "call list" in b.text())
    button.click()
    settle(qtbot, running)
    assert out.exists(), (page.status.text(), page.banner.text())


def patient_queries(running: Running, count: int, skip: int = 0) -> list[str]:
    """'Last, First' of `count` distinct synthetic patients (the simulator's, not real)."""
    assert running.sim is not None
    seen: set[tuple[str, str]] = set()
    found: list[str] = []
    for p in list(running.sim.practice.patients.values())[skip:]:
        key = (str(p["LName"]), str(p["FName"]))
        if key not in seen:
            seen.add(key)
            found.append(f"{key[0]}, {key[1]}")
        if len(found) == count:
            break
    return found


def test_normal_use_of_every_role_raises_nothing_and_each_misuse_one_alert(
    qtbot: Any, running: Running, tmp_path: Path
) -> None:
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    calendar = running.services.calendar
    # A working afternoon: every role opens every screen it has, as on any day.
    clock.set(calendar.start_of(calendar.today()) + timedelta(hours=10))
    for login, _name, _role in DEMO_USERS:
        window = open_every_screen(qtbot, running, login)
        if login == "frontdesk":
            look_up(qtbot, running, window, patient_queries(running, 3))
        if login == "manager":
            export_call_list(qtbot, running, window, tmp_path / "calls-day.csv")
        running.shell.switch_user()
        clock.advance(300)
    assert rules(running) == []  # the demo's normal use: no alert at all

    # A receptionist opens 60 patient cards within the hour.
    window = sign_in(qtbot, running, "frontdesk")
    settle(qtbot, running)
    look_up(qtbot, running, window, patient_queries(running, 60, skip=100))
    running.shell.switch_user()
    assert rules(running) == ["patient_volume"]

    # The dentist takes emergency access, with a reason.
    clock.advance(2 * 3600)
    sign_in(qtbot, running, "dentist")
    settle(qtbot, running)
    session = running.shell.session
    assert session is not None
    reason = "Walk-in with facial swelling; their chart is needed now."
    running.services.auth.break_glass(session, reason)
    running.shell.switch_user()
    assert rules(running) == ["break_glass", "patient_volume"]

    # The office manager exports the call list at 23:00.
    clock.set(calendar.start_of(calendar.today()) + timedelta(hours=23))
    window = open_every_screen(qtbot, running, "manager")
    export_call_list(qtbot, running, window, tmp_path / "calls-night.csv")
    running.shell.switch_user()
    assert rules(running) == ["break_glass", "export", "patient_volume"]
    night = next(a for a in running.services.compliance.repo.alerts() if a.rule == "export")
    assert "23:0" in night.summary and "outside office hours" in night.summary

    # The compliance officer reads them by name, with the reason stated.
    window = sign_in(qtbot, running, "compliance")
    page = window.open_page("compliance.alerts")
    settle(qtbot, running)
    table = page.table
    text = {table.item(r, 2).text(): table.item(r, 3).text() for r in range(table.rowCount())}
    assert text["Many patients in an hour"].startswith("Front Desk (demo), Front desk (user_")
    assert text["Emergency access (break-glass)"].startswith("Dr. Demo, Dentist (user_")
    glass = next(r for r in range(table.rowCount()) if "break-glass" in table.item(r, 2).text())
    assert reason in table.item(glass, 4).text()
    window.resize(1366, 768)
    settle(qtbot, running)
    screenshot(window, "compliance-alerts-in-use.png")


def test_the_access_report_starts_from_a_patient_found_by_name(
    qtbot: Any, running: Running
) -> None:
    from services.audit import AuditEntry

    (query,) = patient_queries(running, 1, skip=7)
    last, first = (part.strip() for part in query.split(","))
    window = sign_in(qtbot, running, "compliance")
    page = window.open_page("compliance.reports")
    settle(qtbot, running)
    tab = page.patient_tab
    tab.find_box.setText(query)
    tab.find_button.click()
    settle(qtbot, running)
    shown = [tab.matches.item(i).text() for i in range(tab.matches.count())]
    assert shown and all(f"{first} {last}" in s or last in s for s in shown)
    assert all(" · chart " in s for s in shown)
    tab.choose(tab.matches.item(0))
    settle(qtbot, running)
    report = tab.view.toPlainText()
    assert "Patient access report" in report and last in report
    entries = [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]
    search = [e for e in entries if e["action"] == "patient_search"]
    assert search and {e["purpose"] for e in search} == {"access_report"}
    assert all(e["patient_id"].startswith("pt_") for e in search)  # audited, pseudonymous
    assert set(search[0]["fields"]) == {"patient_id", "patient_name"}
    window.resize(1366, 768)
    settle(qtbot, running)
    screenshot(window, "compliance-patient-report-found-by-name.png")
