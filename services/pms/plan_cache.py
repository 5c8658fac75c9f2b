"""The insurance lists kept in the encrypted database, read again only as far as they changed.

Open Dental lets two of the worklist's lists be kept current by increments: InsSubs GET
(multiple) takes SecDateTEdit ("all InsSubs on or after this date") and InsVerifies GET
(multiple) takes SecDateTEdit ("altered after"). Those are read whole once, then only their
changes; an InsSub cannot be deleted while a PatPlan points at it, so a deleted one is never
joined, and each is read whole again every WHOLE_EVERY to let deleted records go.

PatPlans (coverage itself: dropping a plan deletes its row), InsPlans and Carriers take no
change filter, so a kept copy cannot learn of a deletion. Asking per patient
(`/patplans?PatNum=`) is one request per booked patient (about 180 for three days against 22
pages of the whole practice's list on the cloud), so they are read whole: when the copy is
older than COVERAGE_FOR, whenever a subscription changed or the subscriptions were read whole
(new coverage comes with a new or edited InsSub), or when asked to (the page's Refresh). In between the worklist
uses the copy and says when it was read (`Served.coverage_read_at`): coverage is never shown
as current when it was not just read.

Every list is whole or the read fails: the changes and the whole lists of one read are
stored in one transaction, only once every page of every list has arrived.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.clock import Clock
from services.pms import parse
from services.pms.paging import ListAsk
from storage.plan_rows_repo import PlanRowsRepository, Record

log = logging.getLogger("services.pms.plan_cache")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
COVERAGE_FOR = timedelta(minutes=15)
WHOLE_EVERY = timedelta(days=1)
# Each list: its number field and the fields the worklist uses (nothing else is kept).
KEPT: dict[str, tuple[str, tuple[str, ...]]] = {
    "/patplans": ("PatPlanNum", ("PatPlanNum", "PatNum", "Ordinal", "InsSubNum")),
    "/inssubs": ("InsSubNum", ("InsSubNum", "PlanNum", "SubscriberID", "SecDateTEdit")),
    "/insplans": ("PlanNum", ("PlanNum", "GroupNum", "CarrierNum")),
    "/carriers": ("CarrierNum", ("CarrierNum", "CarrierName")),
    "/insverifies": (
        "InsVerifyNum",
        ("InsVerifyNum", "VerifyType", "FKey", "DateLastVerified", "SecDateTEdit"),
    ),
}
# The lists with a change filter, and how far back to ask: InsSubs' is "on or after" (the
# newest stamp kept), InsVerifies' "after" (a second before it, for an edit in that second).
INCREMENTS = {"/inssubs": timedelta(0), "/insverifies": timedelta(seconds=1)}
COVERAGE = ("/patplans", "/insplans", "/carriers")


@dataclass(frozen=True)
class Plan:
    """What one read asks for: each list's ask, and whether it is the whole list."""

    asks: tuple[ListAsk, ...]
    whole: frozenset[str]
    served: frozenset[str]  # the lists this read gives (asked, or from the copy)
    coverage_asks: tuple[ListAsk, ...]  # the coverage lists among them, as read whole


@dataclass(frozen=True)
class Served:
    lists: dict[str, list[Record]]  # every record of each list, as kept
    coverage_read_at: datetime  # when PatPlans were last read whole (now, if this read)
    coverage_just_read: bool


def _kept(path: str, record: dict[str, Any]) -> tuple[int, Record]:
    number, fields = KEPT[path]
    return parse.integer(record, number), {k: record[k] for k in fields if k in record}


