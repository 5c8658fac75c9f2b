"""Booking, moving, breaking and confirming appointments, with the checks Open Dental lacks.

Every booking path (the schedule, no-show rebooking, recall, the waitlist) asks `check` for a
time first and books through `book` or `move`, which check again right before they write:
the provider (ProvNum) and the hygienist (ProvHyg) must be free in every operatory, the
operatory must be free and of the visit's kind, and the time inside office hours. `check`
also offers a start inside the free range around the time asked for, so a person can be
asked before anything is booked. The day is read without patient data (the conflicts
purpose), so the check itself shows no PHI and what it refuses never grows the conflicts list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from errors import EnamelError
from services.access import Actor, Purpose
from services.audit import Outcome, RecordKind
from services.compliance.breach.office_hours import OfficeHours
from services.pms.records import (
    Appointment,
    AptStatus,
    ConfirmStatus,
    Operatory,
    PmsError,
    Provider,
)
from services.workflows.booking_writes import BOOK, CONFIRM, MOVE, BookingWrites, request_payload
from services.workflows.context import DeskContext, touched_appointments
from services.workflows.guard import require_write
from services.workflows.office_hours import Hours, span_on
from services.workflows.pending import PendingWrites

CHECK_PURPOSE = Purpose.APPOINTMENT_CONFLICTS
# What holds a chair and a provider's time (the conflicts list counts the same).
HOLDS_TIME = frozenset({AptStatus.SCHEDULED, AptStatus.COMPLETE, AptStatus.ASAP})
STEP = 5  # Open Dental's time pattern: one character per 5 minutes
WRITE_FIELDS = ("appointment_date", "duration", "operatory_id", "provider_id", "status")


class BookingRefused(EnamelError):
    """A booking or move was not written: the message says why (no patient named)."""

    exit_code = 1


class BreakReason(StrEnum):
    """Open Dental's breakType: a missed appointment or a cancelled one."""

    MISSED = "Missed"
    CANCELLED = "Cancelled"


@dataclass(frozen=True)
class BookingRequest:
    """A time asked for, in the practice's wall time (as Open Dental keeps it)."""

    start: datetime
    minutes: int
    op_num: int
    prov_num: int
    prov_hyg: int = 0
    is_hygiene: bool = False
    moving: int = 0  # the AptNum being moved (its own time does not count against it)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def people(self) -> set[int]:
        return {n for n in (self.prov_num, self.prov_hyg) if n}


@dataclass(frozen=True)
class BookingCheck:
    request: BookingRequest
    problems: tuple[str, ...]
    free_from: datetime | None = None  # the free range (chair and people) holding the offer
    free_until: datetime | None = None
    offered: datetime | None = None  # a start inside the free range with room for the length

    @property
    def ok(self) -> bool:
        return not self.problems


