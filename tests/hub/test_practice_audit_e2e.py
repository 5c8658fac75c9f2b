"""The practice's whole audit trail in one place: one hub and three workstation processes.

The hub is `enamel-hub serve` (its own process). Each workstation is its own data folder,
joined with its own invite through `enamel-admin join` (separate processes), and does its
work in its own process (tests/hub/workstation_driver.py: the product's composition root on
that folder): a person signs in there with password and TOTP (the hub checks both), looks
patients up in Open Dental (the simulator, on 127.0.0.1) and opens their cards through the
PHI gateway; the archive job's round seals and sends the batches to the hub, which indexes
them and runs the breach rules over every workstation's. The compliance officer reads the
practice's report and alerts at another PC's process. A workstation stopped for a while is a
process that is not running. Every clock is a ManualClock or `--clock-start`. The tests
share one office and run in file order.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.auth import totp
from services.clock import TEST_EPOCH, ManualClock
from services.pms.simulator import SimulatorServer, SyntheticPractice
from tests.hub.kit import init_hub, invite
from tests.hub.test_workstation_e2e import HUB_START, Hub, as_person, new_person
from tests.hub.workstation_driver import PcProcess
from tests.support import Person, admin, admin_process, passphrase_from, person_via_cli

pytestmark = pytest.mark.slow

PRACTICE = "smile-dental-01"
PER_PC = 20  # below the 50-an-hour limit on each PC; 58 distinct patients together
SHOTS = os.environ.get("ENAMEL_SCREENSHOTS")  # a folder: also save the screenshot there


@dataclass
class Office:
    hub: Hub
    passphrase: str
    pcs: list[Path]
    ids: list[str]
    alice: Person  # IT
    dana: Person  # front desk: opens the records
    olive: Person  # the compliance officer
    stations: list[PcProcess]  # each PC's process
    born: dict[int, str]  # patient -> the birth date Dana looks them up by (unique here)
    patients: list[int]  # the simulator's patients, each born on a day no other was

    @property
    def shared(self) -> int:
        return self.patients[0]  # the one patient everyone opens


def workstation_id(pc: Path) -> str:
    from services.hub.membership import HubMembership
    from storage.layout import DataLayout

    member = HubMembership.load(DataLayout(pc))
    assert member is not None
    return member.workstation_id


def set_pms(pc: Path, alice: Person, sim: SimulatorServer) -> None:
    made = as_person(pc, alice, "pms", "set", "--mode", "url", "--url", sim.url, "--keys-stdin",
                     stdin=f"{sim.developer_key}\n{sim.customer_key}\n")  # fmt: skip
    assert made.code == 0, made.err


def seal_at_once(pc: Path) -> None:
    from services.archive.settings import SEAL_AFTER_MINUTES
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        inst.settings.set(SEAL_AFTER_MINUTES, "0", HUB_START)
    finally:
        inst.close()


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    base = tmp_path_factory.mktemp("practice-audit")
    hub_root, pcs = base / "hub", [base / f"pc{i}" for i in (1, 2, 3)]
    practice = SyntheticPractice(
        today=TEST_EPOCH.date(), clock=ManualClock(HUB_START), patients_count=200
    )
    sim = SimulatorServer(practice, page_size=100).start()
    days = Counter(str(p["Birthdate"]) for p in practice.patients.values())
    patients = sorted(n for n, p in practice.patients.items() if days[str(p["Birthdate"])] == 1)
    born = {n: str(practice.patients[n]["Birthdate"]) for n in patients}
    passphrase = init_hub(hub_root)
    hub = Hub(hub_root)
    hub.start()
    stations: list[PcProcess] = []
    try:
        made = admin("--data-dir", str(pcs[0]), "init", "--practice-id", PRACTICE)
        assert made.code == 0, made.err
        clock = ManualClock(TEST_EPOCH + timedelta(minutes=1))
        alice = person_via_cli(pcs[0], passphrase_from(made.out), "alice", "it_admin", clock)
        codes = [invite(hub_root, passphrase, f"PC-{i}") for i in (1, 2, 3)]
        joined = as_person(pcs[0], alice, "join", codes[0], "--name", "PC-1")
        assert joined.code == 0, joined.err
        adopted = as_person(pcs[0], alice, "hub", "adopt")
        assert adopted.code == 0, adopted.err
        for pc, code, name in ((pcs[1], codes[1], "PC-2"), (pcs[2], codes[2], "PC-3")):
            joined = admin_process("--data-dir", str(pc), "join", code, "--name", name)
            assert joined.code == 0, joined.err
        for pc in pcs:
            set_pms(pc, alice, sim)
        for pc in pcs:  # a partial batch goes at the next round, not a minute later, so the
            seal_at_once(pc)  # clocks every sign-in carries forward stay in the hub's window
        holder: Any = type("Holder", (), {"alice": alice})()
        dana = new_person(holder, pcs[0], "dana", "front_desk")
        olive = new_person(holder, pcs[1], "olive", "compliance_officer")
        start = max(p.clock.now() for p in (alice, dana, olive))  # after the set-up's entries
        stations.extend(PcProcess(pc, start) for pc in pcs)
        for station in stations:
            station.start()
        yield Office(
            hub, passphrase, pcs, [workstation_id(pc) for pc in pcs], alice, dana, olive,
            stations, born, patients,
        )  # fmt: skip
    finally:
        for station in stations:
            station.stop()
        hub.stop()
        sim.stop()


def hub_now(office: Office) -> Any:
    """The hub's time: it runs from `--clock-start` at the pace of the test."""
    return HUB_START + timedelta(seconds=time.monotonic() - office.hub._started)


