"""The compliance pages driven through real widgets; PDFs written with Qt and checked for PHI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.access import Actor
from services.audit import RecordKind, verify_local
from services.compliance.alerts import AlertService
from services.compliance.checklist import ChecklistSources
from services.compliance.facts import AccountDirectoryFacts
from tests.compliance import world
from tests.compliance.world import MANAGER, NAMES, OFFICER, PATIENT
from ui.operations import Operations

pytestmark = pytest.mark.ui
SHOTS = os.environ.get("ENAMEL_SCREENSHOTS")  # a folder: also save screenshots there
ZONE = ZoneInfo("America/Chicago")  # the practice's zone: every time a person reads is in it


def bare_ids(text: str) -> list[str]:
    """Account ids that stand alone: an id may only appear in brackets beside a name."""
    return [m.group(2) for m in re.finditer(r"(\(?)\b(user_[a-z0-9]+)", text) if not m.group(1)]


def deps(services: Any, repo: Any, clock: Any, out: Path) -> Any:
    from ui.compliance.wiring import ComplianceDeps

    inst = services.installation
    users = AccountDirectoryFacts(services.accounts)
    return ComplianceDeps(
        gateway=services.gateway,
        clock=clock,
        repo=repo,
        alerts=AlertService(
            repo, services.trail, clock, users=users, reasons=users.break_glass_reasons
        ),
        users=users,
        sources=ChecklistSources(
            inst.layout.database,
            inst.settings,
            inst.secrets,
            repo,
            users=users,
            audit_ok=lambda: verify_local(services.trail.repository).ok,
        ),
        practice="Smile Dental (test-practice)",
        runner=Operations(),
        names=NAMES.get,
        ask_path=lambda name: out / name,
        zone=ZONE,
    )


def settle(qtbot: Any, d: Any) -> None:
    """Wait until the page's background work has landed (it runs off the UI thread)."""
    qtbot.waitUntil(lambda: not d.runner.busy(), timeout=15000)


def styled(widget: Any) -> Any:
    from importlib import resources

    widget.setStyleSheet(resources.files("resources").joinpath("style.qss").read_text("utf-8"))
    widget.resize(1366, 768)
    return widget


def shot(widget: Any, name: str) -> None:
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"compliance-{name}.png"))


def pdf_text(path: Path) -> str:
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 1000
    if shutil.which("pdftotext") is None:
        return ""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(unicodedata.normalize("NFKC", out.stdout).split())  # no "fi" ligatures


@pytest.fixture
def practice(services, clock, tmp_path):  # type: ignore[no-untyped-def]
    repo = world.build(services, clock)
    return services, deps(services, repo, clock, tmp_path)


def test_pages_for_roles(practice: Any) -> None:
    from ui.compliance.wiring import compliance_pages

    _, d = practice
    officer = [p.key for p in compliance_pages(d, OFFICER)]
    assert officer == [
        "compliance.alerts",
        "compliance.reports",
        "compliance.review",
        "compliance.checklist",
    ]
    assert compliance_pages(d, OFFICER)[0].title == "Alerts"  # the count comes later
    assert [p.key for p in compliance_pages(d, MANAGER)] == [
        "compliance.alerts",
        "compliance.reports",
    ]
    assert compliance_pages(d, world.FRONT) == []


def test_the_rail_names_the_open_alerts_once_counted_off_the_ui_thread(
    qtbot: Any, practice: Any
) -> None:
    import threading

    from ui.compliance.wiring import compliance_pages, show_alert_count
    from ui.main_window import MainWindow

    _, d = practice
    threads: list[threading.Thread] = []

    class Counted:
        def unacknowledged_count(self) -> int:
            threads.append(threading.current_thread())
            return int(d.alerts.unacknowledged_count())

    window = MainWindow(
        practice_id="p",
        user_label="Olive",
        role_label="Compliance",
        pages=compliance_pages(d, OFFICER),
    )
    qtbot.addWidget(window)
    show_alert_count(Counted(), d.runner, window)  # type: ignore[arg-type]
    open_count = d.alerts.unacknowledged_count()
    assert open_count >= 4
    qtbot.waitUntil(lambda: window.rail.item(0).text() == f"Alerts ({open_count})", timeout=10000)
    # On a joined PC the count is a call to the hub: never on the UI thread.
    assert threads and threading.main_thread() not in threads
    # Acknowledging one on the open alerts page names the new count in the rail.
    page = window.page("compliance.alerts")
    assert page is not None
    page.countChanged.emit(open_count - 1)
    assert window.rail.item(0).text() == f"Alerts ({open_count - 1})"


