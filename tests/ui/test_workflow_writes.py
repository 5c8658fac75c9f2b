"""Each workflow's write through the real pages of the desk, read back from the simulator over
its API: the insurance verification date, the appointment field, the recall's status and
commlog, the no-show's commlog."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.gui import Running
from services.pms.simulator import SimulatorServer
from tests.ui.desk_support import sign_in

pytestmark = pytest.mark.ui


def sim_of(running: Running) -> SimulatorServer:
    assert running.sim is not None
    return running.sim


def api(running: Running, path: str, **params: Any) -> Any:
    """What Open Dental (the simulator) answers a GET now, over HTTP as any client sees it."""
    sim = sim_of(running)
    headers = {"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"}
    answer = httpx.get(f"{sim.url}{path}", params=params, headers=headers, timeout=10)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.json()


def open_loaded(qtbot: Any, window: Any, key: str) -> Any:
    page = window.open_page(key)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    return page


def insured_row(page: Any) -> int:
    return next(i for i, r in enumerate(page.model.rows) if r.insurance is not None)


def test_marking_verified_moves_eligibility_last_verified_in_open_dental(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "billing")
    page = open_loaded(qtbot, window, "insurance")
    index = insured_row(page)
    item = page.model.rows[index]
    plan = item.insurance.pat_plan_num
    assert item.last_verified is None
    assert api(running, "/insverifies", VerifyType="PatientEnrollment", FKey=plan) == []
    today = running.services.calendar.today()

    page.select_row(index)
    page.action_buttons["Mark verified"].click()
    qtbot.waitUntil(lambda: "eligibility last verified" in page.banner.text(), timeout=20000)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)

    (verify,) = api(running, "/insverifies", VerifyType="PatientEnrollment", FKey=plan)
    assert verify["DateLastVerified"] == today.isoformat()
    field = api(running, "/apptfields", AptNum=item.appointment.apt_num, FieldName="Ins Verified")
    assert field["FieldValue"] == f"verified {today.isoformat()}"
    shown = next(r for r in page.model.rows if r.appointment.apt_num == item.appointment.apt_num)
    assert (shown.status, shown.last_verified) == ("verified", today)
    column = [c.title for c in page.model.columns].index("Last verified")
    cell = page.model.index(page.model.rows.index(shown), column)
    assert page.model.data(cell) == str(today)


def test_a_pick_list_field_gets_its_item_and_a_missing_one_is_said(
    qtbot: Any, running: Running
) -> None:
    office = sim_of(running).practice
    office.appt_field_defs = [
        {"ApptFieldDefNum": 8, "FieldName": "Ins Verified", "FieldType": "PickList",
         "PickList": "Yes\r\nNo"},
    ]  # fmt: skip
    window = sign_in(qtbot, running, "frontdesk")
    page = open_loaded(qtbot, window, "insurance")
    index = insured_row(page)
    apt_num = page.model.rows[index].appointment.apt_num

    page.select_row(index)
    page.action_buttons["Mark verified"].click()
    qtbot.waitUntil(lambda: "\u201cYes\u201d" in page.banner.text(), timeout=20000)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert (
        api(running, "/apptfields", AptNum=apt_num, FieldName="Ins Verified")["FieldValue"] == "Yes"
    )

    office.appt_field_defs = []  # the office removed the field
    index = next(i for i, r in enumerate(page.model.rows) if r.appointment.apt_num == apt_num)
    page.select_row(index)
    page.action_buttons["Mark unverified"].click()
    qtbot.waitUntil(
        lambda: "no Ins Verified appointment field" in page.banner.text(), timeout=20000
    )
    assert (
        api(running, "/apptfields", AptNum=apt_num, FieldName="Ins Verified")["FieldValue"] == "Yes"
    )


def test_a_recall_call_is_on_the_recall_and_in_the_commlog_and_a_booked_one_leaves(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = open_loaded(qtbot, window, "recall")
    item = page.model.rows[0]
    pat_num = item.recall.pat_num
    assert api(running, "/commlogs", PatNum=pat_num) == []

    page.select_row(0)
    page.action_buttons["Left message"].click()
    qtbot.waitUntil(lambda: "Noted in Open Dental" in page.banner.text(), timeout=20000)
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)

    (log,) = api(running, "/commlogs", PatNum=pat_num)
    assert log["commType"] == "Recall"
    assert log["Note"].startswith("Recall reminder call: left a message. (Enamel ref ")
    (recall,) = [
        r
        for r in api(running, "/recalls", PatNum=pat_num)
        if r["RecallNum"] == item.recall.recall_num
    ]
    assert recall["recallStatus"] == "Left Msg"
    shown = {r.recall.recall_num: r.last_outcome for r in page.model.rows}
    assert shown[item.recall.recall_num] == "left_message"

    # The patient books (in Open Dental): the recall is scheduled and leaves the list.
    stored = next(
        r for r in sim_of(running).practice.recalls if r["RecallNum"] == item.recall.recall_num
    )
    stored["DateScheduled"] = running.services.calendar.today().isoformat()
    page.refresh_button.click()
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert item.recall.recall_num not in {r.recall.recall_num for r in page.model.rows}
    assert page.model.rows, "the other overdue recalls are still listed"


def test_a_no_show_call_outcome_is_a_commlog_in_open_dental(qtbot: Any, running: Running) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = open_loaded(qtbot, window, "noshows")
    row = page.model.rows[0]
    before = len(api(running, "/commlogs", PatNum=row.appointment.pat_num))

    page.select_row(0)
    page.action_buttons["Reached"].click()
    qtbot.waitUntil(lambda: "commlog" in page.banner.text(), timeout=20000)

    logs = api(running, "/commlogs", PatNum=row.appointment.pat_num)
    assert len(logs) == before + 1 and logs[-1]["commType"] == "ApptRelated"


def test_with_open_dental_down_a_call_waits_in_the_view_and_lands_when_it_is_back(
    qtbot: Any, running: Running
) -> None:
    window = sign_in(qtbot, running, "frontdesk")
    page = open_loaded(qtbot, window, "recall")
    item = page.model.rows[0]
    pat_num = item.recall.pat_num
    old = sim_of(running)
    port = int(old.url.split(":")[2].split("/")[0])
    old.stop()

    page.select_row(0)
    page.action_buttons["Left message"].click()
    qtbot.waitUntil(lambda: "cannot be reached" in page.banner.text(), timeout=60000)
    qtbot.waitUntil(lambda: not page.loading, timeout=60000)
    column = [c.title for c in page.model.columns].index("Last call")

    def last_call() -> str:
        row = next(
            i
            for i, r in enumerate(page.model.rows)
            if r.recall.recall_num == item.recall.recall_num
        )
        return str(page.model.data(page.model.index(row, column)))

    assert last_call() == "left message (waiting for Open Dental)"

    # Open Dental comes back (same address, same office); the job's next round sends it.
    back = SimulatorServer(
        old.practice,
        port=port,
        developer_key=old.developer_key,
        customer_key=old.customer_key,
        page_size=old.page_size,
    ).start()
    running.sim = back
    running.jobs.run_now("pms_writes")
    qtbot.waitUntil(lambda: len(api(running, "/commlogs", PatNum=pat_num)) == 1, timeout=60000)
    running.jobs.run_now("pms_writes")  # another round sends nothing more
    qtbot.waitUntil(
        lambda: running.jobs.status("pms_writes").message == "nothing waiting", timeout=60000
    )
    assert len(api(running, "/commlogs", PatNum=pat_num)) == 1
    page.refresh_button.click()
    qtbot.waitUntil(lambda: not page.loading, timeout=20000)
    assert last_call() == "left message"
