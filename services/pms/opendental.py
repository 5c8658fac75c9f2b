"""The Open Dental adapter: ODFHIR auth, Offset paging, validation, and minimum necessary."""

from __future__ import annotations

import logging
import time as clocks
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, TypeVar

from services.access import Field, Purpose, fields_for
from services.pms import parse
from services.pms.directory import PatientDirectory
from services.pms.http import DEADLINE_SECONDS, PmsHttp, RateLimiter, RetryPolicy
from services.pms.insurance_worklist import InsuranceWorklistCalls
from services.pms.mailing import MailingAddressCalls
from services.pms.opendental_followup import FollowUpCalls
from services.pms.paging import ListAsk, PagedReader, PageHints, ReadPool
from services.pms.plan_cache import PlanCache
from services.pms.plans import PER_PATIENT_UP_TO, plans_from_lists
from services.pms.protocol import PmsClient
from services.pms.records import (
    Appointment,
    AptStatus,
    ConfirmStatus,
    InsuranceFacts,
    OpenSlot,
    Operatory,
    PatientContact,
    PmsRejected,
    Provider,
    RecallDue,
    ScheduleEntry,
)
from services.retry import pause

log = logging.getLogger("services.pms.opendental")
# The office names its own "Appt Confirmed" definitions; these are the usual confirmed ones.
CONFIRMED_TEXTS = frozenset({"appointment confirmed", "confirmed", "confirmed by text"})
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CONTACT_FIELDS = frozenset({Field.PATIENT_NAME, Field.PHONE, Field.EMAIL, Field.BIRTHDATE})
T = TypeVar("T")
R = TypeVar("R")


class Mode(StrEnum):
    REMOTE = "remote"
    SERVICE = "service"
    LOCAL = "local"
    URL = "url"


def base_url_for(mode: Mode, host: str = "") -> str:
    if mode is Mode.REMOTE:
        return "https://api.opendental.com/api/v1"
    if mode is Mode.SERVICE:
        return f"http://{host or 'localhost'}:30223/api/v1"
    if mode is Mode.LOCAL:
        return "http://localhost:30222/api/v1"
    if not host:
        raise ValueError("mode 'url' needs the full base URL")
    return host


def page_size_for(mode: Mode) -> int:
    return 100 if mode is Mode.REMOTE else 1000


def read_concurrency_for(mode: Mode) -> int:
    """How many reads may be in flight at once: the cloud and the API Service answer several
    (the cloud's throttle still spaces them); the API inside the Open Dental program on this
    PC (Local) and an address of unknown kind get one at a time."""
    return {Mode.REMOTE: 4, Mode.SERVICE: 6}.get(mode, 1)