def test_alerts_page_acknowledges_with_a_note(qtbot: Any, practice: Any) -> None:
    from ui.compliance.alerts_page import AcknowledgeDialog, AlertsPage, badge_text

    _services, d = practice
    alerts = d.alerts
    notes = iter(["Checked with Robin: month-end recall calls."])
    page = AlertsPage(
        lambda open_only: alerts.views(OFFICER, unacknowledged_only=open_only),
        lambda alert_id, note: alerts.acknowledge(OFFICER, alert_id, note),
        alerts.unacknowledged_count,
        ask_note=lambda alert: next(notes),
        runner=d.runner,
        zone=ZONE,
    )
    qtbot.addWidget(styled(page))
    settle(qtbot, d)
    before = alerts.unacknowledged_count()
    assert before >= 4 and page.table.rowCount() == before
    assert page.badge_text() == badge_text(before) == f"Alerts ({before})"
    rules = {page.table.item(r, 2).text() for r in range(page.table.rowCount())}
    assert {
        "Many patients in an hour",
        "Burst of failed sign-ins (account)",
        "Data exported",
        "Emergency access (break-glass)",
    } <= rules
    table = [
        [page.table.item(r, c).text() for c in range(page.table.columnCount())]
        for r in range(page.table.rowCount())
    ]
    who = {row[2]: row[3] for row in table}
    assert who["Many patients in an hour"] == "Robin Front, Front desk (user_frontdesk1)"
    assert who["Emergency access (break-glass)"] == "Dr. Lee, Dentist (user_drlee)"
    glass = next(row for row in table if row[2] == "Emergency access (break-glass)")
    assert "Reason given: “Patient in pain on a Sunday, chart needed.”" in glass[4]
    assert not bare_ids(" ".join(" ".join(row) for row in table))
    first = alerts.alerts(OFFICER)[0]
    assert table[0][0] == f"{first.event_at.astimezone(ZONE):%Y-%m-%d %H:%M}"  # practice time
    page.table.selectRow(0)
    shot(page, "alerts")
    glass_view = next(v for v in alerts.views(OFFICER) if v.alert.rule == "break_glass")
    dialog = AcknowledgeDialog(glass_view, page, ZONE)
    assert "Patient in pain on a Sunday" in dialog.reasons.text()
    assert "Dr. Lee, Dentist (user_drlee)" in dialog.who.text()
    qtbot.addWidget(dialog)
    dialog.note.setPlainText("Spoke to the dentist; emergency was genuine.")
    dialog.resize(520, 300)
    shot(dialog, "acknowledge-dialog")
    with qtbot.waitSignal(page.countChanged) as signal:
        page.acknowledge_selected()
        settle(qtbot, d)
    settle(qtbot, d)
    assert signal.args == [before - 1] and page.table.rowCount() == before - 1
    page.open_only.setChecked(False)
    settle(qtbot, d)
    assert page.table.rowCount() == before
    states = [page.table.item(r, 5).text() for r in range(page.table.rowCount())]
    assert sum(s.startswith("acknowledged") for s in states) == 1
    assert any(
        s.endswith("by Casey Compliance, Compliance officer (user_compliance)") for s in states
    )


