"""From the schedule to the booking dialogs: book into free time, move (from the appointment
window or by cut and paste, Open Dental's pinboard), break and confirm."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtWidgets import QDialog, QMenu, QWidget

from services.pms.records import Appointment, Operatory, PatientContact, Provider
from services.workflows.appointment import AppointmentAction, AppointmentCard
from services.workflows.booking import BookingRequest
from ui.operations import Run
from ui.schedule.actions import ScheduleActions
from ui.schedule.booking_dialog import BookingDialog
from ui.schedule.change_dialogs import BreakDialog, ConfirmDialog
from ui.schedule.day_view import DayView
from ui.schedule.model import Block


class ScheduleFlows:
    """Owned by a SchedulePage; every dialog is owned by the main window (the lock closes it)."""

    def __init__(
        self,
        view: DayView,
        actions: ScheduleActions,
        runner: Run,
        owner: Callable[[], QWidget],
        changed: Callable[[str], None],
        failed: Callable[[str], None],
    ) -> None:
        self._view = view
        self._actions = actions
        self._run = runner
        self._owner = owner
        self._changed = changed
        self._failed = failed
        self.cut: int | None = None  # the block waiting to be pasted elsewhere
        self.dialog: QDialog | None = None
        self._reference: tuple[list[Provider], list[Operatory]] | None = None

    # -- the menu ------------------------------------------------------------------------

    def add_to_menu(self, menu: QMenu, key: int, column: int, minute: int) -> None:
        if not self._actions.may_book:
            return
        if key:
            menu.addAction("Cut (to move it)\tCtrl+X", lambda: self.cut_block(key))
            return
        if column:
            menu.addAction("Book here…", lambda: self.book_at(column, minute))
            if self.cut is not None:
                menu.addAction("Paste here (move)…\tCtrl+V", lambda: self.paste_at(column, minute))

    def cut_block(self, key: int) -> None:
        self.cut = key
        block = self._block(key)
        what = block.title if block else "The appointment"
        self._changed(f"{what} is cut: choose a free time and Paste here (Ctrl+V) to move it.")

    # -- booking and moving --------------------------------------------------------------

    def _block_default(self, column: int) -> int:
        """The provider who works in that chair that day (most of its blocks), or none."""
        model = self._view.model()
        if model is None:
            return 0
        counts = Counter(b.prov_num for b in model.blocks if b.column == column and b.prov_num)
        return counts.most_common(1)[0][0] if counts else 0

    def _block(self, key: int) -> Block | None:
        model = self._view.model()
        return next((b for b in model.blocks if b.key == key), None) if model else None

    def _at(self, minute: int) -> datetime:
        model = self._view.model()
        assert model is not None
        return datetime.combine(model.day, datetime.min.time()) + timedelta(minutes=minute)

    def _with_reference(self, then: Callable[[list[Provider], list[Operatory]], None]) -> None:
        if self._reference is not None:
            then(*self._reference)
            return

        def keep(found: tuple[list[Provider], list[Operatory]]) -> None:
            self._reference = found
            then(*found)

        self._run(self._actions.reference, keep, lambda e: self._failed(str(e)), owner=self._view)

    def _open_booking(
        self,
        request: BookingRequest,
        providers: list[Provider],
        operatories: list[Operatory],
        commit: Callable[[int, BookingRequest], object],
        *,
        find_patients: Callable[[str], list[PatientContact]] | None = None,
        moving: Appointment | None = None,
    ) -> None:
        """The booking dialog on `request`, checked by the schedule's one booking check."""
        assert self._actions.check
        self._open(
            BookingDialog(
                self._owner(),
                self._run,
                request=request,
                providers=providers,
                operatories=operatories,
                check=self._actions.check,
                commit=commit,
                find_patients=find_patients,
                moving=moving,
            )
        )

    def book_at(self, column: int, minute: int) -> None:
        start = self._at(minute)

        def open_dialog(providers: list[Provider], operatories: list[Operatory]) -> None:
            op = next((o for o in operatories if o.op_num == column), None)
            hygiene = bool(op and op.is_hygiene)
            prov = self._block_default(column) or next(
                (p.prov_num for p in providers if p.is_hygienist == hygiene and not p.is_hidden), 0
            )
            is_hyg_prov = any(p.prov_num == prov and p.is_hygienist for p in providers)
            request = BookingRequest(
                start, 30, column, prov, prov if hygiene and is_hyg_prov else 0, hygiene
            )
            assert self._actions.book
            book = self._actions.book
            self._open_booking(
                request,
                providers,
                operatories,
                lambda pat_num, r: book(pat_num, r),
                find_patients=self._actions.find_patients,
            )

        self._with_reference(open_dialog)

    def move(self, appointment: Appointment, start: datetime | None = None, op: int = 0) -> None:
        request = BookingRequest(
            start or appointment.start,
            appointment.minutes,
            op or appointment.op_num,
            appointment.prov_num,
            appointment.prov_hyg or 0,
            bool(appointment.is_hygiene),
            appointment.apt_num,
        )

        def open_dialog(providers: list[Provider], operatories: list[Operatory]) -> None:
            assert self._actions.move
            move = self._actions.move
            self._open_booking(
                request,
                providers,
                operatories,
                lambda _pat, r: move(appointment, r),
                moving=appointment,
            )

        self._with_reference(open_dialog)

    def paste_at(self, column: int, minute: int) -> None:
        key = self.cut
        if key is None:
            return
        self.cut = None
        self.move_block(key, column, minute)

    def move_block(self, key: int, column: int, minute: int) -> None:
        """A block pasted or dropped at (column, minute): the appointment is read again and
        the booking dialog checks that time and asks before anything moves."""
        start = self._at(minute)

        def opened(card: AppointmentCard) -> None:
            self.move(card.appointment, start, column)

        self._run(
            lambda: self._actions.open_card(key),
            opened,
            lambda e: self._failed(str(e)),
            owner=self._view,
        )

    # -- from the appointment window ----------------------------------------------------------

    def act(self, card: AppointmentCard, action: AppointmentAction) -> None:
        a = card.appointment
        if action is AppointmentAction.MOVE:
            self.move(a)
        elif action is AppointmentAction.BREAK and self._actions.break_ is not None:
            self._open(BreakDialog(self._owner(), self._run, a, self._actions.break_))
        elif action is AppointmentAction.CONFIRM and self._actions.confirm is not None:
            self._open(ConfirmDialog(self._owner(), self._run, a, self._actions.confirm))

    def _open(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        done = getattr(dialog, "changed", None)
        if done is not None:
            done.connect(self._changed)
        dialog.open()
