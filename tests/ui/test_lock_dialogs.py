"""The idle lock over the real desk: a dialog open when it fires is cancelled, not performed.

Each test opens a dialog the way a person does, lets fifteen minutes pass on the manual clock
without input, and then does what someone walking up to the locked PC would do: fill in and
accept whatever is still on screen. Nothing may reach the PMS, the disk or the trail.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QWidget,
)
from shiboken6 import isValid

from app.gui import Running
from services.audit import AuditEntry
from services.clock import ManualClock
from tests.ui.desk_support import PASSWORD, sign_in
from ui.auth.dialogs import BreakGlassDialog, ChangePasswordDialog
from ui.workflows.rebooking import SlotPicker

pytestmark = pytest.mark.ui

IDLE = 15 * 60


def clock_of(running: Running) -> ManualClock:
    clock = running.services.clock
    assert isinstance(clock, ManualClock)
    return clock


def entries(running: Running) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows()]


def by(running: Running, actor_id: str, after: int) -> list[str]:
    """What this person's actor did after entry number `after`, lock entries aside."""
    return [
        e["action"]
        for e in entries(running)[after:]
        if e["actor_id"] == actor_id and e["action"] != "session_locked"
    ]


def pms_writes(running: Running, after: int) -> list[tuple[str, str]]:
    assert running.sim is not None
    return [r for r in running.sim.requests[after:] if r[0] != "GET"]


def lock_while_open(
    qtbot: Any,
    running: Running,
    window: Any,
    kind: type[QWidget],
    open_it: Callable[[], object],
    passer_by: Callable[[Any], None],
) -> bool:
    """Open a dialog of `kind` with `open_it` (which blocks in its event loop), let the idle
    lock fire, then let `passer_by` act on the dialog if it is still there. Returns whether
    the dialog was still on screen once the desk had locked."""
    still_there: list[bool] = []

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind) or not dialog.isVisible():
            QTimer.singleShot(50, step)
            return
        clock_of(running).advance(IDLE)  # nobody touches anything for fifteen minutes
        qtbot.waitUntil(window.is_locked, timeout=5000)
        qtbot.wait(100)
        visible = isValid(dialog) and dialog.isVisible()
        still_there.append(visible)
        if visible:
            passer_by(dialog)

    QTimer.singleShot(50, step)
    open_it()
    qtbot.waitUntil(lambda: bool(still_there), timeout=10000)
    running.ops.wait(10000)
    qtbot.wait(200)
    return still_there[0]


def test_mark_problem_open_at_the_lock_writes_nothing_and_reads_nothing(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("insurance")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert page.model.rows
    page.select_row(0)
    actor_id = running.shell.session.actor.actor_id
    trail_before, requests_before = len(entries(running)), len(running.sim.requests)

    def accept(dialog: QInputDialog) -> None:
        dialog.setTextValue("Card expired, call the patient")
        dialog.accept()

    shown = lock_while_open(
        qtbot,
        running,
        window,
        QInputDialog,
        page.action_buttons["Mark problem…"].click,
        accept,
    )
    assert not shown, "the dialog stayed above the lock screen"
    assert window.is_locked()
    assert pms_writes(running, requests_before) == []
    assert by(running, actor_id, trail_before) == []  # no write, no PHI read
    assert QApplication.activeModalWidget() is None


class PasserBy:
    """Watches for a window of `kind`; a moment after it shows, accepts it if still there."""

    def __init__(self, kind: type[QDialog]) -> None:
        self.kind = kind
        self.seen = False
        self.accepted: bool | None = None
        self.stopped = False
        self._watch()

    def stop(self) -> None:
        self.stopped = True

    def _watch(self) -> None:
        if self.accepted is not None or self.stopped:
            return
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, self.kind)), None)
        if dialog is not None and dialog.isVisible() and not self.seen:
            self.seen = True
            QTimer.singleShot(150, lambda: self._act(dialog))
        QTimer.singleShot(20, self._watch)

    def _act(self, dialog: QDialog) -> None:
        self.accepted = isValid(dialog) and dialog.isVisible()
        if self.accepted:
            dialog.accept()