def earliest_code_time(office: Office) -> Any:
    """A little after the earliest time the hub takes a code at (it allows five minutes
    either side of its clock): every sign-in carries the PCs' clocks forward by a step or
    more, faster than the hub's runs, so they start from there."""
    return hub_now(office) - timedelta(minutes=4)


def sign_in(office: Office, i: int, person: Person) -> PcProcess:
    """`person` signs in at PC i, in its process, through its AuthService (the hub checks
    both halves). The code is typed at a step of its own, at a time the hub checks it at and
    not before the PC's own time."""
    station = office.stations[i]
    if not station.running:
        station.start()
    at = max(person.clock.now() + timedelta(seconds=30), earliest_code_time(office), station.now)
    person.clock.set(at)
    signed = station.do(
        "sign_in", login=person.login, password=person.password, at=at.isoformat(),
        code=totp.code_at(person.secret, at),
    )  # fmt: skip
    assert signed["user_id"] == person.user_id and signed["hub"] == "Practice hub: connected"
    return station


def open_records(office: Office, i: int, patients: list[int], *, send: bool = True) -> str:
    """Dana signs in at PC i, looks each patient up and opens the card, signs out; then one
    round of PC i's archive job (unless `send` is False)."""
    station = sign_in(office, i, office.dana)
    found = station.do("open", birthdates=[office.born[n] for n in patients])["found"]
    assert found == patients  # each birth date is one patient's
    station.do("sign_out")
    if not send:
        return ""
    return str(station.ask("archive_round").get("result"))


def officer_at(office: Office, i: int, op: str, **args: Any) -> dict[str, Any]:
    """Olive signs in at PC i, asks for one thing there and signs out."""
    station = sign_in(office, i, office.olive)
    try:
        return station.ask(op, **args)
    finally:
        station.do("sign_out")


def hub_db(office: Office) -> Any:
    from services.installation import open_installation
    from storage.layout import DataLayout
    from tests.support import key_store

    return open_installation(DataLayout(office.hub.root), key_store(office.hub.root))


def hub_rows(office: Office, sql: str, *params: object) -> list[tuple[Any, ...]]:
    inst = hub_db(office)
    try:
        return [tuple(r) for r in inst.db.connection().execute(sql, params)]
    finally:
        inst.close()


def local_alerts(pc: Path) -> list[str]:
    from services.installation import open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    inst = open_installation(DataLayout(pc), KeyringKeyStore())
    try:
        return [
            str(r[0]) for r in inst.db.connection().execute("SELECT rule FROM compliance_alerts")
        ]
    finally:
        inst.close()


