"""The insurance verification worklist in one read: the appointments, the patient directory's
changes, the plan lists and the verifications side by side on the client's one ReadPool.

Read one after another, these four cost four round trips or more however many reader threads
the mode allows. Here the lists that do not depend on each other go in one round of pages
(services/pms/paging.py): the whole practice's plan lists and verifications do not depend on
which patients are booked. Whether they are needed does (up to PER_PATIENT_UP_TO patients one
FamilyModules GET each is fewer requests), so they are asked beside the appointments only when
the last worklist of this client needed them; otherwise in a second round once the
appointments are known. Each patient's contact is looked up once, for the name and the birth
date; the plan records are joined once and used as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from services.access import Field, Purpose, fields_for
from services.pms import parse
from services.pms.directory import PatientDirectory
from services.pms.opendental_followup import ELIGIBILITY, verified_from
from services.pms.paging import ListAsk
from services.pms.plan_cache import Plan, PlanCache
from services.pms.plans import PER_PATIENT_UP_TO, plan_asks, plans_joined
from services.pms.records import Appointment, AptStatus, InsuranceFacts, PatientContact

CONTACT_FIELDS = frozenset({Field.PATIENT_NAME, Field.PHONE, Field.EMAIL, Field.BIRTHDATE})
VERIFIES = ListAsk("/insverifies", {"VerifyType": ELIGIBILITY}, "verifications")
CHANGES = "/patients/Simple"
T = TypeVar("T")
R = TypeVar("R")
InsuranceRow = tuple[Appointment, InsuranceFacts | None, date | None]


class _Client(Protocol):
    directory: PatientDirectory | None
    plans: PlanCache | None
    wide_worklist: bool

    def _lists(self, asks: Sequence[ListAsk]) -> list[list[dict[str, Any]]]: ...

    def _get(self, path: str, params: dict[str, Any] | None = None, template: str = "") -> Any: ...

    def _each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def _appointment_params(
        self,
        start: date,
        end: date,
        status: AptStatus | None,
        *,
        op_num: int | None = None,
        pat_num: int | None = None,
    ) -> dict[str, Any]: ...

    @staticmethod
    def _appointment(record: dict[str, Any], wanted: frozenset[Field]) -> Appointment: ...

    @staticmethod
    def _narrowed(contact: PatientContact, wanted: frozenset[Field]) -> PatientContact: ...

    @staticmethod
    def _facts(
        pat_num: int,
        plans: list[dict[str, Any]],
        contact: PatientContact | None,
        wanted: frozenset[Field],
    ) -> InsuranceFacts | None: ...

    def _changes(
        self, records: list[dict[str, Any]]
    ) -> tuple[list[tuple[PatientContact, str]], str]: ...

    def changed_patients(
        self, since: str | None
    ) -> tuple[list[tuple[PatientContact, str]], str]: ...

    def patient_records(self, pat_nums: list[int]) -> list[PatientContact]: ...

    def eligibility_verified(self, pat_plan_nums: set[int]) -> dict[int, date | None]: ...


class _Answered:
    """The patient feed for the directory's sync when its pages came with the other lists:
    that answer is given once, for the `since` it was read for; anything else is asked."""

    def __init__(self, client: _Client, since: str | None, records: list[dict[str, Any]]):
        self._client, self._since = client, since
        self._records: list[dict[str, Any]] | None = records

    def changed_patients(self, since: str | None) -> tuple[list[tuple[PatientContact, str]], str]:
        records, self._records = self._records, None
        if records is not None and since == self._since:
            return self._client._changes(records)
        return self._client.changed_patients(since)  # another read synced in between

    def patient_records(self, pat_nums: list[int]) -> list[PatientContact]:
        return self._client.patient_records(pat_nums)


class InsuranceWorklistCalls:
    """Mixed into OpenDentalClient (it supplies the members `_Client` lists)."""

    def insurance_worklist(
        self: _Client,
        purpose: Purpose,
        start: date,
        end: date,
        *,
        status: AptStatus | None = AptStatus.SCHEDULED,
        fresh: bool = False,
    ) -> list[InsuranceRow]:
        """The appointments from `start` to `end` in the PMS's order, each with the patient's
        first-ordinal plan (or None) and when its eligibility was last verified; every list
        whole, or an error (nothing in part). `fresh`: the kept coverage lists are read again
        whole, however recently they were read (a person asked for what Open Dental holds)."""
        wanted = fields_for(purpose)
        flags = {
            "subscriber_id": Field.SUBSCRIBER_ID in wanted,
            "group_number": Field.GROUP_NUMBER in wanted,
            "carrier": Field.INSURER in wanted,
        }
        directory = self.directory if wanted & CONTACT_FIELDS else None
        appointments_ask = ListAsk(
            "/appointments", self._appointment_params(start, end, status), "appointments"
        )

        cache = self.plans
        plan: Plan | None = None

        def others() -> list[ListAsk]:
            nonlocal plan
            asks = [VERIFIES, *plan_asks(**flags)]
            if cache is not None:  # the changes, and no list whose kept copy is fresh
                plan = cache.plan(asks, coverage_now=fresh)
                asks = list(plan.asks)
            if directory is not None:
                due, since = directory.due()
                if due:  # first: the names wait for it
                    changes = ListAsk(CHANGES, {"DateTStamp": since} if since else {}, "patients")
                    asks.insert(0, changes)
            return asks

        beside = self.wide_worklist
        asks = [appointments_ask, *(others() if beside else [])]
        read = dict(zip((a.path for a in asks), self._lists(asks), strict=True))
        appointments = [self._appointment(r, wanted) for r in read.pop("/appointments")]
        numbers = sorted({a.pat_num for a in appointments})
        self.wide_worklist = len(numbers) > PER_PATIENT_UP_TO
        if not numbers:
            return []
        if not beside and self.wide_worklist:  # the lists were not asked beside the appointments
            asks = others()
            read = dict(zip((a.path for a in asks), self._lists(asks), strict=True))
        coverage_read_at: datetime | None = None
        if plan is not None and cache is not None:
            read, coverage_read_at = _from_cache(self, cache, plan, read)

        patients = [n for n in numbers if n]
        contacts: dict[int, PatientContact] = {}
        if directory is not None:
            feed: Any = self
            for ask in asks:
                if ask.path == CHANGES:
                    feed = _Answered(self, ask.params.get("DateTStamp"), read[CHANGES])
            contacts = directory.contacts(feed, patients)
        elif wanted & CONTACT_FIELDS:
            contacts = {c.pat_num: c for c in self.patient_records(patients)}
        narrowed = {n: self._narrowed(c, wanted) for n, c in contacts.items()}

        if "/patplans" in read:
            plans = plans_joined(read, numbers, **flags)
        else:
            plans = dict(zip(numbers, self._each(_family_plans(self), numbers), strict=True))
        facts = {n: self._facts(n, plans[n], narrowed.get(n), wanted) for n in numbers}
        if coverage_read_at is not None:  # from the kept copy: say when it was read
            facts = {
                n: replace(f, coverage_read_at=coverage_read_at) if f is not None else None
                for n, f in facts.items()
            }
        plan_nums = {f.pat_plan_num for f in facts.values() if f is not None and f.pat_plan_num}
        if VERIFIES.path in read:
            verified = verified_from(read[VERIFIES.path], plan_nums)
        else:
            verified = self.eligibility_verified(plan_nums)
        rows: list[InsuranceRow] = []
        for a in appointments:
            contact, found = narrowed.get(a.pat_num), facts[a.pat_num]
            if contact is not None:
                a = replace(a, patient_name=contact.name, phone=contact.phone, email=contact.email)
            rows.append((a, found, verified.get(found.pat_plan_num) if found else None))
        return rows


def _from_cache(
    client: _Client, cache: PlanCache, plan: Plan, read: dict[str, list[dict[str, Any]]]
) -> tuple[dict[str, list[dict[str, Any]]], datetime | None]:
    """The lists whole from the kept copy and what was just read (a changed subscription
    reads the coverage lists again first); when PatPlans were read, None if by this read."""
    got = {a.path: read.pop(a.path) for a in plan.asks}
    plans, reads = [plan], [got]
    second = cache.again(plan, got)
    if second is not None:
        plans.append(second)
        reads.append(
            dict(zip((a.path for a in second.asks), client._lists(second.asks), strict=True))
        )
    served = cache.merged(plans, reads)
    read.update(served.lists)
    return read, None if served.coverage_just_read else served.coverage_read_at


def _family_plans(client: _Client) -> Callable[[int], list[dict[str, Any]]]:
    def plans_of(pat_num: int) -> list[dict[str, Any]]:
        return parse.as_list(
            client._get(
                f"/familymodules/{pat_num}/Insurance", template="/familymodules/{PatNum}/Insurance"
            ),
            "insurance",
        )

    return plans_of
