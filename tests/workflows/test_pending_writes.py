"""PMS writes kept while Open Dental cannot be reached: shown as pending, sent in order by the
job's round when it answers again, and never applied twice (a call that may have landed is
looked for in the patient's commlog first). Real adapter over HTTP, real SQLCipher file."""

from __future__ import annotations

from app.bootstrap import Services
from services.pms.simulator import SimulatorServer
from services.pms.simulator.server import Fault
from services.workflows.context import DeskContext
from services.workflows.insurance import InsuranceService
from services.workflows.pending import PendingWrites
from services.workflows.recall import RecallService
from storage.pms_writes_repo import PmsWritesRepository
from tests.workflows.test_writes import (
    FRONT,
    commlogs_of,
    entries_after,
    insverify_dates,
    trail_head,
)

# Both attempts of the client's retry policy meet a dropped connection: the PMS is away.
AWAY = 2
# Recalls PUT Status adds a commlog each time, so it is never retried after the request
# went out: one dropped connection is one failed call.
AWAY_ONCE = 1


def pending_for(cheap_services: Services) -> PendingWrites:
    return PendingWrites(PmsWritesRepository(cheap_services.installation.db), cheap_services.clock)


def test_a_verification_waits_while_the_pms_is_away_and_lands_when_it_is_back(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    service = InsuranceService(ctx, pending=pending)
    item = next(i for i in service.worklist(FRONT) if i.insurance is not None)
    assert item.insurance is not None
    plan, apt_num = item.insurance.pat_plan_num, item.appointment.apt_num
    before = trail_head(cheap_services)
    sim.inject(Fault(r"^/api/v1/insverifies", "disconnect", method="PUT", times=AWAY))

    done = service.set_status(FRONT, item, "verified")

    assert done.queued
    assert plan not in insverify_dates(sim)
    shown = {i.appointment.apt_num: i for i in service.worklist(FRONT)}[apt_num]
    assert (shown.status, shown.pending) == ("verified", True)
    (queued,) = [
        e for e in entries_after(cheap_services, before) if e["action"] == "insurance_verify"
    ]
    assert (queued["outcome"], queued["flags"]) == ("partial", ["queued"])

    assert pending.send_pending() == "1 sent, nothing waiting"

    today = cheap_services.clock.now().date().isoformat()
    assert insverify_dates(sim)[plan] == today
    assert sim.practice.appt_fields[(apt_num, "Ins Verified")] == f"verified {today}"
    assert not {i.appointment.apt_num: i for i in service.worklist(FRONT)}[apt_num].pending
    sent = [e for e in entries_after(cheap_services, before) if e["action"] == "insurance_verify"][
        -1
    ]
    assert (sent["outcome"], sent["flags"]) == ("success", ["from_queue"])
    assert pending.send_pending() == "nothing waiting"


def test_while_the_pms_is_still_away_the_round_fails_and_keeps_the_order(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    recall = RecallService(ctx, pending)
    first, second = recall.overdue(FRONT)[:2]
    sim.inject(Fault(r"^/api/v1/recalls/Status", "disconnect", method="PUT", times=3 * AWAY_ONCE))
    assert recall.mark(FRONT, first, "left_message") is False
    assert recall.mark(FRONT, second, "contacted") is False
    waiting = {i.recall.recall_num for i in recall.overdue(FRONT) if i.pending}
    assert waiting == {first.recall.recall_num, second.recall.recall_num}

    try:
        pending.send_pending()  # the third pair of attempts: still away
    except Exception as exc:  # the job shows it failing, with the PMS's message
        assert "cannot be reached" in str(exc) or "connection" in str(exc).lower()
    else:
        raise AssertionError("a round with the PMS away must fail")
    assert commlogs_of(sim, first.recall.pat_num) == []

    assert pending.send_pending() == "2 sent, nothing waiting"
    (one,) = commlogs_of(sim, first.recall.pat_num)
    (two,) = commlogs_of(sim, second.recall.pat_num)
    assert one["CommlogNum"] < two["CommlogNum"]  # in the order they were made
    assert one["Note"].startswith("Recall reminder call: left a message. (Enamel ref ")


def test_a_call_that_may_have_landed_is_looked_for_not_sent_again(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    recall = RecallService(ctx, pending)
    item = recall.overdue(FRONT)[0]
    assert recall.mark(FRONT, item, "left_message") is True
    (landed,) = commlogs_of(sim, item.recall.pat_num)
    # As if the answer was lost after Open Dental saved it: the write is pending again.
    with cheap_services.installation.db.transaction() as conn:
        conn.execute("UPDATE pms_writes SET state = 'pending'")
    before = trail_head(cheap_services)

    assert pending.send_pending() == "1 sent, nothing waiting"

    assert commlogs_of(sim, item.recall.pat_num) == [landed]
    (entry,) = entries_after(cheap_services, before)
    assert entry["flags"] == ["already_applied", "from_queue"]


def test_a_queued_write_the_pms_refuses_is_set_aside_and_the_rest_go_on(
    cheap_services: Services, ctx: DeskContext, sim: SimulatorServer
) -> None:
    pending = pending_for(cheap_services)
    recall = RecallService(ctx, pending)
    first, second = recall.overdue(FRONT)[:2]
    sim.inject(Fault(r"^/api/v1/recalls/Status", "disconnect", method="PUT", times=2 * AWAY_ONCE))
    recall.mark(FRONT, first, "contacted")
    recall.mark(FRONT, second, "contacted")
    sim.practice.recalls = [
        r for r in sim.practice.recalls if r["RecallNum"] != first.recall.recall_num
    ]

    assert pending.send_pending() == "1 sent, 1 refused by the PMS, nothing waiting"
    assert commlogs_of(sim, first.recall.pat_num) == []
    assert len(commlogs_of(sim, second.recall.pat_num)) == 1
