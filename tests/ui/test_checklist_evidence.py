"""Checklist evidence through the real app on the demo: the compliance officer signs in,
opens the checklist, marks the security risk analysis done in the evidence dialog (typed as
a person types), sees who marked it and when, undoes it; IT sees the checklist without the
buttons; every step is in the audit trail, the note nowhere in it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog

from app.gui import Running
from tests.ui.desk_support import screenshot, settle, sign_in

pytestmark = pytest.mark.ui
NOTE = "Annual risk analysis with our IT company; two laptops need disk encryption."
REPORT = "S:/Compliance/2026-risk-analysis.pdf"
OFFICER = "Compliance Officer (demo), Compliance officer"


def trail(running: Running, action: str) -> list[dict[str, Any]]:
    rows = [json.loads(b) for _, b, _ in running.services.trail.repository.rows()]
    return [r for r in rows if r["action"] == action]


def row_of(page: Any, key: str) -> int:
    return next(r for r, item in enumerate(page.items) if item.key == key)


def cells(page: Any, key: str) -> list[str]:
    row = row_of(page, key)
    return [page.table.item(row, c).text() for c in range(page.table.columnCount())]


def test_the_officer_marks_the_risk_analysis_done_in_the_real_window(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "compliance")
    window.resize(1366, 768)
    page = window.open_page("compliance.checklist")
    settle(qtbot, running)
    assert cells(page, "risk_analysis")[2] == "Not met"
    page.table.selectRow(row_of(page, "risk_analysis"))
    assert page.mark_button.isVisible() and page.mark_button.isEnabled()
    assert not page.undo_button.isEnabled()
    qtbot.mouseClick(page.mark_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # no note, no report: refused in the dialog
    settle(qtbot, running)
    assert dialog.isVisible() and "note" in dialog.error.text()
    qtbot.keyClicks(dialog.note, NOTE)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    settle(qtbot, running)
    assert dialog.isVisible() and "written report" in dialog.error.text()
    qtbot.keyClicks(dialog.attachment, REPORT)
    screenshot(dialog, "compliance-evidence-dialog.png")
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    settle(qtbot, running)
    assert not dialog.isVisible()

    _phase, _text, status, detail, marked = cells(page, "risk_analysis")
    assert status == "Met" and REPORT in detail and "Renew before" in detail
    today = running.services.calendar.today()
    assert marked.startswith(today.isoformat()) and marked.endswith("by Compliance Officer (demo)")
    page.table.selectRow(row_of(page, "risk_analysis"))
    chosen = page.selected_label.text()
    assert NOTE in chosen and REPORT in chosen and OFFICER in chosen
    assert page.undo_button.isEnabled() and "Replace" in page.mark_button.text()
    screenshot(window, "compliance-checklist-evidence.png")
    recorded = trail(running, "checklist_evidence_recorded")
    assert [(e["resource_id"], e["outcome"]) for e in recorded] == [("risk_analysis", "success")]
    assert all(
        NOTE not in json.dumps(e) and "risk-analysis.pdf" not in json.dumps(e) for e in recorded
    )

    def answer() -> None:  # the undo asks why: typed and confirmed as a person would
        box = QApplication.activeModalWidget()
        if isinstance(box, QInputDialog):
            box.setTextValue("Recorded against the wrong year")
            box.accept()
        else:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    qtbot.mouseClick(page.undo_button, Qt.MouseButton.LeftButton)
    settle(qtbot, running)
    assert cells(page, "risk_analysis")[2] == "Not met"
    assert cells(page, "risk_analysis")[4] == ""
    (undo,) = trail(running, "checklist_evidence_withdrawn")
    assert undo["resource_id"] == "risk_analysis" and "wrong year" not in json.dumps(undo)

    running.shell.switch_user()
    window = sign_in(qtbot, running, "itadmin")
    page = window.open_page("compliance.checklist")
    settle(qtbot, running)
    page.table.selectRow(row_of(page, "baa"))
    assert not page.mark_button.isVisible() and not page.undo_button.isVisible()
    assert "compliance officer marks" in page.selected_label.text()