def hub_seqs(office: Office, ws: str) -> list[int]:
    query = "SELECT seq FROM hub_entries WHERE workstation_id = ? ORDER BY seq"
    return [int(s) for (s,) in hub_rows(office, query, ws)]


def viewed(report: dict[str, Any], ws: str | None = None) -> list[dict[str, Any]]:
    """The report's rows for the patient's look-ups (at `ws`, or anywhere)."""
    return [
        r
        for r in report["rows"]
        if r["action"] == "patient_lookup" and ws in (None, r["workstation_id"])
    ]


def test_accesses_on_all_three_appear_in_one_patient_s_access_report(office: Office) -> None:
    for i in range(3):
        others = office.patients[1 + i * (PER_PC - 1) : 1 + (i + 1) * (PER_PC - 1)]
        assert open_records(office, i, [office.shared, *others]) == "up to date at the hub"
    indexed = hub_rows(office, "SELECT workstation_id, count(*) FROM hub_entries GROUP BY 1")
    assert {ws for ws, _ in indexed} >= set(office.ids)
    open_records(office, 1, [office.shared], send=False)  # at PC-2, not sealed: not at the hub
    report = officer_at(office, 1, "access_report", patient=office.shared)
    assert report["practice_wide"] and report["notice"] == ""
    stations = [r["workstation_id"] for r in viewed(report)]
    assert sorted(stations) == sorted([*office.ids, office.ids[1]])  # PC-2's twice, no duplicate
    assert {r["actor_id"] for r in viewed(report)} == {office.dana.user_id}
    assert [report["workstations"][ws] for ws in office.ids] == ["PC-1", "PC-2", "PC-3"]
    # The hub recorded who looked at the practice's trail, from where.
    asked = hub_rows(
        office,
        "SELECT body FROM audit_log WHERE json_extract(body, '$.action') = ?",
        "patient_access_report",
    )
    last = json.loads(asked[-1][0])
    assert last["actor_id"] == office.olive.user_id and last["resource_id"] == office.ids[1]


def test_a_breach_rule_fires_on_the_combined_count_and_the_officer_sees_it_elsewhere(
    office: Office,
) -> None:
    alerts = hub_rows(office, "SELECT rule, subject, summary FROM compliance_alerts")
    assert [(rule, subject) for rule, subject, _ in alerts] == [
        ("patient_volume", office.dana.user_id)
    ]
    assert "distinct patients within an hour" in alerts[0][2]
    for pc in office.pcs:  # one misuse, one alert: none raised at any PC
        assert local_alerts(pc) == []
    station = sign_in(office, 2, office.olive)  # at PC-3 this time
    try:
        assessment = station.do(
            "breach_assessment", actor_id=office.dana.user_id, start=TEST_EPOCH.isoformat(),
            end=(TEST_EPOCH + timedelta(hours=2)).isoformat(),
        )  # fmt: skip
        assert assessment["practice_wide"] and assessment["notes"] == []
        assert assessment["patients"] == 3 * PER_PC - 2  # the shared patient once
        assert station.do("scan")["raised"] == []  # the PC's own sweep leaves it to the hub
        seen = station.do("alerts")
        assert [a["rule"] for a in seen["alerts"]] == ["patient_volume"] and seen["open"] == 1
        done = station.do(
            "acknowledge", alert_id=seen["alerts"][0]["alert_id"],
            note="Spoke with Dana: a recall campaign.",
        )  # fmt: skip
        assert done["open"] == 0
    finally:
        station.do("sign_out")
    (alert,) = officer_at(office, 0, "alerts")["alerts"]  # and PC-1 sees it acknowledged
    assert alert["acknowledged_by"] == office.olive.user_id


def test_a_role_without_the_permission_is_refused_by_the_hub_and_recorded(office: Office) -> None:
    from services.audit.sources import AUDIT_VIEW

    station = sign_in(office, 0, office.dana)  # front desk: no VIEW_AUDIT
    try:
        entries = station.ask("practice_find", query=AUDIT_VIEW)
        assert entries["error"] == "AccessDenied" and "does not allow" in entries["message"]
        assert station.ask("hub_alerts")["error"] == "AccessDenied"  # the alerts too
    finally:
        station.do("sign_out")
    refused = hub_rows(
        office,
        "SELECT body FROM audit_log WHERE json_extract(body, '$.actor_id') = ? "
        "AND json_extract(body, '$.outcome') = 'failure'",
        office.dana.user_id,
    )
    actions = [json.loads(b)["action"] for (b,) in refused]
    assert "audit_view" in actions and "alerts_view" in actions


