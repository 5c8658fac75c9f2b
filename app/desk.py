"""Composes the desk for a signed-in person: the workflow services and the screens their role may use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.bootstrap import Services
from services.access import Actor, Permission, Purpose, may, may_read
from services.auth.signin import Session
from services.clock import Clock
from services.pms.protocol import PmsClient
from services.pms.records import Appointment, PmsError, PmsRejected
from services.workflows.conflicts import ConflictService
from services.workflows.context import DeskContext
from services.workflows.insurance import InsuranceService
from services.workflows.lookup import LookupService
from services.workflows.noshow import NoShowService
from services.workflows.recall import RecallService
from services.workflows.schedule import ScheduleDay, ScheduleService, purpose_for
from services.workflows.waitlist import WaitlistService
from storage.desk_repo import DeskRepository
from ui.main_window import MainWindow, PageSpec
from ui.operations import Operations
from ui.schedule.model import Block, Column, DayModel
from ui.schedule.page import DayResult, ProviderChoice, SchedulePage


@dataclass
class Desk:
    schedule: ScheduleService
    noshow: NoShowService
    insurance: InsuranceService
    recall: RecallService
    conflicts: ConflictService
    waitlist: WaitlistService
    lookup: LookupService


def build_desk(services: Services, pms: PmsClient) -> Desk:
    ctx = DeskContext(
        services.gateway, pms, DeskRepository(services.installation.db), services.calendar
    )
    return Desk(
        ScheduleService(ctx),
        NoShowService(ctx),
        InsuranceService(ctx),
        RecallService(ctx),
        ConflictService(ctx),
        WaitlistService(ctx),
        LookupService(ctx),
    )


def _block(a: Appointment, column: int, show_names: bool) -> Block:
    title = (a.patient_name or "Patient") if show_names else (a.appointment_type or "Appointment")
    detail = " · ".join(x for x in (a.appointment_type if show_names else "", a.phone or "") if x)
    return Block(
        a.apt_num, column, a.start, a.minutes, title, detail, a.status.value, bool(a.confirmed)
    )


def day_model(desk: Desk, day: date, result: ScheduleDay) -> DayModel:
    _, operatories = desk.schedule.reference()
    columns = [Column(o.op_num, o.name) for o in operatories if not o.is_hidden]
    blocks = [_block(a, a.op_num, a.patient_name is not None) for a in result.appointments]
    model = DayModel(day, columns, blocks)
    model.fit_hours()
    return model


def week_model(desk: Desk, any_day: date, result: ScheduleDay) -> DayModel:
    monday = any_day - timedelta(days=any_day.weekday())
    columns = [Column(i, f"{monday + timedelta(days=i):%a %d %b}") for i in range(5)]
    blocks = [
        _block(a, a.start.weekday(), a.patient_name is not None)
        for a in result.appointments
        if a.start.weekday() < 5
    ]
    model = DayModel(monday, columns, blocks)
    model.fit_hours()
    return model


def names_of(desk: Desk) -> tuple[dict[int, str], dict[int, str]]:
    providers, operatories = desk.schedule.reference()
    return {p.prov_num: p.abbr or p.name for p in providers}, {
        o.op_num: o.name for o in operatories
    }


def make_window(
    services: Services,
    desk: Desk,
    session: Session,
    runner: Operations,
    *,
    demo: bool,
    today: date | None = None,
    extra_pages: list[PageSpec] | None = None,
) -> MainWindow:
    """The main window with only the screens this person's role allows."""
    from ui.audit_viewer import AuditViewer
    from ui.auth.users_page import users_page
    from ui.workflows import pages

    holder = {"session": session}

    def actor() -> Actor:  # a function: break-glass may replace the session's actor
        return holder["session"].actor

    def now_day() -> date:
        return today or services.clock.now().astimezone().date()

    run = runner.run
    specs: list[PageSpec] = []
    schedule_purpose = purpose_for(session.actor)
    now = services.clock.now()
    if may_read(session.actor, schedule_purpose, now):

        def schedule() -> SchedulePage:
            try:
                providers, _ = desk.schedule.reference()
            except PmsError:
                providers = []  # the page itself shows why the PMS cannot be read
            choices = [ProviderChoice(None, "All providers")] + [
                ProviderChoice(p.prov_num, f"{p.abbr} — {p.name}")
                for p in providers
                if not p.is_hidden
            ]
            mine = next(
                (p.prov_num for p in providers if p.abbr.lower() == session.login.lower()), None
            )

            def load(day: date, prov: int | None) -> DayResult:
                result = desk.schedule.day(actor(), day, prov)
                return DayResult(day_model(desk, day, result), result.from_cache, result.fetched_at)

            def load_week(day: date, prov: int) -> DayResult:
                result = desk.schedule.week(actor(), day, prov)
                return DayResult(
                    week_model(desk, day, result), result.from_cache, result.fetched_at
                )

            title = "My schedule" if schedule_purpose is Purpose.CLINICAL_SCHEDULE else "Schedule"
            return SchedulePage(
                load,
                run,
                choices,
                today=now_day(),
                title=title,
                default_provider=mine,
                load_week=load_week,
            )

        specs.append(PageSpec("schedule", "Schedule", schedule))

    def names() -> tuple[dict[int, str], dict[int, str]]:
        return names_of(desk)

    table = [
        (
            Purpose.PATIENT_LOOKUP,
            "patients",
            "Patients",
            lambda: pages.lookup_page(desk.lookup, actor, run),
        ),
        (
            Purpose.NO_SHOW_RESCHEDULING,
            "noshows",
            "No-shows",
            lambda: pages.noshow_page(desk.noshow, actor, run, names),
        ),
        (
            Purpose.INSURANCE_VERIFICATION,
            "insurance",
            "Insurance",
            lambda: pages.insurance_page(desk.insurance, actor, run),
        ),
        (
            Purpose.RECALL_REMINDERS,
            "recall",
            "Recall",
            lambda: pages.recall_page(desk.recall, actor, run),
        ),
        (
            Purpose.APPOINTMENT_CONFLICTS,
            "conflicts",
            "Conflicts",
            lambda: pages.conflicts_page(desk.conflicts, actor, run, names, now_day),
        ),
        (
            Purpose.WAITLIST,
            "waitlist",
            "Waitlist",
            lambda: pages.waitlist_page(desk.waitlist, actor, run, names, now_day),
        ),
    ]
    for purpose, key, title, factory in table:
        if may_read(session.actor, purpose, now):
            specs.append(PageSpec(key, title, factory))
    if may(session.actor, Permission.VIEW_AUDIT):
        from services.audit import verify_local
        from services.audit.browse import entries_between

        specs.append(
            PageSpec(
                "audit",
                "Audit trail",
                lambda: AuditViewer(
                    lambda a, b, text: entries_between(services.trail, actor(), a, b, text),
                    lambda: verify_local(services.trail.repository),
                    now_day(),
                ),
            )
        )
    specs.extend(extra_pages or [])
    if may(session.actor, Permission.MANAGE_USERS):
        specs.append(PageSpec("users", "Users", lambda: users_page(services.users, actor, run)))
    banner = ""
    if session.actor.break_glass_until is not None:
        until = session.actor.break_glass_until.astimezone().strftime("%H:%M")
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
