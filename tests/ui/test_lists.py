"""Lists that behave like lists (issue 18), through the real desk against the demo's
simulator: a column title sorts (dates as dates, lengths as numbers) and the choice
follows its row, the filter box narrows the rows (Ctrl+F, Esc), the actions wait for a
row, a page shown again reads its list again, and a message never moves the table."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from app.gui import Running
from services.audit import AuditEntry
from tests.ui.desk_support import sign_in
from ui.lists import sort_key
from ui.workflows.worklist import WorklistPage

pytestmark = pytest.mark.ui
FMT = "%Y-%m-%d %H:%M:%S"


def noshows(qtbot: Any, running: Running) -> tuple[Any, WorklistPage]:
    window = sign_in(qtbot, running, "frontdesk")
    window.resize(1366, 768)
    window.show()
    page = window.open_page("noshows")
    assert isinstance(page, WorklistPage)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert len(page.model.rows) >= 3, "the simulator seeds broken appointments in the last week"
    return window, page


def column(page: WorklistPage, title: str) -> int:
    return [c.title for c in page.model.columns].index(title)


def click_header(qtbot: Any, page: WorklistPage, title: str) -> None:
    header = page.table.horizontalHeader()
    section = column(page, title)
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def texts(page: WorklistPage, title: str) -> list[str]:
    c = column(page, title)
    return [str(page.model.data(page.model.index(r, c))) for r in range(page.model.rowCount())]


def list_reads(running: Running) -> int:
    """How many times the no-show list was read (one correlation id per read)."""
    found = (AuditEntry.from_row(*r).data for r in running.services.trail.repository.rows())
    return len({e["correlation_id"] for e in found if e["action"] == "noshow_list"})


def test_a_date_column_sorts_as_dates_both_ways_and_the_choice_follows_its_row(
    qtbot: Any, running: Running
) -> None:
    _, page = noshows(qtbot, running)
    starts = [r.appointment.start for r in page.model.rows]
    shown = texts(page, "Was booked")  # 'Mon 23 Nov 09:00': as text, weekdays first
    assert sorted(starts) != [s for _, s in sorted(zip(shown, starts, strict=True))], (
        "the seeded days must tell a date sort from a text sort"
    )
    chosen = page.model.rows[1]
    page.select_row(1)
    click_header(qtbot, page, "Was booked")
    in_view = [r.appointment.start for r in page.model.shown_rows()]
    assert in_view == sorted(starts)
    assert page.selected() is chosen  # an action still lands on the row that was chosen
    click_header(qtbot, page, "Was booked")
    assert [r.appointment.start for r in page.model.shown_rows()] == sorted(starts, reverse=True)
    assert page.selected() is chosen
    click_header(qtbot, page, "Length")
    lengths = [r.appointment.minutes for r in page.model.shown_rows()]
    assert lengths == sorted(lengths)  # as numbers: 10 min before 60 min before 120 min


def test_values_sort_by_kind_numbers_naturally_and_empty_last() -> None:
    values: list[object] = [
        "", "10 min", datetime(2026, 12, 1, 9), "9 min", None, 3, datetime(2026, 11, 30, 17)
    ]  # fmt: skip
    assert sorted(values, key=sort_key) == [
        3,
        datetime(2026, 11, 30, 17),
        datetime(2026, 12, 1, 9),
        "9 min",
        "10 min",
        "",
        None,
    ]


def test_the_filter_narrows_the_rows_ctrl_f_finds_it_and_esc_clears_it(
    qtbot: Any, running: Running
) -> None:
    _, page = noshows(qtbot, running)
    assert page.filter is not None
    total = len(page.model.rows)
    name = page.model.rows[0].appointment.patient_name
    assert name
    surname = name.split()[-1]
    expected = [
        r for r in page.model.rows if surname.lower() in (r.appointment.patient_name or "").lower()
    ]
    assert len(expected) < total
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.filter
    qtbot.keyClicks(page.filter, surname.upper())  # regardless of case
    assert page.model.shown_rows() == expected
    assert page.status.text() == f"{len(expected)} of {total} shown"
    qtbot.keyClicks(page.filter, " zzzz-nobody")  # every word must match
    assert page.model.rowCount() == 0
    qtbot.keyClick(page.filter, Qt.Key.Key_Escape)
    assert page.filter.text() == "" and page.model.rowCount() == total
    assert page.status.text() == f"{total} items"


def test_actions_wait_for_a_row_and_a_filter_that_hides_it_disables_them_again(
    qtbot: Any, running: Running
) -> None:
    _, page = noshows(qtbot, running)
    buttons = page.action_buttons.values()
    assert buttons and not any(b.isEnabled() for b in buttons)
    assert all(b.toolTip() == "Choose a row first" for b in buttons)
    rect = page.table.visualRect(page.model.index(0, 1))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.selected() is page.model.rows[0]
    assert all(b.isEnabled() for b in buttons)
    assert page.filter is not None
    page.filter.setText("zzzz-nobody")
    assert page.selected() is None and not any(b.isEnabled() for b in buttons)


def test_a_page_shown_again_reads_its_list_again(qtbot: Any, running: Running) -> None:
    window, page = noshows(qtbot, running)
    assert running.sim is not None
    today = running.services.calendar.today()
    known = {r.appointment.apt_num for r in page.model.rows}
    fresh = next(
        a
        for a in running.sim.practice.appointments.values()
        if a["AptStatus"] in ("Scheduled", "Complete")
        and today - timedelta(days=6) <= datetime.strptime(a["AptDateTime"], FMT).date() < today
        and a["AptNum"] not in known
    )
    fresh["AptStatus"] = "Broken"  # broken at the front desk's other PC, in Open Dental
    reads = list_reads(running)
    window.open_page("conflicts")
    assert not page.isVisible()
    window.open_page("noshows")
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert list_reads(running) == reads + 1
    assert fresh["AptNum"] in {r.appointment.apt_num for r in page.model.rows}
    window.showMinimized()  # back from the task bar: not a new look, nothing read
    window.showNormal()
    assert list_reads(running) == reads + 1


def test_a_success_is_said_in_a_neutral_line_that_does_not_move_the_table(
    qtbot: Any, running: Running
) -> None:
    _, page = noshows(qtbot, running)
    before = page.table.geometry()
    page.select_row(0)
    page.action_buttons["Reached"].click()
    qtbot.waitUntil(lambda: "commlog" in page.banner.text(), timeout=20000)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert page.banner.isVisible() and page.banner.objectName() == "notice"
    assert page.table.geometry() == before
    page.show_message("Open Dental did not answer.", error=True)
    assert page.banner.objectName() == "errorBanner" and page.table.geometry() == before


def test_the_status_bar_counts_say_when_and_are_counted_again_after_a_change(
    qtbot: Any, running: Running
) -> None:
    window, page = noshows(qtbot, running)
    label = window.status.jobs
    said: list[str] = []
    set_text = label.setText

    def record(text: str) -> None:
        said.append(text)
        set_text(text)

    label.setText = record  # type: ignore[method-assign]
    running.jobs.run_now("worklist_scan")
    qtbot.waitUntil(lambda: "Counted at" in label.toolTip(), timeout=20000)
    assert "overdue recalls" in label.text() and "recounting" not in label.text()
    said.clear()
    page.select_row(0)
    page.action_buttons["Reached"].click()
    qtbot.waitUntil(lambda: "commlog" in page.banner.text(), timeout=20000)
    # Marked at once, then counted again by the round the change asked for.
    qtbot.waitUntil(lambda: not window.status.counts.stale, timeout=20000)
    assert any(t.endswith("· recounting") for t in said)
    assert "overdue recalls" in label.text() and "recounting" not in label.text()


def test_every_list_that_names_a_patient_shows_the_chart_number_beside_the_name(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    chart_of = {
        "noshows": lambda r: r.appointment.pat_num,
        "insurance": lambda r: r.appointment.pat_num,
        "recall": lambda r: r.recall.pat_num,
        "waitlist": lambda r: r.offer.wish.pat_num,
    }
    for key, chart in chart_of.items():
        page = window.open_page(key)
        assert isinstance(page, WorklistPage)
        qtbot.waitUntil(lambda p=page: not p.loading, timeout=30000)
        titles = [c.title for c in page.model.columns]
        assert titles[titles.index("Patient") + 1] == "Chart", key
        assert page.model.rows, key
        shown = texts(page, "Chart")
        assert shown == [str(chart(r)) for r in page.model.rows], key
        # Birth date only where the reference's field set has it (insurance verification).
        assert ("Birth date" in titles) == (key == "insurance"), key


def test_the_schedule_shown_again_reads_its_day_again(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = window.page("schedule")
    qtbot.waitUntil(lambda: not page.is_loading() and page.view.model() is not None, timeout=20000)
    model = page.view.model()
    block = next(b for b in model.blocks if b.status == "Scheduled")
    assert running.sim is not None
    running.sim.practice.appointments[block.key]["AptStatus"] = "Broken"  # at another PC
    window.open_page("noshows")
    window.open_page("schedule")
    qtbot.waitUntil(lambda: not page.is_loading(), timeout=20000)
    again = page.view.model()
    assert again is not None and again.day == model.day
    now = {b.key: b.status for b in again.blocks}
    assert now.get(block.key, "gone") != "Scheduled"
