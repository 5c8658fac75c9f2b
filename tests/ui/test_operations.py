"""The one operation API and the one job queue, driven through real Qt widgets and SQLCipher."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.bootstrap import Services
from errors import EnamelError
from services.clock import ManualClock
from services.jobs import Job, JobQueue, JobState
from ui.main_window import MainWindow
from ui.operations import Operations

pytestmark = pytest.mark.ui


class Page(QWidget):
    """A screen with a banner, as every page has."""

    def __init__(self) -> None:
        super().__init__()
        self.banner = QLabel()
        self.inner = QWidget(self)
        QVBoxLayout(self).addWidget(self.inner)

    def show_failure(self, message: str) -> None:
        self.banner.setText(message)


@pytest.fixture
def ops() -> Any:
    operations = Operations()
    yield operations
    operations.shutdown()


def test_outcomes_land_on_the_ui_thread(qtbot: Any, ops: Operations) -> None:
    seen: list[tuple[object, bool]] = []
    ui = threading.get_ident()
    workers: list[int] = []

    def work() -> int:
        workers.append(threading.get_ident())
        return 42

    ops.run(work, lambda v: seen.append((v, threading.get_ident() == ui)))
    ops.run(lambda: 1 / 0, seen.append, lambda e: seen.append((e, threading.get_ident() == ui)))
    qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert (42, True) in seen
    assert any(isinstance(v, ZeroDivisionError) and on_ui for v, on_ui in seen)
    assert workers and workers[0] != ui


def test_a_failure_without_handler_is_shown_in_the_page_banner_and_logged_by_class(
    qtbot: Any, ops: Operations, caplog: Any
) -> None:
    page = Page()
    qtbot.addWidget(page)

    def fails() -> None:
        raise EnamelError("The PMS did not answer. Try again in a minute.")

    def leaks() -> None:
        raise ValueError("Zebulon Quagmirefitz")  # a message that must never be shown or logged

    with caplog.at_level(logging.WARNING, logger="ui.operations"):
        ops.run(fails, lambda _: None, owner=page.inner)  # the banner of an ancestor
        qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
        assert page.banner.text() == "The PMS did not answer. Try again in a minute."
        ops.run(leaks, lambda _: None, owner=page)
        qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert "ValueError" in page.banner.text() and "Zebulon" not in page.banner.text()
    classes = [getattr(r, "error_class", "") for r in caplog.records]
    assert classes == ["EnamelError", "ValueError"]
    assert "Zebulon" not in caplog.text


def test_nothing_lands_on_a_widget_that_is_gone(qtbot: Any, ops: Operations) -> None:
    page = Page()
    landed: list[object] = []
    gate = threading.Event()
    ops.run(lambda: gate.wait(5), landed.append, owner=page)
    page.deleteLater()
    qtbot.waitUntil(lambda: not _alive(page), timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: not ops.busy(), timeout=5000)
    assert landed == []


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(widget))


def test_many_operations_hold_no_more_connections_than_workers(
    qtbot: Any, ops: Operations, cheap_services: Services
) -> None:
    db = cheap_services.installation.db
    db.connection()  # the UI thread's own
    done: list[int] = []
    for _ in range(200):
        ops.run(
            lambda: db.connection().execute("SELECT count(*) FROM audit_log").fetchone()[0],
            done.append,
        )
    qtbot.waitUntil(lambda: not ops.busy(), timeout=30000)
    assert len(done) == 200
    assert db.open_connections() <= ops.workers + 1


def test_a_failing_job_shows_in_the_status_bar(qtbot: Any, ops: Operations) -> None:
    clock = ManualClock()
    window = MainWindow(practice_id="p", user_label="Robin", role_label="Front desk", pages=[])
    qtbot.addWidget(window)
    queue = JobQueue(clock)
    attempts: list[int] = []

    def archive() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise EnamelError("The archive folder is not set up. Run 'enamel-admin archive set'.")
        return "up to date"

    queue.add(Job("archive", "Archive", archive, every=60.0))
    queue.on_change(lambda st: ops.on_ui_thread(lambda: window.status.show_job(st)))
    queue.run_due()
    qtbot.waitUntil(lambda: "failing since" in window.status.archive.text(), timeout=5000)
    # The why is in the tooltip: the label keeps to what fits the bar.
    assert "archive set" not in window.status.archive.text()
    assert "archive set" in window.status.archive.toolTip()
    assert "b91c1c" in window.status.archive.styleSheet()
    assert queue.status("archive").state is JobState.FAILING
    clock.advance(queue.seconds_until_next() or 0.0)
    assert queue.run_due() == 1
    qtbot.waitUntil(lambda: "synced" in window.status.archive.text(), timeout=5000)
    assert "up to date" in window.status.archive.text()
    assert window.status.archive.styleSheet() == ""
    assert window.status.archive.toolTip() == ""


def test_enamel_admin_status_shows_each_job_state(cheap_services: Services) -> None:
    from app.jobs_setup import job_record
    from tests.support import admin

    clock = cheap_services.clock
    queue = JobQueue(clock, job_record(cheap_services))

    def fails() -> str:
        raise EnamelError("The archive is not set up. Run 'enamel-admin archive set'.")

    queue.add(Job("archive", "Archive", fails, every=60.0))
    queue.add(Job("backup", "Backup", lambda: "not due", every=3600.0))
    queue.run_due()
    root = str(cheap_services.installation.layout.root)
    result = admin("--data-dir", root, "status", clock=clock)
    assert result.code == 0, result.err
    lines = {line.split(":", 1)[0]: line for line in result.out.splitlines()}
    assert "failing since" in lines["Job archive"] and "archive set" in lines["Job archive"]
    assert "Backup: ok — not due" in lines["Job backup"]