class OpenDentalClient(InsuranceWorklistCalls, FollowUpCalls, MailingAddressCalls):
    def __init__(
        self,
        base_url: str,
        developer_key: str,
        customer_key: str,
        *,
        page_size: int = 100,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        requests_per_second: float = 0.0,
        sleep: Callable[[float], None] = pause,
        monotonic: Callable[[], float] = clocks.monotonic,  # the rate limiter's time
        allow_http_hosts: frozenset[str] = frozenset(),
        deadline: float = DEADLINE_SECONDS,
        directory: PatientDirectory | None = None,
        plans: PlanCache | None = None,
        concurrency: int = 1,
        clinic_num: int = 0,
    ) -> None:
        self.page_size = page_size
        # A practice that uses clinics (Clinics GET lists them): this workstation's clinic,
        # sent as ClinicNum where the pages take it (appointment lists, the ASAP list, new
        # appointments). 0: the practice does not use clinics; nothing is sent.
        self.clinic_num = clinic_num
        # Without a directory every contact is one Patients GET (single), as before.
        self.directory = directory
        # Without it the insurance worklist reads the whole plan lists each time.
        self.plans = plans
        # One set of reader threads for the client's lifetime, however many screens read.
        self._reads = ReadPool(concurrency)
        self.concurrency = self._reads.size
        self._page_hints = PageHints()
        # The last insurance worklist needed the plan lists (services/pms/insurance_worklist).
        self.wide_worklist = False
        self._http = PmsHttp(
            base_url,
            {
                "Authorization": f"ODFHIR {developer_key}/{customer_key}",
                "Accept": "application/json",
            },
            timeout=timeout,
            retry=retry,
            limiter=(
                RateLimiter(requests_per_second, clock=monotonic, sleep=sleep)
                if requests_per_second
                else None
            ),
            sleep=sleep,
            allow_http_hosts=allow_http_hosts,
            deadline=deadline,
        )

    def close(self) -> None:
        self._reads.close()
        self._http.close()

    # -- plumbing -------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any] | None = None, template: str = "") -> Any:
        return self._http.request("GET", path, params=params, template=template or path)

    def _all_pages(self, path: str, params: dict[str, Any], what: str) -> list[dict[str, Any]]:
        """Ask with Offset until a short page; the list is returned only when complete."""
        return self._lists([ListAsk(path, params, what)])[0]

    def _lists(self, asks: Sequence[ListAsk]) -> list[list[dict[str, Any]]]:
        """Several paged lists, read side by side where the client allows (services/pms/paging)."""
        return PagedReader(self._get, self._reads, self.page_size, self._page_hints).read(asks)

    def _each(self, work: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`work` over `items` in order; concurrently (HTTP only, no database) when allowed."""
        return self._reads.map(work, items)

    def _contacts(
        self, pat_nums: set[int], wanted: frozenset[Field], *, always: bool = False
    ) -> dict[int, PatientContact]:
        if not always and not wanted & CONTACT_FIELDS:
            return {}
        if self.directory is not None:
            full = self.directory.contacts(self, pat_nums)
        else:
            full = {c.pat_num: c for c in self.patient_records(sorted(pat_nums))}
        return {n: self._narrowed(c, wanted) for n, c in full.items()}

    @staticmethod
    def _narrowed(contact: PatientContact, wanted: frozenset[Field]) -> PatientContact:
        return PatientContact(
            contact.pat_num,
            name=contact.name if Field.PATIENT_NAME in wanted else None,
            birthdate=contact.birthdate if Field.BIRTHDATE in wanted else None,
            phone=contact.phone if Field.PHONE in wanted else None,
            email=contact.email if Field.EMAIL in wanted else None,
        )

    # -- the patient feed (services.pms.directory) ---------------------------------------

    def patient_records(self, pat_nums: list[int]) -> list[PatientContact]:
        """Patients GET (single), one per patient, with every contact field read."""

        def one(pat_num: int) -> PatientContact:
            record = parse.as_object(
                self._get(f"/patients/{pat_num}", template="/patients/{PatNum}"), "patient"
            )
            contact = self._contact(record, CONTACT_FIELDS)
            if contact.pat_num != pat_num:
                raise parse.bad("a patient record with another PatNum than asked for")
            return contact

        return self._each(one, pat_nums)

    def changed_patients(self, since: str | None) -> tuple[list[tuple[PatientContact, str]], str]:
        """Patients GET Simple, every page: all patients, or those changed at or after `since`.

        Returns each contact with its DateTStamp, and the earliest serverDateTime of the
        answer: a change made while the pages were read is asked for again next time.
        """
        params = {"DateTStamp": since} if since else {}
        return self._changes(self._all_pages("/patients/Simple", params, "patients"))

    def _changes(
        self, records: list[dict[str, Any]]
    ) -> tuple[list[tuple[PatientContact, str]], str]:
        """`changed_patients` from its pages already read."""
        changed = [(self._contact(r, CONTACT_FIELDS), parse.text(r, "DateTStamp")) for r in records]
        times = [parse.moment(r, "serverDateTime") for r in records]
        return changed, min(times).strftime(TIME_FORMAT) if times else ""

    @staticmethod
    def _contact(record: dict[str, Any], wanted: frozenset[Field]) -> PatientContact:
        return PatientContact(
            pat_num=parse.integer(record, "PatNum"),
            name=parse.full_name(record) if Field.PATIENT_NAME in wanted else None,
            birthdate=parse.day(record, "Birthdate") if Field.BIRTHDATE in wanted else None,
            phone=parse.phone(record) if Field.PHONE in wanted else None,
            email=parse.text(record, "Email") if Field.EMAIL in wanted else None,
        )

    @staticmethod
    def _appointment(record: dict[str, Any], wanted: frozenset[Field]) -> Appointment:
        """Only what the purpose allows survives; everything else the server sent is dropped."""
        return Appointment(
            apt_num=parse.integer(record, "AptNum"),
            pat_num=parse.integer(record, "PatNum") if Field.PATIENT_ID in wanted else 0,
            start=parse.moment(record, "AptDateTime"),
            minutes=parse.pattern_minutes(record),
            op_num=parse.integer(record, "Op"),
            prov_num=parse.integer(record, "ProvNum"),
            status=parse.status(record),
            confirmed=(
                parse.text(record, "confirmed").lower() in CONFIRMED_TEXTS
                if Field.CONFIRMED in wanted
                else None
            ),
            appointment_type=(
                parse.text(record, "ProcDescript")
                if Field.APPOINTMENT_TYPE in wanted or Field.PROCEDURE_TYPE in wanted
                else None
            ),
            priority=parse.text(record, "Priority") or "Normal",
            note=parse.text(record, "Note") if Field.CLINICAL_NOTE in wanted else None,
            prov_hyg=(
                parse.integer(record, "ProvHyg", optional=True)
                if Field.PROVIDER_ID in wanted
                else None
            ),
            is_hygiene=(
                parse.boolean(record, "IsHygiene")
                if wanted & {Field.APPOINTMENT_TYPE, Field.PROCEDURE_TYPE}
                else None
            ),
        )

    def _with_contacts(
        self, appointments: list[Appointment], wanted: frozenset[Field]
    ) -> list[Appointment]:
        contacts = self._contacts({a.pat_num for a in appointments if a.pat_num}, wanted)
        if not contacts:
            return appointments
        return [
            replace(
                a,
                patient_name=contacts[a.pat_num].name,
                phone=contacts[a.pat_num].phone,
                email=contacts[a.pat_num].email,
            )
            if a.pat_num in contacts
            else a
            for a in appointments
        ]

    # -- the protocol ------------------------------------------------------------------

    def appointments(
        self,
        purpose: Purpose,
        start: date,
        end: date,
        *,
        status: AptStatus | None = None,
        op_num: int | None = None,
        prov_num: int | None = None,
        pat_num: int | None = None,
    ) -> list[Appointment]:
        wanted = fields_for(purpose)
        params = self._appointment_params(start, end, status, op_num=op_num, pat_num=pat_num)
        records = self._all_pages("/appointments", params, "appointments")
        appointments = [self._appointment(r, wanted) for r in records]
        if prov_num is not None:  # the API cannot filter by provider; a hygienist is ProvHyg
            appointments = [a for a in appointments if prov_num in (a.prov_num, a.prov_hyg)]
        return self._with_contacts(appointments, wanted)

    def _appointment_params(
        self,
        start: date,
        end: date,
        status: AptStatus | None,
        *,
        op_num: int | None = None,
        pat_num: int | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"dateStart": start.isoformat(), "dateEnd": end.isoformat()}
        if status is not None:
            params["AptStatus"] = status.value
        if op_num is not None:
            params["Op"] = op_num
        if pat_num is not None:
            params["PatNum"] = pat_num
        if self.clinic_num:
            params["ClinicNum"] = self.clinic_num
        return params

    def appointment(self, purpose: Purpose, apt_num: int) -> Appointment:
        wanted = fields_for(purpose)
        record = parse.as_object(
            self._get(f"/appointments/{apt_num}", template="/appointments/{AptNum}"), "appointment"
        )
        found = self._appointment(record, wanted)
        if found.apt_num != apt_num:
            raise parse.bad("an appointment with another AptNum than asked for")
        return self._with_contacts([found], wanted)[0]

    def open_slots(
        self,
        start: date,
        end: date,
        length_minutes: int,
        *,
        prov_num: int | None = None,
        op_num: int | None = None,
    ) -> list[OpenSlot]:
        params: dict[str, Any] = {
            "dateStart": start.isoformat(),
            "dateEnd": end.isoformat(),
            "lengthMinutes": length_minutes,
        }
        if prov_num is not None:
            params["ProvNum"] = prov_num
        if op_num is not None:
            params["OpNum"] = op_num
        records = parse.as_list(self._get("/appointments/Slots", params), "open slots")
        return [
            OpenSlot(
                parse.moment(r, "DateTimeStart"),
                parse.moment(r, "DateTimeEnd"),
                parse.integer(r, "ProvNum"),
                parse.integer(r, "OpNum"),
            )
            for r in records
        ]

    def asap_list(self, purpose: Purpose) -> list[Appointment]:
        wanted = fields_for(purpose)
        params = {"ClinicNum": self.clinic_num} if self.clinic_num else {}
        records = self._all_pages("/appointments/ASAP", params, "ASAP list")
        return self._with_contacts([self._appointment(r, wanted) for r in records], wanted)

    def recalls_due(self, purpose: Purpose, as_of: date) -> list[RecallDue]:
        """Recalls GET (every recall, paged), kept when due on or before `as_of`, not yet
        scheduled (DateScheduled) and not disabled (IsDisabled, DisableUntilDate). A recall
        disabled until the family balance falls (DisableUntilBalance) is left off too: the
        balance is not read for this purpose, and Open Dental's own list may hide it.

        The Recall List call would be narrower but carries no RecallNum and no previous
        date, and both are needed (the worklist remembers outcomes per recall).
        """
        wanted = fields_for(purpose)
        asks = [ListAsk("/recalls", {}, "recalls")]
        if Field.RECALL_TYPE in wanted:
            asks.append(ListAsk("/recalltypes", {}, "recall types"))
        records, *type_list = self._lists(asks)  # side by side where the client allows
        types = {
            parse.integer(t, "RecallTypeNum"): parse.text(t, "Description")
            for t in (type_list[0] if type_list else [])
        }
        recalls = []
        for r in records:
            due = parse.day(r, "DateDue")
            if due is None or due > as_of or parse.boolean(r, "IsDisabled"):
                continue
            if parse.day(r, "DateScheduled") is not None:
                continue
            until = parse.day(r, "DisableUntilDate")
            if (until is not None and until > as_of) or _number(r, "DisableUntilBalance") > 0:
                continue
            recalls.append(
                RecallDue(
                    recall_num=parse.integer(r, "RecallNum"),
                    pat_num=parse.integer(r, "PatNum"),
                    due=due,
                    recall_type=(
                        types.get(parse.integer(r, "RecallTypeNum", optional=True), "")
                        if Field.RECALL_TYPE in wanted
                        else ""
                    ),
                    last_visit=parse.day(r, "DatePrevious")
                    if Field.LAST_VISIT_DATE in wanted
                    else None,
                )
            )
        contacts = self._contacts({r.pat_num for r in recalls}, wanted)
        return [
            replace(r, patient_name=contacts[r.pat_num].name, phone=contacts[r.pat_num].phone)
            if r.pat_num in contacts
            else r
            for r in recalls
        ]

    def insurance_for(self, purpose: Purpose, pat_num: int) -> InsuranceFacts | None:
        return self.insurance_of(purpose, [pat_num])[pat_num]

    def insurance_of(
        self, purpose: Purpose, pat_nums: Iterable[int]
    ) -> dict[int, InsuranceFacts | None]:
        """Each patient's first-ordinal plan, birth dates from the patient directory: for a
        few patients FamilyModules GET Insurance each (concurrently where allowed), for a
        worklist the practice's plan lists in pages (services/pms/plans.py)."""
        wanted = fields_for(purpose)
        numbers = sorted(set(pat_nums))

        def plans_of(pat_num: int) -> list[dict[str, Any]]:
            return parse.as_list(
                self._get(
                    f"/familymodules/{pat_num}/Insurance",
                    template="/familymodules/{PatNum}/Insurance",
                ),
                "insurance",
            )

        if len(numbers) <= PER_PATIENT_UP_TO:
            plans = dict(zip(numbers, self._each(plans_of, numbers), strict=True))
        else:
            plans = plans_from_lists(
                self._lists,
                numbers,
                subscriber_id=Field.SUBSCRIBER_ID in wanted,
                group_number=Field.GROUP_NUMBER in wanted,
                carrier=Field.INSURER in wanted,
            )
        insured = {n for n in numbers if any(parse.integer(p, "PatNum") == n for p in plans[n])}
        births: dict[int, PatientContact] = {}
        if Field.BIRTHDATE in wanted and insured:
            births = self._contacts(insured, frozenset({Field.BIRTHDATE}))
        return {n: self._facts(n, plans[n], births.get(n), wanted) for n in numbers}

    @staticmethod
    def _facts(
        pat_num: int,
        plans: list[dict[str, Any]],
        contact: PatientContact | None,
        wanted: frozenset[Field],
    ) -> InsuranceFacts | None:
        """The patient's first-ordinal plan among `plans` (FamilyModules' shape), or None."""
        mine = [p for p in plans if parse.integer(p, "PatNum") == pat_num]
        if not mine:
            return None
        plan = min(mine, key=lambda p: parse.integer(p, "Ordinal", optional=True))
        return InsuranceFacts(
            pat_num=pat_num,
            birthdate=contact.birthdate if contact and Field.BIRTHDATE in wanted else None,
            carrier=parse.text(plan, "CarrierName") if Field.INSURER in wanted else "",
            subscriber_id=parse.text(plan, "SubscriberID") if Field.SUBSCRIBER_ID in wanted else "",
            group_number=parse.text(plan, "GroupNum") if Field.GROUP_NUMBER in wanted else "",
            pat_plan_num=parse.integer(plan, "PatPlanNum", optional=True),
        )

    def find_patients(
        self, purpose: Purpose, *, name: str = "", phone: str = "", birthdate: date | None = None
    ) -> list[PatientContact]:
        """Patients GET (multiple): the Patient Select search, the narrowest list call.

        `name` is "Last" or "Last, First" (partial, case-insensitive on the server).
        """
        wanted = fields_for(purpose)
        params: dict[str, Any] = {}
        if name:
            last, _, first = name.partition(",") if "," in name else (name, "", "")
            if last.strip():
                params["LName"] = last.strip()
            if first.strip():
                params["FName"] = first.strip()
        if phone:
            params["Phone"] = phone
        if birthdate:
            params["Birthdate"] = birthdate.isoformat()
        if not params:
            return []
        records = self._all_pages("/patients", params, "patients")
        return [self._contact(r, wanted) for r in records]

    def patients(self, purpose: Purpose, pat_nums: Iterable[int]) -> list[PatientContact]:
        """Contact fields for known patients (from the directory when there is one), by PatNum."""
        wanted = fields_for(purpose) | {Field.PATIENT_ID}
        found = self._contacts(set(pat_nums), wanted, always=True)
        return [found[n] for n in sorted(found)]

    def patient_contact(self, purpose: Purpose, pat_num: int) -> PatientContact:
        return self._contacts({pat_num}, fields_for(purpose) | {Field.PATIENT_ID}).get(
            pat_num
        ) or PatientContact(pat_num)

    def providers(self) -> list[Provider]:
        return [
            Provider(
                parse.integer(r, "ProvNum"),
                parse.text(r, "Abbr"),
                f"{parse.text(r, 'FName')} {parse.text(r, 'LName')}".strip(),
                parse.boolean(r, "IsSecondary"),
                parse.boolean(r, "IsHidden"),
            )
            for r in self._all_pages("/providers", {}, "providers")
        ]

    def schedules(self, start: date, end: date) -> list[ScheduleEntry]:
        """Schedules GET (multiple) for the dates, every page (apischedules: the numbers
        arrive as strings; `operatories` is a comma-separated list of OperatoryNums)."""
        records = self._all_pages(
            "/schedules",
            {"dateStart": start.isoformat(), "dateEnd": end.isoformat()},
            "schedules",
        )
        found = []
        for r in records:
            day = parse.day(r, "SchedDate")
            if day is None:
                raise parse.bad("a schedule without its date")
            found.append(
                ScheduleEntry(
                    parse.integer(r, "ScheduleNum"),
                    day,
                    _clock_time(r, "StartTime"),
                    _clock_time(r, "StopTime"),
                    parse.text(r, "SchedType"),
                    parse.integer(r, "ProvNum", optional=True),
                    _numbers(parse.text(r, "operatories"), "operatories"),
                )
            )
        return found

    def operatories(self) -> list[Operatory]:
        ops = [
            Operatory(
                parse.integer(r, "OperatoryNum"),
                parse.text(r, "OpName"),
                parse.text(r, "Abbrev"),
                parse.boolean(r, "IsHygiene"),
                parse.boolean(r, "IsHidden"),
                parse.integer(r, "ItemOrder", optional=True),
            )
            for r in self._all_pages("/operatories", {}, "operatories")
        ]
        return sorted(ops, key=lambda o: (o.item_order, o.op_num))

    # -- writes -------------------------------------------------------------------------

    def create_appointment(
        self,
        pat_num: int,
        start: datetime,
        op_num: int,
        *,
        minutes: int = 30,
        prov_num: int | None = None,
        prov_hyg: int | None = None,
        is_hygiene: bool = False,
        asap: bool = False,
        note: str = "",
    ) -> int:
        """Appointments POST; returns the new AptNum. Never retried after it may have landed."""
        if minutes <= 0 or minutes % 5:
            raise PmsRejected("An appointment's length must be a positive multiple of 5 minutes.")
        body: dict[str, Any] = {
            "PatNum": pat_num,
            "Op": op_num,
            "AptDateTime": start.strftime(TIME_FORMAT),
            "Pattern": "X" * (minutes // 5),
            "IsHygiene": "true" if is_hygiene else "false",
            "Priority": "ASAP" if asap else "Normal",
        }
        if prov_num is not None:
            body["ProvNum"] = prov_num
        if prov_hyg is not None:
            body["ProvHyg"] = prov_hyg
        if note:
            body["Note"] = note
        if self.clinic_num:
            body["ClinicNum"] = self.clinic_num
        created = parse.as_object(
            self._http.request("POST", "/appointments", json_body=body, template="/appointments"),
            "new appointment",
        )
        return parse.integer(created, "AptNum")

    def reschedule(
        self,
        apt_num: int,
        start: datetime,
        op_num: int,
        prov_num: int,
        *,
        priority: str | None = None,
    ) -> None:
        """Appointments PUT: new time, operatory and provider, and Scheduled again (and the
        Priority, "Normal" for an ASAP appointment booked into a freed time).

        Open Dental's advice for a broken appointment is exactly this update.
        """
        body: dict[str, Any] = {
            "AptDateTime": start.strftime(TIME_FORMAT),
            "Op": op_num,
            "ProvNum": prov_num,
            "AptStatus": AptStatus.SCHEDULED.value,
        }
        if priority is not None:
            body["Priority"] = priority
        self._http.request(
            "PUT", f"/appointments/{apt_num}", template="/appointments/{AptNum}", json_body=body
        )

    def break_appointment(self, apt_num: int) -> None:
        """PUT Break, leaving it on the book as Broken (the no-show list reads those)."""
        self._http.request(
            "PUT",
            f"/appointments/{apt_num}/Break",
            json_body={"sendToUnscheduledList": "false"},
            template="/appointments/{AptNum}/Break",
            idempotent=False,  # a break may add a broken procedure and a commlog
        )

    def break_appointment_as(
        self, apt_num: int, break_type: str, *, to_unscheduled_list: bool
    ) -> None:
        """PUT Break as the front desk chooses: missed or cancelled, to the Unscheduled List
        (Open Dental's usual) or left on the book as Broken."""
        if break_type not in ("Missed", "Cancelled"):
            raise PmsRejected("A break is either missed or cancelled.")
        self._http.request(
            "PUT",
            f"/appointments/{apt_num}/Break",
            json_body={
                "sendToUnscheduledList": "true" if to_unscheduled_list else "false",
                "breakType": break_type,
            },
            template="/appointments/{AptNum}/Break",
            idempotent=False,  # a break may add a broken procedure and a commlog
        )

    def confirm(self, apt_num: int, status: ConfirmStatus = ConfirmStatus.CONFIRMED) -> None:
        self._http.request(
            "PUT",
            f"/appointments/{apt_num}/Confirm",
            json_body={"confirmVal": ConfirmStatus(status).value},
            template="/appointments/{AptNum}/Confirm",
        )

    def add_commlog(
        self,
        pat_num: int,
        note: str,
        *,
        when: datetime,
        comm_type: str = "ApptRelated",
        mode: str = "Phone",
    ) -> int:
        """Commlogs POST: a note in the patient's communication log; returns its CommlogNum."""
        created = parse.as_object(
            self._http.request(
                "POST",
                "/commlogs",
                json_body={
                    "PatNum": pat_num,
                    "Note": note,
                    "commType": comm_type,
                    "Mode_": mode,
                    "SentOrReceived": "Sent",
                    "CommDateTime": when.strftime(TIME_FORMAT),
                },
                template="/commlogs",
            ),
            "new commlog",
        )
        return parse.integer(created, "CommlogNum")

    def set_appointment_field(self, apt_num: int, name: str, value: str) -> None:
        """ApptFields PUT, e.g. the office's "Ins Verified" field."""
        self._http.request(
            "PUT",
            "/apptfields",
            json_body={"AptNum": apt_num, "FieldName": name, "FieldValue": value},
            template="/apptfields",
        )

    set_appt_field = set_appointment_field

    def appointment_field(self, apt_num: int, name: str) -> str:
        """ApptFields GET: the value, or "" when the appointment has none."""
        record = parse.as_object(
            self._get("/apptfields", {"AptNum": apt_num, "FieldName": name}, "/apptfields"),
            "appointment field",
        )
        return parse.text(record, "FieldValue")

    def server_info(self) -> tuple[str, datetime]:
        """The Open Dental version (the ProgramVersion preference) and the server's clock.

        The API has no version call; the clock is the serverDateTime list answers carry.
        """
        prefs = parse.as_list(
            self._get("/preferences", {"PrefName": "ProgramVersion"}, "/preferences"),
            "preferences",
        )
        version = next(
            (parse.text(x, "ValueString") for x in prefs if x.get("PrefName") == "ProgramVersion"),
            "",
        )
        if not version:
            raise PmsRejected("The practice-management system did not report its version.")
        providers = parse.as_list(self._get("/providers", {"Limit": 1}, "/providers"), "providers")
        if not providers:
            raise parse.bad("no provider records to read the server time from")
        return version, parse.moment(providers[0], "serverDateTime")

    def version(self) -> str:
        return self.server_info()[0]

    def server_time(self) -> datetime:
        return self.server_info()[1]


def _numbers(text: str, key: str) -> tuple[int, ...]:
    try:
        return tuple(int(n) for n in text.split(",") if n.strip())
    except ValueError:
        raise parse.bad(f"{key} is not a list of numbers") from None


def _clock_time(record: dict[str, Any], key: str) -> time:
    try:
        return time.fromisoformat(parse.text(record, key, optional=False))
    except ValueError:
        raise parse.bad(f"{key} is not a time of day") from None


def _number(record: dict[str, Any], key: str) -> float:
    value = record.get(key, 0) or 0
    try:
        return float(value)
    except (TypeError, ValueError):
        raise parse.bad(f"{key} is not a number") from None


def reject_unknown_mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise PmsRejected(
            f"Unknown PMS mode '{value}': use remote, service, local or url."
        ) from None


def _satisfies_protocol(client: OpenDentalClient) -> PmsClient:
    return client  # mypy checks here that the adapter is a complete PmsClient