def test_patient_report_pdf_names_only_for_the_compliance_officer(
    qtbot: Any, practice: Any, tmp_path: Path, fake_phi: dict[str, str]
) -> None:
    from ui.compliance.wiring import reports_page

    services, d = practice
    officer_page = styled(reports_page(d, OFFICER))
    qtbot.addWidget(officer_page)
    settle(qtbot, d)
    tab = officer_page.patient_tab
    tab.patient.setText(str(PATIENT))
    tab.show_button.click()
    settle(qtbot, d)
    assert fake_phi["name"] in tab.view.toPlainText()
    shot(officer_page, "patient-report")
    path = tab.save()
    assert path is not None
    text = pdf_text(path)
    if text:
        assert fake_phi["name"] in text and "Robin Front" in text
        assert "by Casey Compliance, Compliance officer (user_compliance)" in text
        assert not bare_ids(text)
    assert "Robin Front, Front desk (user_frontdesk1)" in tab.view.toPlainText()
    assert not bare_ids(tab.view.toPlainText())
    shutil.copy(path, tmp_path / "officer.pdf")

    manager_page = styled(reports_page(d, MANAGER))
    qtbot.addWidget(manager_page)
    settle(qtbot, d)
    tab = manager_page.patient_tab
    tab.patient.setText(str(PATIENT))
    tab.show_button.click()
    settle(qtbot, d)
    assert tab.error.isVisible() is False or "record number" in tab.error.text()
    assert "record number" in tab.error.text() and not tab.pdf_button.isEnabled()
    ref = services.trail.ref(RecordKind.PATIENT, PATIENT)
    tab.patient.setText(ref)
    tab.show_button.click()
    settle(qtbot, d)
    assert ref in tab.view.toPlainText() and fake_phi["last_name"] not in tab.view.toPlainText()
    path = tab.save()
    assert path is not None
    data = path.read_bytes()
    assert fake_phi["last_name"].encode() not in data
    text = pdf_text(path)
    if text:
        assert ref in text.replace(" ", "") and fake_phi["last_name"] not in text
    shutil.copy(path, tmp_path / "manager.pdf")
    if SHOTS:
        shutil.copy(tmp_path / "officer.pdf", Path(SHOTS) / "compliance-patient-report-officer.pdf")
        shutil.copy(tmp_path / "manager.pdf", Path(SHOTS) / "compliance-patient-report-manager.pdf")


def test_breach_assessment_page_and_pdf(
    qtbot: Any, practice: Any, tmp_path: Path, fake_phi: dict[str, str]
) -> None:
    from PySide6.QtCore import QDateTime

    from ui.compliance.wiring import reports_page

    _, d = practice
    page = styled(reports_page(d, OFFICER))
    qtbot.addWidget(page)
    page.tabs.setCurrentIndex(1)
    tab = page.breach_tab
    now = d.clock.now()
    settle(qtbot, d)
    tab.start.setDateTime(QDateTime(tab.start.date().addDays(-3), tab.start.time()))
    names = [tab.actor.itemText(i) for i in range(tab.actor.count())]
    assert "Robin Front, Front desk (user_frontdesk1)" in names and names[0] == "Everyone"
    tab.choose_person(world.FRONT.actor_id)
    tab.show_button.click()
    settle(qtbot, d)
    shown = tab.view.toPlainText()
    assert "Notify individuals by" in shown and fake_phi["name"] in shown
    assert "Robin Front, Front desk (user_frontdesk1)" in shown and not bare_ids(shown)
    assert "America/Chicago" in shown
    assert (now.date().isoformat()) in shown
    shot(page, "breach-assessment")
    path = tab.save()
    assert path is not None and "Notify individuals" in (pdf_text(path) or "Notify individuals")
    if SHOTS:
        shutil.copy(path, Path(SHOTS) / "compliance-breach-assessment.pdf")

    manager = styled(reports_page(d, MANAGER))
    qtbot.addWidget(manager)
    manager.breach_tab.start.setDateTime(QDateTime(tab.start.date(), tab.start.time()))
    manager.breach_tab.show_button.click()
    settle(qtbot, d)
    assert fake_phi["last_name"] not in manager.breach_tab.view.toPlainText()
    assert "pt_" in manager.breach_tab.view.toPlainText()
    mpath = manager.breach_tab.save()
    assert mpath is not None and fake_phi["last_name"].encode() not in mpath.read_bytes()
    text = pdf_text(mpath)
    assert fake_phi["last_name"] not in text


def test_access_review_page_signs(qtbot: Any, practice: Any) -> None:
    from ui.compliance.wiring import review_page

    _, d = practice
    page = styled(review_page(d, OFFICER))
    qtbot.addWidget(page)
    settle(qtbot, d)
    assert page.table.rowCount() == 6
    assert "not signed" in page.last_signed.text()
    roles = {page.table.item(r, 0).text(): page.table.item(r, 2).text() for r in range(6)}
    assert roles["Robin Front"] == "Front desk" and roles["Dr. Lee"] == "Dentist"
    assert page.table.item(0, 1).text().endswith(")")  # login (account id)
    shot(page, "access-review")
    page.sign_button.click()
    settle(qtbot, d)
    assert page.error.isVisible() or "note" in page.error.text()
    page.note.setText("Q4 review: Bailey to enrol MFA; former temp stays disabled.")
    page.sign_button.click()
    settle(qtbot, d)
    assert "Last signed" in page.last_signed.text() and d.repo.last_review() is not None
    assert "by Casey Compliance, Compliance officer (user_compliance)" in page.last_signed.text()
    path = page.save()
    assert path is not None and pdf_text(path) is not None
    text = pdf_text(path)
    if text:
        assert "Casey Compliance, Compliance officer (user_compliance)" in text
        assert not bare_ids(text)
    if SHOTS:
        shutil.copy(path, Path(SHOTS) / "compliance-access-review.pdf")


