"""The audit viewer: the pseudonymous trail for the compliance officer, filtered and verified."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services.access import Purpose
from services.audit import AuditEntry, VerifyResult
from services.audit.browse import ViewerFilters
from services.audit.sources import workstation_label
from services.compliance.people import AuditPage, People
from ui.audit_workstations import WorkstationBox
from ui.operations import Run

# What `load` returns: the entries, the people they name, and whether they are the whole
# practice's (read off the UI thread).
Page = AuditPage
Load = Callable[[date, date, str, ViewerFilters], Page]

COLUMNS = [
    ("seq", "Seq"),
    ("timestamp", "Time"),
    ("workstation_id", "Workstation"),  # seq is per workstation: the pair names an entry
    ("actor_id", "Who"),
    ("action", "Action"),
    ("purpose", "Purpose"),
    ("outcome", "Outcome"),
    ("patient_id", "Patient"),  # pseudonyms (the header's tooltip says so)
    ("resource_id", "Record"),
    ("flags", "Flags"),
]

Index = QModelIndex | QPersistentModelIndex


def _day(qdate: QDate) -> date:
    return date(qdate.year(), qdate.month(), qdate.day())


def zone_name(zone: tzinfo) -> str:
    return str(getattr(zone, "key", "") or zone.tzname(datetime.now(UTC)) or "practice time")


# Kept at their full width when the table is too narrow for every column, and the width the
# other columns must then keep at least.
KEEP_WIDTH = frozenset({"seq", "timestamp", "workstation_id", "outcome"})
MIN_SHARED_WIDTH = 110


def fair_cap(wanted: list[int], room: int) -> int:
    """The one width the widest columns are cut to so that all of them fit `room`: the
    narrower ones keep theirs (water-filling)."""
    rest = room
    ordered = sorted(wanted)
    for index, width in enumerate(ordered):
        share = rest // (len(ordered) - index)
        if width > share:
            return max(share, 40)
        rest -= width
    return max(ordered[-1], 40)


class EntryTable(QAbstractTableModel):
    """The entries as a person reads them: practice time, names with ids; pseudonyms as kept."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        super().__init__()
        self._zone = zone
        self._rows: list[dict[str, object]] = []
        self._people = People(None)
        self._stations: dict[str, str] = {}

    def set_entries(
        self,
        entries: list[AuditEntry],
        people: People | None = None,
        workstations: dict[str, str] | None = None,
    ) -> None:
        self.beginResetModel()
        self._rows = [entry.data for entry in entries]
        self._people = people or People(None)
        self._stations = workstations or {}
        self.endResetModel()

    def text(self, row: int, column: int) -> str:
        key = COLUMNS[column][0]
        value = self._rows[row].get(key, "")
        if key == "timestamp" and value:
            local = datetime.fromisoformat(str(value)).astimezone(self._zone)
            return f"{local:%Y-%m-%d %H:%M:%S}"
        if key == "actor_id":
            return self._people.label(str(value))
        if key == "workstation_id":
            return workstation_label(str(value), self._stations)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return self.text(index.row(), index.column())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        key, title = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"Time ({zone_name(self._zone)})" if key == "timestamp" else title
        if role == Qt.ItemDataRole.ToolTipRole and key in ("patient_id", "resource_id"):
            return f"{title} (pseudonym: resolve one in the patient access report)"
        return None