def test_with_the_hub_away_the_report_is_this_workstation_s_only_and_says_so(
    office: Office,
) -> None:
    station = sign_in(office, 1, office.olive)
    try:
        office.hub.stop()
        try:
            report = station.do("access_report", patient=office.shared)
        finally:
            office.hub.start()
    finally:
        station.do("sign_out")
    assert not report["practice_wide"]
    assert "this workstation's entries only" in report["notice"]
    assert {r["workstation_id"] for r in report["rows"]} == {office.ids[1]}


def test_a_stopped_workstation_catches_up_without_a_gap(office: Office) -> None:
    pc3, ws3 = office.stations[2], office.ids[2]
    made_here = office.patients[3 * PER_PC : 3 * PER_PC + 3]
    open_records(office, 2, [office.shared, *made_here[:2]], send=False)
    pc3.switch_off()  # PC-3 goes off before its job sent them
    at_hub = hub_seqs(office, ws3)
    # While it is off, the others go on working and sending.
    assert open_records(office, 0, [made_here[2]]) == "up to date at the hub"
    assert open_records(office, 1, [made_here[2]]) == "up to date at the hub"
    assert not pc3.running and hub_seqs(office, ws3) == at_hub
    office.hub.stop()  # back on while the hub is away: its round fails and keeps the chain
    try:
        assert pc3.ask("archive_round")["error"] == "ArchiveUnavailable"
    finally:
        office.hub.start()
    assert pc3.do("archive_round")["result"] == "up to date at the hub"
    seqs = hub_seqs(office, ws3)
    assert seqs == list(range(1, seqs[-1] + 1)) and seqs[-1] > at_hub[-1]  # from 1, no gap
    report = officer_at(office, 0, "access_report", patient=office.shared)
    assert len(viewed(report, ws3)) == 2  # the first round's and the one made before it went off


def test_the_audit_viewer_filters_the_practice_s_entries_by_workstation(office: Office) -> None:
    filters = {"workstation_id": office.ids[1], "actor_id": office.dana.user_id}
    station = sign_in(office, 0, office.olive)
    try:
        page = station.do("audit_page", filters=filters)
        everything = station.do("audit_page")
    finally:
        station.do("sign_out")
    assert page["practice_wide"] and page["entries"]
    assert {e["workstation_id"] for e in page["entries"]} == {office.ids[1]}
    assert {e["actor_id"] for e in page["entries"]} == {office.dana.user_id}
    # The hub's own trail is there too: who read the practice's trail, from where.
    (hub_id,) = hub_rows(office, "SELECT json_extract(body, '$.workstation_id') FROM audit_log")[0]
    assert {e["workstation_id"] for e in everything["entries"]} >= {hub_id, *office.ids}
    asked = [
        e
        for e in everything["entries"]
        if e["workstation_id"] == hub_id and e["action"] == "patient_access_report"
    ]
    assert asked and asked[0]["actor_id"] == office.olive.user_id
    assert everything["workstations"][hub_id] == "Practice hub"