def test_a_slot_picker_that_arrives_after_the_lock_is_cancelled(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("noshows")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    page.select_row(0)
    apt = page.model.rows[0].appointment
    assert running.sim is not None
    before = dict(running.sim.practice.appointments[apt.apt_num])
    requests_before = len(running.sim.requests)
    passer_by = PasserBy(SlotPicker)

    page.action_buttons["Find a new time…"].click()  # the open times are read in the background
    window.lock_button.click()  # … and the person locks the screen before they arrive
    qtbot.waitUntil(
        lambda: "Finding" not in page.status.text() or passer_by.accepted is not None,
        timeout=20000,
    )  # the open times landed while locked
    qtbot.wait(300)
    running.ops.wait(10000)
    qtbot.wait(200)
    passer_by.stop()
    assert any("/appointments/Slots" in path for _, path in running.sim.requests[requests_before:])
    assert not passer_by.accepted, "the picker was accepted above the lock screen"
    assert window.is_locked()
    assert pms_writes(running, requests_before) == []
    assert running.sim.practice.appointments[apt.apt_num] == before


def test_the_call_list_save_dialog_open_at_the_lock_saves_nothing(
    qtbot: Any, running: Running, tmp_path: Path
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.open_page("recall")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert page.model.rows
    export = next(b for b in page.findChildren(QPushButton) if b.text() == "E&xport call list…")
    target = tmp_path / "calls.csv"
    trail_before = len(entries(running))

    def save(dialog: QFileDialog) -> None:
        dialog.selectFile(str(target))
        dialog.accept()

    shown = lock_while_open(qtbot, running, window, QFileDialog, export.click, save)
    assert not shown
    assert not target.exists()
    assert "call_list_export" not in [e["action"] for e in entries(running)[trail_before:]]


def test_a_message_box_open_at_the_lock_answers_no(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    answers: list[QMessageBox.StandardButton] = []

    def ask() -> None:
        answers.append(
            QMessageBox.question(window, "Enamel", "Send the reminder to every patient?")
        )

    def yes(box: QMessageBox) -> None:
        button = box.button(QMessageBox.StandardButton.Yes)
        assert button is not None
        button.click()

    assert not lock_while_open(qtbot, running, window, QMessageBox, ask, yes)
    assert answers and answers[0] != QMessageBox.StandardButton.Yes


def test_change_password_open_at_the_lock_changes_nothing(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    new = "a sentence a passer-by would choose"

    def change(dialog: ChangePasswordDialog) -> None:
        dialog.current_edit.setText(PASSWORD)  # left typed in the field
        dialog.new_edit.setText(new)
        dialog.repeat_edit.setText(new)
        dialog.save_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)

    shown = lock_while_open(
        qtbot, running, window, ChangePasswordDialog, window.password_button.click, change
    )
    assert not shown
    assert running.services.auth.check_password("frontdesk", PASSWORD)


def test_break_glass_open_at_the_lock_grants_nothing(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "dentist")

    def grant(dialog: BreakGlassDialog) -> None:
        dialog.reason_edit.setPlainText("A passer-by wants the patient list for no reason")
        dialog.grant_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)

    shown = lock_while_open(
        qtbot, running, window, BreakGlassDialog, window.emergency_button.click, grant
    )
    assert not shown
    assert running.shell.window is window and window.is_locked()
    assert "break_glass_start" not in [e["action"] for e in entries(running)]
    assert running.services.accounts.unreviewed_break_glass() == []


def test_a_grant_that_lands_after_the_lock_opens_no_desk(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "dentist")

    def grant_then_lock() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, BreakGlassDialog):
            QTimer.singleShot(50, grant_then_lock)
            return
        dialog.reason_edit.setPlainText("Patient in severe pain after hours, need contacts")
        dialog.grant_button.click()  # the grant is written in the background…
        running.shell.lock_now()  # … and the screen locks before it comes back

    QTimer.singleShot(50, grant_then_lock)
    window.emergency_button.click()
    running.ops.wait(10000)
    qtbot.wait(300)
    assert running.shell.window is window, "a new, unlocked desk was built behind the lock"
    assert window.is_locked() and "patients" not in window.page_keys()