def test_checklist_page(qtbot: Any, practice: Any) -> None:
    from ui.compliance.wiring import checklist_page

    services, d = practice
    inst = services.installation
    inst.secrets.put("pms.developer_key", b"d", d.clock.now())
    from services.compliance.evidence import Evidence, record_evidence

    today = d.clock.now().astimezone(ZONE).date()
    for key, ev in (
        (
            "training",
            Evidence(today - timedelta(days=40), "All six staff, online course", "HR-2026-11"),
        ),
        (
            "baa",
            Evidence(today - timedelta(days=200), "Open Dental, Bright IT, Backblaze", "Binder 2"),
        ),
    ):
        record_evidence(d.repo, services.trail, d.clock, ZONE, OFFICER, key, ev)
    page = styled(checklist_page(d, OFFICER))
    qtbot.addWidget(page)
    settle(qtbot, d)
    assert page.table.rowCount() == 19
    marked = {i.key: page.table.item(r, 4).text() for r, i in enumerate(page.items)}
    assert marked["training"].endswith("by Casey Compliance") and marked["encryption"] == ""
    statuses = {i.key: page.table.item(r, 2).text() for r, i in enumerate(page.items)}
    assert statuses["encryption"] == "Met"
    assert statuses["backup"] == "Not met"
    assert statuses["risk_analysis"] == "Not met"  # evidence-based: none recorded yet
    assert "met" in page.summary.text()
    assert page.credentials.rowCount() >= 2
    page.select_item("training")
    shown = " ".join(
        page.table.item(r, c).text()
        for r in range(page.table.rowCount())
        for c in range(page.table.columnCount())
    )
    assert not bare_ids(shown + " " + page.selected_label.text())
    assert "Casey Compliance, Compliance officer (user_compliance)" in page.selected_label.text()
    shot(page, "checklist")
    path = page.save()
    assert path is not None
    text = pdf_text(path)
    if text:
        assert "Casey Compliance, Compliance officer (user_compliance)" in text
        assert "HR-2026-11" in text and not bare_ids(text)
    if SHOTS:
        shutil.copy(path, Path(SHOTS) / "compliance-checklist.pdf")


def test_audit_viewer_names_people_and_finds_them_by_name(qtbot: Any, practice: Any) -> None:
    from datetime import datetime

    from PySide6.QtCore import Qt

    from services.compliance.people import audit_page
    from ui.audit_viewer import COLUMNS, AuditViewer

    services, d = practice
    today = d.clock.now().astimezone(ZONE).date()
    from services.audit.export import export_jsonl

    out = Path(str(d.ask_path("audit.jsonl")))
    viewer = AuditViewer(
        lambda a, b, text, filters: audit_page(
            services.trail, OFFICER, d.users, a, b, text, ZONE, filters=filters
        ),
        lambda: verify_local(services.trail.repository),
        today,
        d.runner.run,
        zone=ZONE,
        export=lambda a, b, target: export_jsonl(services.trail, OFFICER, a, b, target),
        ask_path=lambda suggested: out,
    )
    qtbot.addWidget(styled(viewer))
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15000)
    model = viewer.model

    def column(name: str) -> list[str]:
        index = [key for key, _ in COLUMNS].index(name)
        return [model.text(r, index) for r in range(model.rowCount())]

    everyone = column("actor_id")
    assert "Robin Front, Front desk (user_frontdesk1)" in everyone
    assert not bare_ids(" ".join(everyone))
    header = model.headerData(1, Qt.Orientation.Horizontal)
    assert header == "Time (America/Chicago)"
    box = viewer.workstation_box  # a single PC: its own trail is the practice's
    here = services.trail.workstation_id
    assert [box.itemText(i) for i in range(box.count())] == [
        "All workstations",
        f"{here} — this PC",
    ]
    shot(viewer, "audit-viewer")

    viewer.filter_edit.setText("robin")  # the trail holds ids: a name must still find them
    viewer.refresh()
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15000)
    found = column("actor_id")
    assert found and set(found) == {"Robin Front, Front desk (user_frontdesk1)"}
    viewer.filter_edit.setText("Dentist")  # a role finds the people who have it
    viewer.refresh()
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15000)
    assert set(column("actor_id")) == {"Dr. Lee, Dentist (user_drlee)"}
    entries = audit_page(
        services.trail, OFFICER, d.users, today - timedelta(days=7), today, "Dentist", ZONE
    ).entries
    stamp = datetime.fromisoformat(entries[0].timestamp).astimezone(ZONE)
    assert column("timestamp")[0] == f"{stamp:%Y-%m-%d %H:%M:%S}"  # practice time, not UTC

    viewer.export_button.click()  # the export from the viewer: UTC, audited like the CLI's
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15000)
    lines = out.read_text().splitlines()
    assert lines and all('"timestamp":"' in line and 'Z"' in line for line in lines)
    assert "Exported" in viewer.result_label.text()
    exports = [b for _, b, _ in services.trail.repository.rows() if '"action":"audit_export"' in b]
    assert exports and OFFICER.actor_id in exports[-1]