class PlanCache:
    def __init__(
        self,
        repo: PlanRowsRepository,
        clock: Clock,
        *,
        coverage_for: timedelta = COVERAGE_FOR,
        whole_every: timedelta = WHOLE_EVERY,
    ) -> None:
        self._repo, self._clock = repo, clock
        self._coverage_for, self._whole_every = coverage_for, whole_every
        self._lock = threading.Lock()  # one merge at a time across the operation workers
        # The kept records in memory too, loaded once: the database is the lasting copy, and
        # every store changes both (the memory only once the transaction is committed).
        self._memo: dict[str, dict[int, Record]] | None = None

    def _kept_lists(self) -> dict[str, dict[int, Record]]:
        if self._memo is None:
            self._memo = self._repo.records(list(KEPT))
        return self._memo

    def plan(
        self, asks: Sequence[ListAsk], *, force: bool = False, coverage_now: bool = False
    ) -> Plan:
        """The asks for these lists (`asks` as they would be read whole): a list with a change
        filter asks for its changes, a coverage list nothing while its copy is fresh. With
        `coverage_now` (a person asked for what Open Dental holds now) the coverage lists are
        read whole whatever their age; with `force`, every list."""
        now = self._clock.now()
        state = self._repo.positions([a.path for a in asks])
        whole: set[str] = set()
        out: list[ListAsk] = []
        for ask in asks:
            since, read_at = state.get(ask.path, ("", None))
            age = now - read_at if read_at is not None else None
            if age is not None and age < timedelta(0):  # this PC's clock was set back
                age = None
            if ask.path in INCREMENTS:
                # Read whole and empty (no stamp to go from): whole again, one page.
                if force or age is None or age >= self._whole_every or not since:
                    whole.add(ask.path)
                    out.append(ask)
                else:
                    back = datetime.strptime(since, TIME_FORMAT) - INCREMENTS[ask.path]
                    params = {**ask.params, "SecDateTEdit": back.strftime(TIME_FORMAT)}
                    out.append(ListAsk(ask.path, params, ask.what))
            elif force or coverage_now or age is None or age >= self._coverage_for:
                whole.add(ask.path)
                out.append(ask)
        if "/inssubs" in whole:  # coverage may have come with any of them
            for ask in asks:
                if ask.path in COVERAGE and ask.path not in whole:
                    whole.add(ask.path)
                    out.append(ask)
        coverage = tuple(a for a in asks if a.path in COVERAGE)
        return Plan(tuple(out), frozenset(whole), frozenset(a.path for a in asks), coverage)

    def again(self, plan: Plan, read: Mapping[str, list[dict[str, Any]]]) -> Plan | None:
        """The coverage lists to read whole after all, because a subscription changed: None
        when the copy stands (nothing changed, or they were read whole already)."""
        if "/inssubs" not in read or "/inssubs" in plan.whole:
            return None
        with self._lock:
            kept = self._kept_lists()["/inssubs"]
        if all(kept.get(n) == r for n, r in (_kept("/inssubs", x) for x in read["/inssubs"])):
            return None
        asks = [ask for ask in plan.coverage_asks if ask.path not in plan.whole]
        if not asks:
            return None
        return Plan(tuple(asks), frozenset(a.path for a in asks), plan.served, ())

    def merged(self, plans: Sequence[Plan], reads: Sequence[Mapping[str, list[Any]]]) -> Served:
        """Store what these reads brought (all in one transaction) and give every list whole."""
        now = self._clock.now()
        with self._lock:
            served = sorted(plans[0].served)
            state = self._repo.positions(served)
            changed: dict[str, dict[int, Record]] = {}
            whole: set[str] = set()
            positions: dict[str, tuple[str, datetime]] = {}
            for plan, read in zip(plans, reads, strict=True):
                for ask in plan.asks:
                    records = dict(_kept(ask.path, r) for r in read[ask.path])
                    changed.setdefault(ask.path, {}).update(records)
                    since, read_at = state.get(ask.path, ("", None))
                    if ask.path in plan.whole or read_at is None:
                        whole.add(ask.path)
                        since, read_at = "", now
                    newest = max(
                        (str(r.get("SecDateTEdit", "")) for r in records.values()), default=""
                    )
                    positions[ask.path] = (max(since, newest), read_at)
            self._repo.store(changed, frozenset(whole), positions)
            memo = self._kept_lists()
            for path, records in changed.items():
                if path in whole:
                    memo[path] = {}
                memo[path].update(records)
            kept = {path: memo[path] for path in served}
            coverage_at = positions.get("/patplans", state.get("/patplans", ("", now)))[1]
        log.info(
            "pms.plans_synced",
            extra={"whole": sorted(whole), "count": sum(len(c) for c in changed.values())},
        )
        return Served(
            {path: [records[n] for n in sorted(records)] for path, records in kept.items()},
            coverage_at or now,
            "/patplans" in whole,
        )

    def forget(self) -> None:
        with self._lock:
            self._repo.forget(list(KEPT))
            self._memo = None