class AuditViewer(QWidget):
    """`load(from, to, text)` returns entries and people; `verify()` recomputes the chain.

    Both run off the UI thread (a chain of a million entries takes seconds to verify).
    Days and times are the practice's (`zone`); the trail and its exports keep UTC.
    """

    def __init__(
        self,
        load: Load,
        verify: Callable[[], VerifyResult],
        today: date,
        runner: Run,
        *,
        zone: tzinfo = UTC,
        export: Callable[[date, date, Path], int] | None = None,
        ask_path: Callable[[str], Path | None] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("page")
        self._export = export
        self._ask_path = ask_path or self._dialog_path
        self._load = load
        self._verify = verify
        self._run = runner
        self.busy = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 12)
        title = QLabel("Audit trail")
        title.setObjectName("pageTitle")
        subtitle = QLabel(
            "Every access to patient information, sign-in and change on every workstation of the "
            "practice, in practice time. People appear by name and role with their account id; "
            "patients and records as pseudonyms (resolve one in the patient access report)."
        )
        subtitle.setObjectName("pageSubtitle")
        subtitle.setWordWrap(True)
        outer.addWidget(title)
        outer.addWidget(subtitle)

        bar = QHBoxLayout()
        self.from_edit = QDateEdit(QDate(today.year, today.month, today.day).addDays(-7))
        self.to_edit = QDateEdit(QDate(today.year, today.month, today.day))
        for edit, name in ((self.from_edit, "From"), (self.to_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name, role, action, purpose or pseudonym")
        self.filter_edit.setClearButtonEnabled(True)
        self.show_button = QPushButton("&Show")
        self.show_button.setObjectName("primary")
        self.verify_button = QPushButton("&Verify chain")
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip(
            "JSON lines with UTC times and pseudonyms, as enamel-admin audit export writes; "
            "the export is itself recorded in the trail."
        )
        self.export_button.setVisible(export is not None)
        from_label = QLabel("&From")
        from_label.setBuddy(self.from_edit)
        to_label = QLabel("&To")
        to_label.setBuddy(self.to_edit)
        for w in (from_label, self.from_edit, to_label, self.to_edit):
            bar.addWidget(w)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.show_button)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)

        filters = QHBoxLayout()
        # Filled with the workstations each load could show (the hub's, and this PC).
        self.workstation_box = WorkstationBox()
        self.workstation_box.submitted.connect(self.refresh)
        self.person_box = QComboBox()  # filled with the people each load names
        self.person_box.addItem("Anyone", "")
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText("Patient (pt_…): any")
        self.purpose_box = QComboBox()
        self.purpose_box.addItem("Any purpose", "")
        for purpose in Purpose:
            self.purpose_box.addItem(purpose.value.replace("_", " ").capitalize(), purpose.value)
        for widget, name in (
            (self.workstation_box, "Workstation"),
            (self.person_box, "Person"),
            (self.patient_edit, "Patient"),
            (self.purpose_box, "Purpose"),
        ):
            widget.setAccessibleName(name)
            filters.addWidget(widget, 1)
            if isinstance(widget, QLineEdit):
                widget.setClearButtonEnabled(True)
                widget.returnPressed.connect(self.refresh)
        outer.addLayout(filters)

        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        outer.addWidget(self.result_label)

        self.model = EntryTable(zone)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has it all
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        outer.addWidget(self.table, 1)

        self.show_button.clicked.connect(self.refresh)
        self.filter_edit.returnPressed.connect(self.refresh)
        self.verify_button.clicked.connect(self.run_verify)
        self.export_button.clicked.connect(self.run_export)
        self.refresh()

    def fit_columns(self) -> None:
        """Each column as wide as what it shows; when they do not all fit the table's width
        (a practice's entries name the workstation and the person in full), the widest ones
        share what is left at one width (their full text in the tooltip), so no column is
        scrolled off. Seq, time, workstation and outcome keep theirs while the others can
        still be read."""
        header = self.table.horizontalHeader()
        self.table.resizeColumnsToContents()
        wanted = [header.sectionSize(c) for c in range(len(COLUMNS))]
        # The table spans the page inside its margins (its own geometry may not be laid out
        # yet when this runs), with the vertical scroll bar shown, whether it is yet or not.
        layout = self.layout()
        assert layout is not None
        margins = layout.contentsMargins()
        bar = self.table.verticalScrollBar().sizeHint().width()
        room = self.width() - margins.left() - margins.right()
        room -= 2 * self.table.frameWidth() + bar
        if sum(wanted) <= room:
            return
        kept = [c for c, (key, _) in enumerate(COLUMNS) if key in KEEP_WIDTH]
        shared = [c for c in range(len(COLUMNS)) if c not in kept]
        cap = fair_cap([wanted[c] for c in shared], room - sum(wanted[c] for c in kept))
        if cap < MIN_SHARED_WIDTH:  # too narrow for that: every column shares
            shared, cap = list(range(len(COLUMNS))), fair_cap(wanted, room)
        for column in shared:  # every one set, the stretched last one too
            header.resizeSection(column, min(wanted[column], cap))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def refresh(self) -> None:
        start = _day(self.from_edit.date())
        end = _day(self.to_edit.date())
        if end < start:
            self.result_label.setText("The end date is before the start date.")
            return
        text = self.filter_edit.text().strip()
        chosen = self.filters()
        self._busy("Reading the trail…")
        self._run(lambda: self._load(start, end, text, chosen), self._shown, owner=self)

    def filters(self) -> ViewerFilters:
        return ViewerFilters(
            workstation_id=self.workstation_box.chosen(),
            actor_id=str(self.person_box.currentData() or ""),
            patient_id=self.patient_edit.text().strip(),
            purpose=str(self.purpose_box.currentData() or ""),
        )

    def _busy(self, message: str) -> None:
        self.busy = True
        self.result_label.setStyleSheet("")
        self.result_label.setText(message)
        self.show_button.setEnabled(False)
        self.verify_button.setEnabled(False)

    def _idle(self) -> None:
        self.busy = False
        self.show_button.setEnabled(True)
        self.verify_button.setEnabled(True)

    def _fill_people(self, people: People) -> None:
        chosen = str(self.person_box.currentData() or "")
        self.person_box.blockSignals(True)
        self.person_box.clear()
        self.person_box.addItem("Anyone", "")
        for person in people.everyone():
            self.person_box.addItem(person.label, person.actor_id)
        found = self.person_box.findData(chosen)
        self.person_box.setCurrentIndex(max(0, found))
        self.person_box.blockSignals(False)

    def _shown(self, page: Page) -> None:
        self._idle()
        self._fill_people(page.people)
        self.workstation_box.fill(
            page.stations, page.workstations, page.here, practice_wide=page.practice_wide
        )
        self.model.set_entries(page.entries, page.people, page.workstations)
        self.fit_columns()
        more = " More matched: narrow the days or the filters." if page.truncated else ""
        if page.practice_wide:
            self.result_label.setText(f"{len(page.entries)} entries.{more}")
            return
        # Never silently partial: the hub was away, so these are this workstation's only.
        self.result_label.setText(
            f"This workstation only — {len(page.entries)} entries. {page.notice}{more}"
        )
        self.result_label.setStyleSheet("color: #92400e; font-weight: 600;")

    def show_failure(self, message: str) -> None:
        self._idle()
        self.result_label.setText(message)
        self.result_label.setStyleSheet("color: #b91c1c; font-weight: 600;")

    def run_verify(self) -> None:
        self._busy("Verifying the chain…")
        self._run(self._verify, self._verified, owner=self)

    def _verified(self, result: VerifyResult) -> None:
        self._idle()
        if result.broken is None:
            self.result_label.setText(
                f"✔ The chain is intact: {result.entries} entries (seq {result.first_seq}–{result.last_seq})."
            )
            self.result_label.setStyleSheet("color: #166534; font-weight: 600;")
        else:
            self.result_label.setText(f"✘ The chain is broken at {result.broken.describe()}")
            self.result_label.setStyleSheet("color: #b91c1c; font-weight: 600;")

    def _dialog_path(self, suggested: str) -> Path | None:
        # Qt's own dialog, so the idle lock can close it like any other window.
        dialog = QFileDialog(self, "Export the audit trail", suggested, "JSON lines (*.jsonl)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(suggested)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
                return None
            return Path(dialog.selectedFiles()[0])
        finally:
            dialog.deleteLater()

    def run_export(self) -> None:
        export = self._export
        if export is None:
            return
        start, end = _day(self.from_edit.date()), _day(self.to_edit.date())
        target = self._ask_path(f"audit-{start.isoformat()}-{end.isoformat()}.jsonl")
        if target is None:
            return
        self._busy("Exporting…")
        self._run(
            lambda: export(start, end, target), lambda n: self._exported(n, target), owner=self
        )

    def _exported(self, count: int, target: Path) -> None:
        self._idle()
        self.result_label.setText(
            f"Exported {count} entries to {target.name} (UTC times). The export is in the trail."
        )