@pytest.mark.ui
def test_the_audit_viewer_at_a_joined_pc_shows_every_workstation_s_entries(
    office: Office, qtbot: Any
) -> None:
    """The real viewer, wired as the desk wires it, at PC-1 (its driver stopped meanwhile:
    this is that PC's app now), over the live hub; saved at 1366 wide."""
    from importlib import resources

    from app.bootstrap import build_services
    from app.practice_setup import entry_source
    from services.audit import Pseudonymizer, RecordKind, verify_local
    from services.compliance.facts import AccountDirectoryFacts
    from services.compliance.people import audit_page
    from services.installation import PSEUDONYM_KEY, open_installation
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout
    from ui.audit_viewer import COLUMNS, AuditViewer
    from ui.operations import Operations

    pc1, olive = office.stations[0], office.olive
    pc1.stop()
    at = max(olive.clock.now() + timedelta(seconds=30), earliest_code_time(office), pc1.now)
    olive.clock.set(at)
    clock = ManualClock(at)
    services = build_services(open_installation(DataLayout(pc1.data_dir), KeyringKeyStore()), clock)
    runner = Operations()
    try:
        step = services.auth.check_password(olive.login, olive.password)
        session = services.auth.check_code(step, totp.code_at(olive.secret, at))
        source, users = entry_source(services), AccountDirectoryFacts(services.accounts)
        zone = services.calendar.zone
        viewer = AuditViewer(
            lambda a, b, text, filters: audit_page(
                services.trail, session.actor, users, a, b, text, zone, filters=filters,
                source=source,
            ),
            lambda: verify_local(services.trail.repository),
            services.calendar.today(),
            runner.run,
            zone=zone,
        )  # fmt: skip
        viewer.setStyleSheet(resources.files("resources").joinpath("style.qss").read_text("utf-8"))
        viewer.resize(1366, 768)
        qtbot.addWidget(viewer)
        viewer.show()
        qtbot.waitUntil(lambda: not viewer.busy, timeout=30000)
        assert viewer.result_label.text().endswith("entries."), viewer.result_label.text()
        # The shared patient's: the look-ups and cards at all three PCs.
        key = services.installation.secrets.require(PSEUDONYM_KEY)
        viewer.patient_edit.setText(Pseudonymizer(key).ref(RecordKind.PATIENT, office.shared))
        viewer.refresh()
        qtbot.waitUntil(lambda: not viewer.busy, timeout=30000)
        assert viewer.result_label.text().endswith("entries."), viewer.result_label.text()
        column = [key for key, _ in COLUMNS].index("workstation_id")
        shown = {viewer.model.text(r, column) for r in range(viewer.model.rowCount())}
        for name, ws in zip(("PC-1", "PC-2", "PC-3"), office.ids, strict=True):
            assert f"{name} ({ws})" in shown
        folder = Path(SHOTS or tempfile.mkdtemp(prefix="enamel-shots-"))
        viewer.grab().save(str(folder / "compliance-audit-viewer-practice.png"))
        header = viewer.table.horizontalHeader()  # every column on screen at 1366 wide
        widths = [header.sectionSize(c) for c in range(len(COLUMNS))]
        assert sum(widths) <= viewer.table.viewport().width(), f"{widths}"
        assert not viewer.table.horizontalScrollBar().isVisible()
        choose_a_workstation_by_keyboard(viewer, qtbot, office, services, folder)
        services.auth.end_session(session)
    finally:
        runner.shutdown()
        services.close()
        pc1.now = clock.now()  # PC-1's app goes on from here


def choose_a_workstation_by_keyboard(
    viewer: Any, qtbot: Any, office: Office, services: Any, folder: Path
) -> None:
    """The workstation choice offers every workstation the hub has entries from, by name,
    this PC marked; chosen with Tab, the arrows and Return, it shows that one's entries only,
    and each look-up is still recorded in this PC's trail."""
    from PySide6.QtCore import Qt

    from ui.audit_viewer import COLUMNS

    column = [key for key, _ in COLUMNS].index("workstation_id")

    def shown() -> set[str]:
        return {viewer.model.text(r, column) for r in range(viewer.model.rowCount())}

    def looked_up() -> int:
        rows = services.trail.repository.rows()
        return sum(1 for _, body, _ in rows if '"action":"audit_view"' in body)

    box = viewer.workstation_box
    (hub_id,) = hub_rows(office, "SELECT json_extract(body, '$.workstation_id') FROM audit_log")[0]
    pc1, pc2, pc3 = office.ids
    offered = [box.itemText(i) for i in range(box.count())]
    assert offered[0] == "All workstations" and box.currentIndex() == 0
    assert f"PC-1 ({pc1}) — this PC" == offered[1]  # this PC first, then by name
    assert offered[2:] == [f"PC-2 ({pc2})", f"PC-3 ({pc3})", f"Practice hub ({hub_id})"]
    viewer.verify_button.setFocus()
    qtbot.keyClick(viewer.verify_button, Qt.Key.Key_Tab)  # the next stop is the choice
    assert viewer.focusWidget() is box
    before = looked_up()
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.currentText() == f"PC-2 ({pc2})"
    qtbot.keyClick(box, Qt.Key.Key_Return)  # as Return in the filter boxes: Show
    qtbot.waitUntil(lambda: not viewer.busy, timeout=30000)
    assert viewer.model.rowCount() > 0 and shown() == {f"PC-2 ({pc2})"}
    assert box.currentText() == f"PC-2 ({pc2})"  # kept across the load
    viewer.grab().save(str(folder / "audit-viewer-workstations.png"))
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.currentText() == f"PC-1 ({pc1}) — this PC"
    viewer.show_button.click()  # the Show button takes the choice too
    qtbot.waitUntil(lambda: not viewer.busy, timeout=30000)
    assert shown() == {f"PC-1 ({pc1})"}
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.currentText() == "All workstations"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not viewer.busy, timeout=30000)
    assert {f"PC-1 ({pc1})", f"PC-2 ({pc2})", f"PC-3 ({pc3})"} <= shown()
    assert looked_up() == before + 3  # each look-up recorded as before, whichever is chosen