def _span(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def _people(a: Appointment) -> set[int]:
    return {n for n in (a.prov_num, a.prov_hyg or 0) if n}


def problems_with(
    request: BookingRequest,
    day: Iterable[Appointment],
    providers: dict[int, Provider],
    operatories: dict[int, Operatory],
    hours: Hours | None,
    now: datetime,
) -> list[str]:
    """Why `request` cannot be booked over `day`'s appointments, in words (empty: it can)."""
    found: list[str] = []
    if request.minutes <= 0 or request.minutes % STEP:
        found.append(f"The length must be a positive multiple of {STEP} minutes.")
    if request.start < now:
        found.append("That time has already passed.")
    op = operatories.get(request.op_num)
    if op is None or op.is_hidden:
        found.append("That operatory is not in use.")
    elif op.is_hygiene != request.is_hygiene:
        found.append(
            f"{op.name} is a hygiene operatory; this is not a hygiene visit."
            if op.is_hygiene
            else f"{op.name} is not a hygiene operatory; a hygiene visit needs one."
        )
    for number in sorted(request.people()):
        if number not in providers or providers[number].is_hidden:
            found.append(f"Provider {number} is not in use.")
    if hours is not None:
        span = span_on(hours, request.start.date())
        if span is None:
            found.append(f"The office is closed on {request.start:%A}s.")
        elif (
            request.start.time() < span[0]
            or request.end.time() > span[1]
            or request.end.date() != request.start.date()
        ):
            found.append(
                f"{_span(request.start, request.end)} is outside office hours "
                f"({span[0]:%H:%M}–{span[1]:%H:%M})."
            )
    for a in sorted(day, key=lambda a: a.start):
        if a.apt_num == request.moving or a.status not in HOLDS_TIME:
            continue
        if not (a.start < request.end and request.start < a.end):
            continue
        room = operatories.get(a.op_num)
        where = room.name if room else f"operatory {a.op_num}"
        if a.op_num == request.op_num:
            found.append(f"{where} is booked {_span(a.start, a.end)}.")
        for number in sorted(_people(a) & request.people()):
            who = providers[number].abbr if number in providers else f"Provider {number}"
            found.append(f"{who} is booked {_span(a.start, a.end)} in {where}.")
    return found


def free_range(
    request: BookingRequest,
    day: Iterable[Appointment],
    hours: Hours | None,
    now: datetime,
) -> tuple[datetime, datetime, datetime] | None:
    """(free from, free until, offered start): the free time of the chair and the people
    nearest the start asked for that holds the length, and a start inside it."""
    date_ = request.start.date()
    span = span_on(hours, date_) if hours is not None else (time(0), time(23, 55))
    if span is None:
        return None
    opens, closes = datetime.combine(date_, span[0]), datetime.combine(date_, span[1])
    busy = sorted(
        (a.start, a.end)
        for a in day
        if a.apt_num != request.moving
        and a.status in HOLDS_TIME
        and (a.op_num == request.op_num or _people(a) & request.people())
    )
    earliest = max(opens, now + timedelta(minutes=(-now.minute) % STEP, seconds=-now.second))
    gaps: list[tuple[datetime, datetime]] = []
    cursor = earliest
    for start, end in [*busy, (closes, closes)]:
        if start > cursor:
            gaps.append((cursor, min(start, closes)))
        cursor = max(cursor, end)
    length = timedelta(minutes=max(request.minutes, STEP))
    fitting = [(a, b) for a, b in gaps if b - a >= length]
    if not fitting:
        return None

    def distance(gap: tuple[datetime, datetime]) -> tuple[timedelta, bool]:
        """How far from the start asked for; at equal distance, later rather than earlier."""
        a, b = gap
        if a <= request.start < b:
            return timedelta(0), False
        if a > request.start:
            return a - request.start, False
        return request.start + length - b, True

    best = min(fitting, key=distance)
    offered = min(max(request.start, best[0]), best[1] - length)
    offered -= timedelta(minutes=offered.minute % STEP, seconds=offered.second)
    if offered < best[0]:
        offered += timedelta(minutes=STEP)
    return best[0], best[1], offered


class BookingService:
    """`office_hours` reads the practice's setting (None: hours are not checked). With
    `pending`, moves, new appointments and confirmations wait for an unreachable Open Dental
    (services.workflows.booking_writes): `book` returns 0 and `move`/`confirm` False then."""

    def __init__(
        self,
        ctx: DeskContext,
        reference: Callable[[], tuple[list[Provider], list[Operatory]]],
        office_hours: Callable[[], OfficeHours | None],
        pending: PendingWrites | None = None,
        hours_between: Callable[[date, date], Hours | None] | None = None,
    ) -> None:
        """`hours_between(first, last)`: the practice's hours for those days from its
        schedules (services.workflows.office_hours.PracticeHours); without it, the weekly
        `office_hours`."""
        self._ctx = ctx
        self._reference = reference
        self._office_hours = office_hours
        self._hours_between = hours_between
        self.writes = BookingWrites(ctx, self, pending) if pending is not None else None

    def waiting(self, kind: str) -> set[str]:
        """Keys of the writes of `kind` (MOVE: AptNums) that wait for Open Dental."""
        return self.writes.waiting(kind) if self.writes is not None else set()

    def reference(self) -> tuple[list[Provider], list[Operatory]]:
        """The practice's providers and operatories (no patient data)."""
        return self._reference()

    def _now(self) -> datetime:
        return self._ctx.calendar.local(self._ctx.clock.now()).replace(tzinfo=None)

    def request_in(
        self, start: datetime, minutes: int, op_num: int, prov_num: int, moving: int = 0
    ) -> BookingRequest:
        """A visit of the chair's kind: in a hygiene operatory with a hygienist, the
        hygienist is also its ProvHyg (as the schedule books it)."""
        providers, operatories = self._reference()
        op = next((o for o in operatories if o.op_num == op_num), None)
        hygiene = bool(op and op.is_hygiene)
        hygienist = any(p.prov_num == prov_num and p.is_hygienist for p in providers)
        return BookingRequest(
            start, minutes, op_num, prov_num, prov_num if hygiene and hygienist else 0,
            hygiene, moving,
        )  # fmt: skip

    def check(self, actor: Actor, request: BookingRequest) -> BookingCheck:
        (found,) = self.check_many(actor, [request])
        return found

    def check_many(self, actor: Actor, requests: list[BookingRequest]) -> list[BookingCheck]:
        """Each request checked over one read of the days they span (a worklist of offers
        is screened with one call, not one per offer)."""
        if not requests:
            return []
        first = min(r.start.date() for r in requests)
        last = max(r.start.date() for r in requests)
        appointments = self._ctx.gateway.read(
            actor,
            CHECK_PURPOSE,
            "booking_check",
            lambda: self._ctx.pms.appointments(CHECK_PURPOSE, first, last),
            touched_appointments,
            resource_type="appointment",
        )
        by_day: dict[date, list[Appointment]] = {}
        for a in appointments:
            by_day.setdefault(a.start.date(), []).append(a)
        providers, operatories = self._reference()
        provs = {p.prov_num: p for p in providers}
        ops = {o.op_num: o for o in operatories}
        hours = (
            self._hours_between(first, last)
            if self._hours_between is not None
            else self._office_hours()
        )
        now = self._now()
        found: list[BookingCheck] = []
        for request in requests:
            day = by_day.get(request.start.date(), [])
            problems = tuple(problems_with(request, day, provs, ops, hours, now))
            free = free_range(request, day, hours, now)
            found.append(
                BookingCheck(request, problems)
                if free is None
                else BookingCheck(request, problems, *free)
            )
        return found

    def checked(
        self,
        actor: Actor,
        purpose: Purpose,
        action: str,
        request: BookingRequest,
        pat_num: int | None,
    ) -> None:
        found = self.check(actor, request)
        if found.ok:
            return
        self._ctx.gateway.record(
            actor,
            action,
            purpose=purpose,
            outcome=Outcome.FAILURE,
            resource_type="appointment",
            kind=RecordKind.APPOINTMENT if request.moving else None,
            record_number=request.moving or None,
            patient_number=pat_num or None,
            flags=("refused",),
        )
        raise BookingRefused("Not booked: " + " ".join(found.problems))

    def record(
        self,
        actor: Actor,
        purpose: Purpose,
        action: str,
        outcome: Outcome,
        number: int | None,
        pat_num: int | None,
        flags: tuple[str, ...] = (),
    ) -> None:
        """A booking write's audit entry."""
        self._ctx.gateway.record(
            actor,
            action,
            purpose=purpose,
            outcome=outcome,
            resource_type="appointment",
            kind=RecordKind.APPOINTMENT if number else None,
            record_number=number or None,
            patient_number=pat_num or None,
            fields=WRITE_FIELDS,
            flags=flags,
        )

    def _write(
        self,
        actor: Actor,
        purpose: Purpose,
        action: str,
        apt_num: int | None,
        pat_num: int | None,
        write: Callable[[], int | None],
    ) -> int | None:
        try:
            result = write()
        except Exception:
            self.record(actor, purpose, action, Outcome.FAILURE, apt_num, pat_num)
            raise
        self.record(actor, purpose, action, Outcome.SUCCESS, result or apt_num, pat_num)
        return result

    def book(
        self,
        actor: Actor,
        purpose: Purpose,
        pat_num: int,
        request: BookingRequest,
        *,
        wish_id: int | None = None,
    ) -> int:
        """A new appointment at exactly `request` (checked again first); its AptNum, or 0
        when it is kept until Open Dental answers. `wish_id`: the Enamel waitlist wish it
        books, taken off the list once the appointment exists."""
        require_write(self._ctx, actor, purpose, "appointment_book", resource_type="appointment")
        request = replace(request, moving=0)
        if self.writes is not None:
            payload = {
                "purpose": purpose.value,
                "action": "appointment_book",
                "pat_num": pat_num,
                "request": request_payload(request),
                "wish_id": wish_id,
            }
            key = f"wl_{wish_id}" if wish_id else f"{pat_num}@{request.start.isoformat()}"
            if not self.writes.submit(BOOK, key, payload, actor):
                return 0
            return self.writes.created()
        self.checked(actor, purpose, "appointment_book", request, pat_num)
        created = self._write(
            actor,
            purpose,
            "appointment_book",
            None,
            pat_num,
            lambda: self._ctx.pms.create_appointment(
                pat_num,
                request.start,
                request.op_num,
                minutes=request.minutes,
                prov_num=request.prov_num,
                prov_hyg=request.prov_hyg or None,
                is_hygiene=request.is_hygiene,
            ),
        )
        assert created is not None
        if wish_id:
            self._ctx.repo.remove_wish(wish_id, self._ctx.clock.now())
        return created

    def move(
        self,
        actor: Actor,
        purpose: Purpose,
        appointment: Appointment,
        request: BookingRequest,
        action: str = "appointment_move",
        *,
        commlog: str = "",
        priority: str | None = None,
    ) -> bool:
        """`appointment` to the time, chair and provider of `request` (its length and
        hygienist kept), checked again first. A broken one is Scheduled again. `commlog`:
        a note for the patient's commlog once it has moved. False: kept until Open Dental
        answers."""
        require_write(self._ctx, actor, purpose, action, resource_type="appointment")
        request = replace(
            request,
            moving=appointment.apt_num,
            minutes=appointment.minutes,
            prov_hyg=appointment.prov_hyg or 0,
            is_hygiene=bool(appointment.is_hygiene),
        )
        if self.writes is not None:
            payload = {
                "purpose": purpose.value,
                "action": action,
                "apt_num": appointment.apt_num,
                "pat_num": appointment.pat_num,
                "request": request_payload(request),
                "commlog": commlog,
                "priority": priority,
            }
            return self.writes.submit(MOVE, str(appointment.apt_num), payload, actor)
        self.checked(actor, purpose, action, request, appointment.pat_num)
        self._write(
            actor,
            purpose,
            action,
            appointment.apt_num,
            appointment.pat_num,
            lambda: self._ctx.pms.reschedule(
                appointment.apt_num,
                request.start,
                request.op_num,
                request.prov_num,
                priority=priority,
            ),
        )
        if commlog:
            try:  # the move has landed; the note is the follow-up's record in Open Dental
                self._ctx.pms.add_commlog(appointment.pat_num, commlog, when=self._now())
            except PmsError:
                self._ctx.gateway.record(
                    actor,
                    "commlog_add",
                    purpose=purpose,
                    outcome=Outcome.FAILURE,
                    resource_type="commlog",
                    patient_number=appointment.pat_num,
                )
        return True

    def break_appointment(
        self,
        actor: Actor,
        purpose: Purpose,
        appointment: Appointment,
        reason: BreakReason,
        *,
        to_unscheduled_list: bool,
    ) -> None:
        require_write(self._ctx, actor, purpose, "appointment_break", resource_type="appointment")
        self._write(
            actor,
            purpose,
            "appointment_break",
            appointment.apt_num,
            appointment.pat_num,
            lambda: self._ctx.pms.break_appointment_as(
                appointment.apt_num, reason.value, to_unscheduled_list=to_unscheduled_list
            ),
        )

    def confirm(
        self, actor: Actor, purpose: Purpose, appointment: Appointment, status: ConfirmStatus
    ) -> bool:
        """PUT Confirm; False: kept until Open Dental answers."""
        require_write(self._ctx, actor, purpose, "appointment_confirm", resource_type="appointment")
        if self.writes is not None:
            payload = {
                "purpose": purpose.value,
                "action": "appointment_confirm",
                "apt_num": appointment.apt_num,
                "pat_num": appointment.pat_num,
                "status": ConfirmStatus(status).value,
            }
            return self.writes.submit(CONFIRM, str(appointment.apt_num), payload, actor)
        self._write(
            actor,
            purpose,
            "appointment_confirm",
            appointment.apt_num,
            appointment.pat_num,
            lambda: self._ctx.pms.confirm(appointment.apt_num, status),
        )
        return True
