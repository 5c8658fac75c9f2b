"""The workflow screens, each a WorklistPage over one workflow service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import (
    QInputDialog,
    QPushButton,
    QWidget,
)

from services.access import Actor
from services.pms.records import Operatory, PatientContact, Provider
from services.workflows.booking import BookingRequest
from services.workflows.conflicts import ConflictService
from services.workflows.insurance import InsuranceService, Recorded, VerificationItem
from services.workflows.recall import RecallItem, RecallService
from services.workflows.recall_booking import RecallBookingService
from ui.operations import Run, user_message
from ui.save_path import ask_save_path
from ui.schedule.booking_dialog import BookingDialog
from ui.workflows.rebooking import BookingPage, Reference
from ui.workflows.worklist import Action, Column, WorklistPage

NameMaps = tuple[dict[int, str], dict[int, str]]  # provider and operatory names by number
Names = Callable[[], NameMaps]  # reads the PMS the first time: call it off the UI thread


def _when(value: object) -> str:
    return f"{value:%a %d %b %H:%M}" if value else ""


WAITING = "(waiting for Open Dental)"
SENT_LATER = "will be sent when it answers again"


def _show_waiting(page: WorklistPage, old: object, new: object, message: str) -> None:
    """The row as it will be once the kept write lands, without reading the PMS again (it
    cannot be reached; a reload would only fail)."""
    page.model.set_rows([new if row is old else row for row in page.model.rows])
    page.show_message(message)


def _recorded_text(done: Recorded) -> str:
    if done.queued:
        return f"Open Dental cannot be reached: the change is kept and {SENT_LATER}."
    said = (
        f"Open Dental has eligibility last verified {done.verified_on:%d %b %Y}."
        if done.verified_on
        else "Saved."
    )
    if done.field_value is not None:
        return f"{said} The appointment's Ins Verified field says \u201c{done.field_value}\u201d."
    if done.field_missing:
        return f"{said} The office has no Ins Verified appointment field for this; none written."
    return said


def insurance_page(
    service: InsuranceService, actor: Callable[[], Actor], runner: Run
) -> WorklistPage:
    page: WorklistPage

    def mark(status: str, ask: bool = False) -> Callable[[VerificationItem], None]:
        def run(item: VerificationItem) -> None:
            note = ""
            if ask:
                note, ok = QInputDialog.getText(
                    page, "Problem with insurance", "What is the problem?"
                )
                if not ok:
                    return
            runner(
                lambda: service.set_status(actor(), item, status, note),
                lambda done: (
                    _show_waiting(
                        page,
                        item,
                        replace(item, status=status, note=note, pending=True),
                        _recorded_text(done),
                    )
                    if done.queued
                    else page.reload(_recorded_text(done))
                ),
                lambda e: page.show_message(user_message(e), error=True),
                owner=page,
            )

        return run

    page = WorklistPage(
        "Insurance verification",
        "Appointments of the next three days and the insurance to check before the visit.",
        [
            Column("Appointment", lambda r: r.appointment.start),
            Column("Patient", lambda r: r.appointment.patient_name),
            Column("Chart", lambda r: r.appointment.pat_num or ""),
            Column("Birth date", lambda r: r.insurance.birthdate if r.insurance else ""),
            Column(
                "Carrier", lambda r: r.insurance.carrier if r.insurance else "No insurance on file"
            ),
            Column("Subscriber ID", lambda r: r.insurance.subscriber_id if r.insurance else ""),
            Column("Group", lambda r: r.insurance.group_number if r.insurance else ""),
            Column("Last verified", lambda r: r.last_verified or ("never" if r.insurance else "")),
            Column("Status", lambda r: r.status + (f" {WAITING}" if r.pending else "")),
            Column("Note", lambda r: r.note),
        ],
        lambda: service.worklist(actor()),
        runner,
        [
            Action("Mark &verified", mark("verified"), primary=True),
            Action("Mark &problem…", mark("problem", True)),
            Action("Mark &unverified", mark("unverified")),
        ],
        empty_text="No appointments to verify.",
        note=coverage_note,
        # Refresh reads the plan lists again whole; the page's own reloads (shown again, after
        # a mark) take them from the copy kept for up to 15 minutes.
        refresh_load=lambda: service.worklist(actor(), fresh=True),
    )
    return page


def coverage_note(items: list[VerificationItem]) -> str:
    """When the coverage shown was read from Open Dental, if not by this load (the plan
    lists kept in the encrypted database are read whole again after a while)."""
    read = [i.insurance.coverage_read_at for i in items if i.insurance is not None]
    oldest = min((at for at in read if at is not None), default=None)
    if oldest is None:
        return ""
    return f"coverage as read from Open Dental at {oldest.astimezone().strftime('%H:%M')}"


def recall_page(
    service: RecallService,
    actor: Callable[[], Actor],
    runner: Run,
    save_path: Callable[[QWidget], Path | None] | None = None,
    booking: tuple[RecallBookingService, Reference] | None = None,
) -> BookingPage:
    """`booking` (for roles that may book) adds "Book…": the first free time of a hygienist
    in the booking dialog, checked and asked before it is written."""
    export = QPushButton("E&xport call list…")
    page: BookingPage

    def mark(outcome: str) -> Callable[[RecallItem], None]:
        return lambda item: runner(
            lambda: service.mark(actor(), item, outcome),
            lambda sent: (
                page.reload("Noted in Open Dental: the recall's status and a commlog.")
                if sent
                else _show_waiting(
                    page,
                    item,
                    replace(item, last_outcome=outcome, pending=True),
                    f"Open Dental cannot be reached: the call is kept and {SENT_LATER}.",
                )
            ),
            lambda e: page.show_message(user_message(e), error=True),
            owner=page,
        )

    def ask_path(parent: QWidget) -> Path | None:
        return ask_save_path(parent, "Save the call list", "recall-calls.csv", "CSV (*.csv)")

    def do_export() -> None:
        path = (save_path or ask_path)(page)
        if path is None:
            return
        rows = list(page.model.rows)
        runner(
            lambda: service.export_call_list(actor(), rows, path),
            lambda n: page.show_message(
                f"Saved {n} patients to {path.name}. The export is in the audit trail."
            ),
            lambda e: page.show_message(user_message(e), error=True),
            owner=page,
        )

    def book(item: RecallItem) -> None:
        if booking is None:
            return
        service_, reference = booking
        name = item.recall.patient_name or "the patient"
        page.status.setText("Finding a free time…")

        def open_dialog(found: tuple[BookingRequest, list[Provider], list[Operatory]]) -> None:
            page.status.setText("")
            request, providers, operatories = found
            page.open_dialog(
                BookingDialog(
                    page.window(),
                    runner,
                    request=request,
                    providers=providers,
                    operatories=operatories,
                    check=lambda r: service_.check(actor(), r),
                    commit=lambda _pat, r: service_.book(actor(), item, r),
                    patient=PatientContact(item.recall.pat_num, item.recall.patient_name),
                    heading=f"Book {name}'s recall visit",
                    verbs=("Book", "Booked"),
                ),
                lambda text: f"{text} Open Dental has it; the recall is off this list.",
                item,
                lambda r: replace(r, last_outcome="scheduled", pending=True),
            )

        runner(
            lambda: (service_.proposal(actor()), *reference()),
            open_dialog,
            lambda e: page.show_message(user_message(e), error=True),
            owner=page,
        )

    actions = [
        Action("&Contacted", mark("contacted"), primary=True),
        Action("&Left message", mark("left_message")),
        Action("&Scheduled", mark("scheduled")),
        Action("&No answer", mark("no_answer")),
    ]
    if booking is not None:
        actions.append(Action("&Book…", book))
    export.clicked.connect(do_export)
    page = BookingPage(
        "Recall",
        "Patients overdue for their recall visit and not yet booked, most overdue first. "
        "Book… offers the first free time of a hygienist. "
        "Each call is noted on the recall and in the patient's commlog in Open Dental.",
        [
            Column("Patient", lambda r: r.recall.patient_name),
            Column("Chart", lambda r: r.recall.pat_num),
            Column("Phone", lambda r: r.recall.phone),
            Column("Recall", lambda r: r.recall.recall_type),
            Column("Due", lambda r: r.recall.due),
            Column("Days overdue", lambda r: r.days_overdue),
            Column("Last visit", lambda r: r.recall.last_visit),
            Column(
                "Last call",
                lambda r: (
                    (r.last_outcome.replace("_", " ") or "—") + (f" {WAITING}" if r.pending else "")
                ),
            ),
        ],
        lambda: service.overdue(actor()),
        runner,
        actions,
        toolbar=[export],
        empty_text="No overdue recalls.",
    )
    return page


def conflicts_page(
    service: ConflictService,
    actor: Callable[[], Actor],
    runner: Run,
    names: Names,
    today: Callable[[], date],
) -> WorklistPage:
    def load() -> list[tuple[datetime, str, str]]:
        start = today()
        found = service.find(actor(), start, start + timedelta(days=14))
        providers, operatories = names()
        return [
            (
                c.start,
                c.kind.value.replace("_", " ").capitalize(),
                c.describe(providers, operatories),
            )
            for c in found
        ]

    return WorklistPage(
        "Conflicts",
        "Double-booked providers and operatories in the next two weeks. "
        "This screen shows no patient information.",
        [
            Column("When", lambda r: r[0]),
            Column("Problem", lambda r: r[1]),
            Column("Details", lambda r: r[2]),
        ],
        load,
        runner,
        empty_text="No conflicts in the next two weeks.",
    )
