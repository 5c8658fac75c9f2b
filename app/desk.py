"""Composes the desk for a signed-in person: the workflow services and the screens their role may use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtWidgets import QWidget

from app.bootstrap import Services
from services.access import Actor, Permission, Purpose, may
from services.access.screens import Screen, schedule_purpose, screens_for
from services.auth.signin import Session
from services.clock import Clock
from services.compliance.breach.office_hours import OFFICE_HOURS_SETTING, parse_office_hours
from services.pms.protocol import PmsClient
from services.pms.records import Appointment, Operatory, PmsError, PmsRejected
from services.workflows.appointment import SCHEDULING_PURPOSE, AppointmentService, may_schedule
from services.workflows.booking import BookingService
from services.workflows.conflicts import ConflictService
from services.workflows.context import DeskContext
from services.workflows.insurance import InsuranceService
from services.workflows.lookup import LookupService
from services.workflows.noshow import NoShowService
from services.workflows.office_hours import PracticeHours
from services.workflows.patient_card import PatientCardService
from services.workflows.pending import PendingWrites
from services.workflows.recall import RecallService
from services.workflows.recall_booking import RecallBookingService
from services.workflows.schedule import ScheduleService
from services.workflows.waitlist import WaitlistService
from storage.desk_repo import DeskRepository
from storage.pms_writes_repo import PmsWritesRepository
from ui.main_window import MainWindow, PageSpec
from ui.operations import Operations
from ui.schedule.actions import ScheduleActions
from ui.schedule.mapping import day_model, week_model
from ui.schedule.page import DayResult, ProviderChoice, ProviderList, SchedulePage


@dataclass
class Desk:
    schedule: ScheduleService
    noshow: NoShowService
    insurance: InsuranceService
    recall: RecallService
    conflicts: ConflictService
    waitlist: WaitlistService
    lookup: LookupService
    appointment: AppointmentService
    booking: BookingService
    context: DeskContext
    pending: PendingWrites  # PMS writes waiting for Open Dental (the "pms_writes" job)
    recall_booking: RecallBookingService | None = None


def build_desk(services: Services, pms: PmsClient) -> Desk:
    ctx = DeskContext(
        services.gateway, pms, DeskRepository(services.installation.db), services.calendar
    )
    schedule = ScheduleService(ctx)
    settings = services.installation.settings
    pending = PendingWrites(PmsWritesRepository(services.installation.db), services.clock)
    weekly = lambda: parse_office_hours(settings.get(OFFICE_HOURS_SETTING))  # noqa: E731
    hours = PracticeHours(pms, weekly, services.clock)  # from Open Dental's schedules
    booking = BookingService(ctx, schedule.reference, weekly, pending, hours.between)
    recall = RecallService(ctx, pending)
    return Desk(
        schedule,
        NoShowService(ctx, booking),
        InsuranceService(ctx, pending=pending),
        recall,
        ConflictService(ctx, hours.between),
        WaitlistService(ctx, booking),
        LookupService(ctx),
        AppointmentService(ctx, schedule),
        booking,
        ctx,
        pending,
        RecallBookingService(ctx, booking, recall),
    )


def chairs_used(operatories: list[Operatory], appointments: list[Appointment]) -> list[Operatory]:
    """A clinician's own day: only the operatories their appointments are in (all of them
    on a day without any, so the grid still says where they could be)."""
    used = {a.op_num for a in appointments}
    return [o for o in operatories if o.op_num in used] or operatories


def names_of(desk: Desk) -> tuple[dict[int, str], dict[int, str]]:
    """Provider and operatory names (read from the PMS once): call it off the UI thread."""
    providers, operatories = desk.schedule.reference()
    return {p.prov_num: p.abbr or p.name for p in providers}, {
        o.op_num: o.name for o in operatories
    }


def make_window(
    services: Services,
    desk: Desk,
    session: Session,
    ops: Operations,
    *,
    demo: bool,
    extra_pages: list[PageSpec] | None = None,
) -> MainWindow:
    """The main window with the screens `screens_for` gives this person, in its order.

    Factories build widgets and start operations; none of them reads anything itself.
    """
    from ui.audit_viewer import AuditViewer
    from ui.auth.users_page import users_page
    from ui.workflows import pages, patients, rebooking

    holder = {"session": session}

    def actor() -> Actor:  # a function: break-glass may replace the session's actor
        return holder["session"].actor

    today = services.calendar.today
    run = ops.run

    def names() -> tuple[dict[int, str], dict[int, str]]:
        return names_of(desk)

    def schedule() -> SchedulePage:
        purpose = schedule_purpose(session.actor)

        def providers() -> ProviderList:
            try:
                known, _ = desk.schedule.reference()
            except PmsError:
                return ProviderList([])  # the day's own load says why the PMS cannot be read
            # IT links the account to its provider (enamel-admin user set-provider); an
            # account named as the provider's abbreviation is that provider too.
            linked = services.users.provider_of(session.actor.actor_id)
            mine = next(
                (p.prov_num for p in known if p.prov_num == linked),
                next((p.prov_num for p in known if p.abbr.lower() == session.login.lower()), None),
            )
            choices = [
                ProviderChoice(p.prov_num, f"{p.abbr} — {p.name}") for p in known if not p.is_hidden
            ]
            return ProviderList(choices, mine)

        def load(day: date, prov: int | None) -> DayResult:
            result = desk.schedule.day(actor(), day, prov)
            _, operatories = desk.schedule.reference()
            if purpose is Purpose.CLINICAL_SCHEDULE and prov:
                operatories = chairs_used(operatories, result.appointments)
            model = day_model(day, operatories, result.appointments)
            return DayResult(model, result.from_cache, result.fetched_at)

        def load_week(day: date, prov: int) -> DayResult:
            result = desk.schedule.week(actor(), day, prov)
            return DayResult(
                week_model(day, result.appointments), result.from_cache, result.fetched_at
            )

        title = "My schedule" if purpose is Purpose.CLINICAL_SCHEDULE else "Schedule"
        actions = ScheduleActions(
            open_card=lambda key: desk.appointment.open(actor(), key),
            reference=desk.schedule.reference,
        )
        if may_schedule(session.actor, desk.context):
            booking, purpose_ = desk.booking, SCHEDULING_PURPOSE
            actions = replace(
                actions,
                check=lambda r: booking.check(actor(), r),
                book=lambda pat_num, r: booking.book(actor(), purpose_, pat_num, r),
                move=lambda a, r: booking.move(actor(), purpose_, a, r),
                break_=lambda a, why, listed: booking.break_appointment(
                    actor(), purpose_, a, why, to_unscheduled_list=listed
                ),
                confirm=lambda a, status: booking.confirm(actor(), purpose_, a, status),
                find_patients=lambda text: desk.lookup.find(actor(), text),
            )
        calendar, clock = services.calendar, services.clock
        return SchedulePage(
            load,
            run,
            providers,
            today=today(),
            title=title,
            load_week=load_week,
            actions=actions,
            now=lambda: calendar.local(clock.now()).replace(tzinfo=None),
        )

    def patients_screen() -> QWidget:
        card = None
        if may_schedule(session.actor, desk.context):
            cards = PatientCardService(desk.context)
            card = lambda p: cards.card(actor(), p)  # noqa: E731
        return patients.lookup_page(desk.lookup, actor, run, card)

    def audit() -> AuditViewer:
        from services.audit import verify_local
        from services.compliance.facts import AccountDirectoryFacts
        from services.compliance.people import audit_page

        zone = services.calendar.zone
        users = AccountDirectoryFacts(services.accounts)
        from app.practice_setup import entry_source
        from services.audit.export import export_jsonl

        source = entry_source(services)
        return AuditViewer(
            lambda a, b, text, filters: audit_page(
                services.trail, actor(), users, a, b, text, zone, filters=filters, source=source
            ),
            lambda: verify_local(services.trail.repository),
            today(),
            run,
            zone=zone,
            export=lambda a, b, out: export_jsonl(services.trail, actor(), a, b, out),
        )

    factories: dict[Screen, tuple[str, Callable[[], QWidget]]] = {
        Screen.SCHEDULE: ("Schedule", schedule),
        Screen.PATIENTS: ("Patients", patients_screen),
        Screen.NO_SHOWS: (
            "No-shows",
            lambda: rebooking.noshow_page(desk.noshow, actor, run, desk.schedule.reference),
        ),
        Screen.INSURANCE: ("Insurance", lambda: pages.insurance_page(desk.insurance, actor, run)),
        Screen.RECALL: (
            "Recall",
            lambda: pages.recall_page(
                desk.recall,
                actor,
                run,
                booking=(desk.recall_booking, desk.schedule.reference)
                if desk.recall_booking and may_schedule(session.actor, desk.context)
                else None,
            ),
        ),
        Screen.CONFLICTS: (
            "Conflicts",
            lambda: pages.conflicts_page(desk.conflicts, actor, run, names, today),
        ),
        Screen.WAITLIST: (
            "Waitlist",
            lambda: rebooking.waitlist_page(
                desk.waitlist, actor, run, desk.schedule.reference, today
            ),
        ),
        Screen.AUDIT: ("Audit trail", audit),
        Screen.USERS: ("Users", lambda: users_page(services.users, actor, run)),
    }
    extra = {spec.key: spec for spec in extra_pages or []}
    specs: list[PageSpec] = []
    for screen in screens_for(session.actor, services.clock.now()):
        if screen in factories:
            title, factory = factories[screen]
            specs.append(PageSpec(screen.value, title, factory))
        elif screen.value in extra:
            specs.append(extra[screen.value])
    banner = ""
    if session.actor.break_glass_until is not None:
        until = services.calendar.local(session.actor.break_glass_until).strftime("%H:%M")
        banner = (
            f"Emergency access until {until}. Every record you open is recorded and will be "
            "reviewed by the compliance officer."
        )
    return MainWindow(
        practice_id=services.installation.practice_id,
        user_label=session.display_name,
        role_label=session.role.label,
        pages=specs,
        demo=demo,
        emergency=may(session.actor, Permission.BREAK_GLASS),
        banner=banner,
        calendar=services.calendar,
    )


def pms_state(pms: PmsClient, clock: Clock) -> tuple[str, bool]:
    try:
        version, server_time = pms.server_info()
    except PmsRejected as exc:
        return ("not set up" if "not set up" in exc.message else "keys refused", False)
    except Exception as exc:  # any failure is shown as a state, never raised into the UI
        return (f"unreachable ({type(exc).__name__})", False)
    # Open Dental reports its server's local wall time.
    skew = abs((server_time - clock.now().astimezone().replace(tzinfo=None)).total_seconds())
    return (f"connected (Open Dental {version})" + (" — clock differs" if skew > 300 else ""), True)
