"""The booking worklists: no-show rebooking and the waitlist, each booking through the
schedule's booking dialog (the time checked, a start inside the free range offered, asked
before it is written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TypeVar

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services.access import Actor
from services.pms.records import OpenSlot, Operatory, PatientContact, Provider
from services.workflows.noshow import NoShow, NoShowService
from services.workflows.waitlist import WaitlistEntry, WaitlistService
from services.workflows.waitlist_match import Offer
from ui.operations import Run, user_message
from ui.schedule.booking_dialog import BookingDialog
from ui.workflows.worklist import Action, Column, WorklistPage

WAITING = "(waiting for Open Dental)"
T = TypeVar("T")
NameMaps = tuple[dict[int, str], dict[int, str]]  # provider and operatory names by number
Reference = Callable[[], tuple[list[Provider], list[Operatory]]]  # reads the PMS: off the UI


def name_maps(providers: list[Provider], operatories: list[Operatory]) -> NameMaps:
    return {p.prov_num: p.abbr or p.name for p in providers}, {
        o.op_num: o.name for o in operatories
    }


class SlotPicker(QDialog):
    """Choose one open time (each already free for the dentist and the hygienist in every
    chair); the booking dialog that follows checks it again and asks."""

    def __init__(self, slots: list[OpenSlot], names: NameMaps, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a new time")
        self.resize(520, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Open times that fit this appointment:"))
        self.list = QListWidget()
        providers, operatories = names
        for slot in slots[:200]:
            item = QListWidgetItem(
                f"{slot.start:%a %d %b  %H:%M}–{slot.end:%H:%M}   "
                f"{providers.get(slot.prov_num, slot.prov_num)} · "
                f"{operatories.get(slot.op_num, slot.op_num)}"
            )
            item.setData(256, slot)
            self.list.addItem(item)
        if slots:
            self.list.setCurrentRow(0)
        else:
            layout.addWidget(QLabel("No free time of that length in the next four weeks."))
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Choose this time…")
        ok.setEnabled(bool(slots))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        layout.addWidget(buttons)

    def chosen(self) -> OpenSlot | None:
        item = self.list.currentItem()
        if item is None:
            return None
        slot: OpenSlot = item.data(256)
        return slot


class BookingPage(WorklistPage):
    """A worklist whose rows are booked through a BookingDialog (`dialog`, for the tests
    and so that one is open at a time)."""

    dialog: BookingDialog | None = None

    def open_dialog(
        self,
        dialog: BookingDialog,
        notice: Callable[[str], str],
        row: T | None = None,
        waiting: Callable[[T], T] | None = None,
    ) -> None:
        """`waiting(row)`: the row as it will be once a kept write lands, shown (without a
        reload that would only fail) when Open Dental cannot be reached."""
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog

        def changed(text: str) -> None:
            if not dialog.kept:
                self.reload(notice(text))
                return
            if waiting is not None and row is not None:
                new = waiting(row)
                self.model.set_rows([new if r is row else r for r in self.model.rows])
            self.show_message(text)

        dialog.changed.connect(changed)
        dialog.open()


def noshow_page(
    service: NoShowService, actor: Callable[[], Actor], runner: Run, reference: Reference
) -> BookingPage:
    page: BookingPage

    def find_time(row: NoShow) -> None:
        page.status.setText("Finding open times…")
        apt = row.appointment

        def chosen(found: tuple[list[OpenSlot], list[Provider], list[Operatory]]) -> None:
            slots, providers, operatories = found
            picker = SlotPicker(slots, name_maps(providers, operatories), page)
            if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen() is None:
                page.status.setText("")
                return
            slot = picker.chosen()
            assert slot is not None
            page.status.setText("")
            page.open_dialog(
                BookingDialog(
                    page.window(),
                    runner,
                    request=service.request_for(apt, slot.start, slot.op_num),
                    providers=providers,
                    operatories=operatories,
                    check=lambda r: service.check(actor(), r),
                    commit=lambda _pat, r: service.reschedule(actor(), apt, r),
                    moving=apt,
                    heading=f"Rebook {apt.patient_name or 'the appointment'}",
                    verbs=("Rebook", "Rescheduled"),
                ),
                lambda text: (
                    f"{text} Open Dental has the new time; the call is in the patient's commlog."
                ),
                row,
                lambda r: replace(r, outcome="rescheduled", pending=True),
            )

        runner(
            lambda: (service.slots(actor(), apt), *reference()),
            chosen,
            lambda e: page.show_message(user_message(e), error=True),
            owner=page,
        )

    def outcome(kind: str) -> Callable[[NoShow], None]:
        return lambda row: runner(
            lambda: service.record_outcome(actor(), row.appointment, kind),
            lambda _: page.reload("Noted in the patient's commlog in Open Dental."),
            lambda e: page.show_message(user_message(e), error=True),
            owner=page,
        )

    page = BookingPage(
        "No-shows",
        "Appointments broken or sent to the Unscheduled List in the last 7 days. Call the "
        "patient, then find a new time; each call is noted in the patient's commlog.",
        [
            Column("Was booked", lambda r: r.appointment.start),
            Column("Patient", lambda r: r.appointment.patient_name),
            Column("Chart", lambda r: r.appointment.pat_num or ""),
            Column("Phone", lambda r: r.appointment.phone),
            Column("Email", lambda r: r.appointment.email),
            Column("Appointment", lambda r: r.appointment.appointment_type),
            Column("Length", lambda r: r.appointment.minutes, lambda m: f"{m} min"),
            Column(
                "Follow-up",
                lambda r: (
                    (r.outcome.replace("_", " ") or "—") + (f" {WAITING}" if r.pending else "")
                ),
            ),
        ],
        lambda: service.recent(actor()),
        runner,
        [
            Action("&Find a new time…", find_time, primary=True),
            Action("&Reached", outcome("reached")),
            Action("&Left message", outcome("left_message")),
            Action("&Declined", outcome("declined")),
        ],
        empty_text="No no-shows in the last 7 days.",
    )
    return page


@dataclass(frozen=True)
class OfferRow:
    """A waitlist row, complete when it reaches the UI thread (names read in the background)."""

    offer: Offer
    entry: WaitlistEntry
    where: str
    pending: bool = False  # booked while Open Dental could not be reached: waits to be sent

    @property
    def patient_name(self) -> str:
        return self.entry.patient_name


def waitlist_page(
    service: WaitlistService,
    actor: Callable[[], Actor],
    runner: Run,
    reference: Reference,
    today: Callable[[], date],
) -> BookingPage:
    page: BookingPage

    def load_with_names() -> list[OfferRow]:
        entries = service.entries(actor())
        by_key = {e.wish.key: e for e in entries}
        providers, operatories = name_maps(*reference())
        return [
            OfferRow(
                o,
                by_key[o.wish.key],
                f"{providers.get(o.slot.prov_num, o.slot.prov_num)} · "
                f"{operatories.get(o.slot.op_num, o.slot.op_num)}",
            )
            for o in service.offers(actor(), entries, today() + timedelta(days=1))
        ]

    def book(row: OfferRow) -> None:
        entry, offer = row.entry, row.offer
        name = entry.patient_name or "the patient"

        def open_dialog(found: tuple[list[Provider], list[Operatory]]) -> None:
            providers, operatories = found
            page.open_dialog(
                BookingDialog(
                    page.window(),
                    runner,
                    request=service.request_for(entry, offer),
                    providers=providers,
                    operatories=operatories,
                    check=lambda r: service.check(actor(), r),
                    commit=lambda _pat, r: service.book(actor(), entry, r),
                    moving=entry.appointment,
                    patient=PatientContact(entry.wish.pat_num, entry.patient_name or None),
                    heading=f"Book {name} from the waitlist",
                    verbs=("Book", "Booked"),
                ),
                lambda text: f"{text} Open Dental has it.",
                row,
                lambda r: replace(r, pending=True),
            )

        runner(
            reference,
            open_dialog,
            lambda e: page.show_message(user_message(e), error=True),
            owner=page,
        )

    page = BookingPage(
        "Waitlist",
        "Open times in the coming week and the waiting patients each would suit, longest "
        "waiting first. Each time is free for its provider in every chair.",
        [
            Column("Open time", lambda r: r.offer.start),
            Column("Where", lambda r: r.where),
            Column("Patient", lambda r: r.patient_name),
            Column("Chart", lambda r: r.offer.wish.pat_num),
            Column("Procedure", lambda r: r.offer.wish.procedure_type),
            Column("Length", lambda r: r.offer.wish.length_minutes, lambda m: f"{m} min"),
            Column(
                "List",
                lambda r: (
                    ("ASAP (PMS)" if r.offer.wish.key.startswith("asap_") else "Enamel")
                    + (f" {WAITING}" if r.pending else "")
                ),
            ),
        ],
        load_with_names,
        runner,
        [Action("&Book…", book, primary=True)],
        empty_text="No open time suits anyone waiting.",
    )
    return page