def test_the_hub_indexes_at_start_up_what_it_stored_but_did_not_index(office: Office) -> None:
    ws = office.ids[1]
    query = "SELECT seq, hash FROM hub_entries WHERE workstation_id = ? ORDER BY seq"
    before = hub_rows(office, query, ws)
    office.hub.stop()
    try:
        inst = hub_db(office)
        try:
            with inst.db.transaction() as conn:
                conn.execute("DELETE FROM hub_entries WHERE workstation_id = ?", (ws,))
        finally:
            inst.close()
    finally:
        office.hub.start()
    assert before and hub_rows(office, query, ws) == before
    # Evaluated again as it is indexed again: the alert it raised is not raised twice.
    assert len(hub_rows(office, "SELECT 1 FROM compliance_alerts")) == 1


def verify_practice(office: Office) -> Any:
    """`enamel-admin audit verify --practice` at the hub, its own process."""
    return admin_process("--data-dir", str(office.hub.root), "--clock-start",
                         hub_now(office).isoformat(), "audit", "verify", "--practice")  # fmt: skip


def test_verify_practice_passes_then_names_an_altered_and_a_withheld_batch(office: Office) -> None:
    from tests.hub.test_hub_batches import _alter

    for station in office.stations:
        station.stop()  # every PC's app closed: nothing more arrives while the hub checks
    ok = verify_practice(office)
    assert ok.code == 0, ok.out + ok.err
    for ws in office.ids:
        assert f"OK     {ws}" in ok.out
    ws = office.ids[2]
    name, first, last = (
        hub_rows(
            office,
            "SELECT name, first_seq, last_seq FROM hub_batches WHERE workstation_id = ? "
            "ORDER BY first_seq",
            ws,
        )
    )[0]
    _alter(office, name)  # type: ignore[arg-type]
    altered = verify_practice(office)
    assert altered.code == 1
    assert f"FAILED {ws}" in altered.out
    assert f"{ws}/{first:012d}-{last:012d}: the signature is not the workstation's" in altered.out
    inst = hub_db(office)
    try:
        with inst.db.transaction() as conn:
            conn.execute("DELETE FROM hub_batches WHERE name = ?", (name,))
    finally:
        inst.close()
    withheld = verify_practice(office)
    assert withheld.code == 1
    assert f"FAILED {ws}" in withheld.out and f"expected seq {first}" in withheld.out


def test_a_revoked_workstation_reads_nothing_of_the_practice(office: Office) -> None:
    station = sign_in(office, 0, office.olive)
    revoked = admin("--data-dir", str(office.hub.root), "hub", "revoke", office.ids[0],
                    "--recovery-passphrase-stdin", stdin=office.passphrase + "\n")  # fmt: skip
    assert revoked.code == 0, revoked.err
    assert station.ask("access_report", patient=office.shared)["error"] == "HubRevoked"