def test_no_actor_is_used_that_the_pages_do_not_know(practice: Any) -> None:
    assert isinstance(OFFICER, Actor)


def test_breach_tab_four_factors_letters_and_paged_pdf(
    qtbot: Any, practice: Any, tmp_path: Path, fake_phi: dict[str, str]
) -> None:
    """The officer fills the four factors (saved, audited, shown again on the next look),
    generates the notice letters (addresses read over HTTP only then), and the PDF has
    page numbers and whole words."""
    from PySide6.QtCore import QDateTime

    from services.clock import TEST_EPOCH, ManualClock
    from services.pms.opendental import OpenDentalClient
    from services.pms.simulator import SimulatorServer, SyntheticPractice
    from ui.compliance.wiring import reports_page

    services, d = practice
    server = SimulatorServer(
        SyntheticPractice(today=TEST_EPOCH.date(), clock=ManualClock()), page_size=100
    ).start()
    client = OpenDentalClient(server.url, server.developer_key, server.customer_key, timeout=5.0)
    try:
        template = server.practice.patients[1001]
        for n in [world.PATIENT, 11, 12, 13, *range(100, 160)]:
            server.practice.patients[n] = {**template, "PatNum": n, "LName": f"Letter{n}"}
        d.addresses = client

        def breach_tab() -> Any:
            page = styled(reports_page(d, OFFICER))
            qtbot.addWidget(page)
            page.tabs.setCurrentIndex(1)
            settle(qtbot, d)
            tab = page.breach_tab
            tab.start.setDateTime(QDateTime(tab.start.date().addDays(-3), tab.start.time()))
            tab.choose_person(world.FRONT.actor_id)
            tab.show_button.click()
            settle(qtbot, d)
            return page, tab

        page, tab = breach_tab()
        shown = tab.view.toPlainText()
        assert f"{fake_phi['name']}\t{world.PATIENT}" in shown.replace("\n", "\t")  # chart
        assert "annual HHS log" in shown and "no media notice" in shown
        assert "Not assessed yet." in shown and not tab.letters_button.isHidden()
        assert not any(
            b'"breach_notice_list"' in b.encode() for _, b, _ in services.trail.repository.rows()
        )
        tab.factors["nature"].setPlainText("Names and phone numbers of 64 patients.")
        tab.factors["recipient"].setPlainText("Our own front desk, trained and bound by policy.")
        tab.factors["acquired"].setPlainText("Cards opened on screen; nothing printed.")
        tab.factors["mitigation"].setPlainText("Spoke to Robin the same day; access reviewed.")
        tab.conclusion.setCurrentIndex(tab.conclusion.findData("low_probability"))
        tab.save_risk_button.click()
        settle(qtbot, d)
        assert "Saved" in tab.risk_state.text() and "Casey Compliance" in tab.risk_state.text()
        assert "Cards opened on screen" in tab.view.toPlainText()
        saves = [
            b for _, b, _ in services.trail.repository.rows() if "breach_risk_assessment_saved" in b
        ]
        assert len(saves) == 1 and "Cards opened" not in saves[0]

        tab.letters_button.click()
        settle(qtbot, d)
        assert tab.error.isHidden(), tab.error.text()
        text = tab.view.toPlainText()
        assert "Notice letters (64)" in text and template["Address"] in text
        assert "Letter4217" in text and "Portland, OR 97201" in text
        letters_read = [
            b for _, b, _ in services.trail.repository.rows() if '"breach_notice_list"' in b
        ]
        assert len(letters_read) == 64
        shot(page, "breach-assessment")
        path = tab.save()
        assert path is not None
        if shutil.which("pdftotext"):
            raw = subprocess.run(
                ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
            pages = raw.count("\f") or 1
            assert pages >= 2 and f"page {pages} of {pages}" in raw and "page 1 of" in raw
            words = " ".join(unicodedata.normalize("NFKC", raw).split())
            assert "Casey Compliance, Compliance officer (user_compliance)" in words
            assert "Robin Front, Front desk (user_frontdesk1)" in words  # not split at a line
        if SHOTS:
            shutil.copy(path, Path(SHOTS) / "compliance-breach-assessment-letters.pdf")

        _again, tab2 = breach_tab()  # the saved factors come back with the same window
        assert tab2.factors["acquired"].toPlainText() == "Cards opened on screen; nothing printed."
        assert tab2.conclusion.currentData() == "low_probability"
    finally:
        client.close()
        server.stop()


def test_audit_viewer_filters_by_workstation_and_says_when_the_hub_is_away(
    qtbot: Any, practice: Any
) -> None:
    """A joined PC whose hub does not answer (a real refused connection) shows its own
    entries marked "this workstation only"; the workstation filter and column."""
    import socket
    import ssl

    from services.audit.sources import LocalEntrySource
    from services.compliance.people import audit_page
    from services.hub.client import HubClient
    from services.hub.practice_source import PracticeEntrySource
    from ui.audit_viewer import COLUMNS, AuditViewer

    services, d = practice
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    here = services.trail.workstation_id
    source = PracticeEntrySource(
        HubClient(f"https://127.0.0.1:{port}", ssl.create_default_context()),
        lambda _user: "a-token",
        LocalEntrySource(services.trail),
        here,
    )
    viewer = AuditViewer(
        lambda a, b, text, filters: audit_page(
            services.trail, OFFICER, d.users, a, b, text, ZONE, filters=filters, source=source
        ),
        lambda: verify_local(services.trail.repository),
        d.clock.now().astimezone(ZONE).date(),
        d.runner.run,
        zone=ZONE,
    )
    qtbot.addWidget(styled(viewer))
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15000)
    assert viewer.result_label.text().startswith("This workstation only")
    assert "cannot be reached" in viewer.result_label.text()
    column = [key for key, _ in COLUMNS].index("workstation_id")
    shown = {viewer.model.text(r, column) for r in range(viewer.model.rowCount())}
    assert shown == {here}
    shot(viewer, "audit-viewer-this-workstation-only")
    viewer.person_box.setCurrentIndex(viewer.person_box.findData("user_drlee"))
    viewer.refresh()
    qtbot.waitUntil(lambda: not viewer.busy, timeout=15000)
    who = [key for key, _ in COLUMNS].index("actor_id")
    people = {viewer.model.text(r, who) for r in range(viewer.model.rowCount())}
    assert people == {"Dr. Lee, Dentist (user_drlee)"}
    # With the hub away only this PC can be shown: the choice offers it alone, and says why.
    box = viewer.workstation_box
    assert [box.itemText(i) for i in range(box.count())] == [f"{here} — this PC"]
    assert "hub cannot be reached" in box.toolTip()
    assert "hub cannot be reached" in box.accessibleDescription()
    assert viewer.filters().workstation_id == ""  # as for all: the next load asks the hub again


def test_access_report_says_this_workstation_only_when_the_hub_is_away(
    qtbot: Any, practice: Any
) -> None:
    import dataclasses
    import socket
    import ssl

    from services.audit.sources import LocalEntrySource
    from services.hub.client import HubClient
    from services.hub.practice_source import PracticeEntrySource
    from ui.compliance.wiring import reports_page

    services, d = practice
    with socket.socket() as s:  # a port nothing listens on: the hub is away
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    source = PracticeEntrySource(
        HubClient(f"https://127.0.0.1:{port}", ssl.create_default_context()),
        lambda _user: "a-token",
        LocalEntrySource(services.trail),
        services.trail.workstation_id,
    )
    page = styled(reports_page(dataclasses.replace(d, source=source), OFFICER))
    qtbot.addWidget(page)
    settle(qtbot, d)
    tab = page.patient_tab
    tab.patient.setText(str(PATIENT))
    tab.show_button.click()
    settle(qtbot, d)
    text = tab.view.toPlainText()
    assert "This workstation only." in text and "cannot be reached" in text
    assert "Workstation" in text and services.trail.workstation_id in text
    shot(page, "patient-report-this-workstation-only")
