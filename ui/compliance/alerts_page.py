"""The alerts list for the compliance officer, with the unacknowledged count and acknowledgement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.compliance.alerts import AlertView
from services.compliance.breach.rules import Rule
from storage.compliance_repo import AlertRecord
from ui.compliance.common import (
    GREY,
    RED,
    Runner,
    call,
    error_banner,
    fill_table,
    make_table,
    page_layout,
    show_error,
)

COLUMNS = ["When", "Severity", "Rule", "Who / where", "What happened", "State"]


def rule_label(rule: str) -> str:
    try:
        return Rule(rule).label
    except ValueError:
        return rule.replace("_", " ")


def reasons_text(view: AlertView) -> str:
    if not view.reasons:
        return ""
    quoted = "; ".join(f"“{r}”" for r in view.reasons)
    return f"Reason given: {quoted}"


def local_time(moment: datetime, zone: tzinfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(zone).strftime(fmt)


def badge_text(count: int) -> str:
    """For the navigation rail: 'Alerts (3)', or just 'Alerts'."""
    return f"Alerts ({count})" if count else "Alerts"


class AcknowledgeDialog(QDialog):
    """Asks what was checked. The note may name a patient: it stays in the encrypted database."""

    def __init__(self, view: AlertView, parent: QWidget | None = None, zone: tzinfo = UTC) -> None:
        super().__init__(parent)
        alert = view.alert
        self.setWindowTitle("Acknowledge alert")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        heading = QLabel(rule_label(alert.rule))
        heading.setObjectName("pageTitle")
        self.who = QLabel(f"<b>{view.subject}</b> · {local_time(alert.event_at, zone)}")
        self.who.setWordWrap(True)
        summary = QLabel(alert.summary)
        summary.setWordWrap(True)
        self.reasons = QLabel(reasons_text(view))
        self.reasons.setWordWrap(True)
        self.reasons.setVisible(bool(view.reasons))
        prompt = QLabel("What did you check, and what was the outcome?")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("For example: confirmed with the office manager that …")
        self.note.setAccessibleName("Acknowledgement note")
        hint = QLabel(
            "The note is kept in this practice's encrypted database, not in the audit log."
        )
        hint.setObjectName("pageSubtitle")
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Acknowledge")
        ok.setEnabled(False)
        self.note.textChanged.connect(lambda: ok.setEnabled(bool(self.note.toPlainText().strip())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for w in (heading, self.who, summary, self.reasons, prompt, self.note, hint, self.buttons):
            layout.addWidget(w)

    def text(self) -> str:
        return self.note.toPlainText().strip()


class AlertsPage(QWidget):
    """`load(unacknowledged_only)` lists alerts; `acknowledge(alert_id, note)`; `count()` for the badge.

    Times are the practice's (`zone`); people appear by name and role, the id beside them.
    """

    countChanged = Signal(int)

    def __init__(
        self,
        load: Callable[[bool], list[AlertView]],
        acknowledge: Callable[[str, str], AlertRecord],
        count: Callable[[], int],
        *,
        runner: Runner,
        ask_note: Callable[[AlertView], str | None] | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        super().__init__()
        self._zone = zone
        self._load = load
        self._acknowledge = acknowledge
        self._count = count
        self._runner = runner
        self._ask_note = ask_note or self._dialog_note
        self._alerts: list[AlertView] = []
        outer = page_layout(
            self,
            "Alerts",
            "Possible breaches found in the audit trail: unusual patient volume, access out of "
            "hours, failed sign-in bursts, exports, emergency access and disabled accounts.",
        )
        bar = QHBoxLayout()
        self.badge = QLabel()
        self.badge.setObjectName("alertBadge")
        self.badge.setStyleSheet(
            "QLabel#alertBadge { background: #b91c1c; color: white; border-radius: 10px;"
            " padding: 2px 10px; font-weight: 600; }"
        )
        self.open_only = QCheckBox("Show only &unacknowledged")
        self.open_only.setChecked(True)
        self.refresh_button = QPushButton("&Refresh")
        self.ack_button = QPushButton("&Acknowledge…")
        self.ack_button.setObjectName("primary")
        self.ack_button.setEnabled(False)
        bar.addWidget(self.badge)
        bar.addWidget(self.open_only)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.ack_button)
        outer.addLayout(bar)
        self.error = error_banner()
        outer.addWidget(self.error)
        self.table = make_table(COLUMNS)
        # What happened (a break-glass reason) and the state wrap in their columns: the whole
        # row is read at 1366x768 without scrolling sideways.
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(4, 380)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(self.table, 1)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setObjectName("pageSubtitle")
        outer.addWidget(self.detail)

        self.refresh_button.clicked.connect(self.refresh)
        self.open_only.toggled.connect(lambda _: self.refresh())
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.refresh()

    def badge_text(self) -> str:
        return badge_text(self._count())

    def selected(self) -> AlertView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self._alerts[rows[0].row()]

    def refresh(self) -> None:
        self.error.hide()
        call(
            self._runner,
            lambda: (self._load(self.open_only.isChecked()), self._count()),
            self._show,
            lambda e: show_error(self.error, e),
        )

    def _show(self, result: tuple[list[AlertView], int]) -> None:
        self._alerts, count = result
        self.badge.setText(f"{count} unacknowledged" if count else "No open alerts")
        self.badge.setStyleSheet(
            self.badge.styleSheet().replace("#166534", "#b91c1c")
            if count
            else self.badge.styleSheet().replace("#b91c1c", "#166534")
        )
        rows, colours = [], []
        for view in self._alerts:
            a = view.alert
            state = (
                f"acknowledged {local_time(a.acknowledged_at, self._zone, '%d %b %H:%M')} "
                f"by {view.acknowledged_by}"
                if a.acknowledged_at
                else "open"
            )
            what = a.summary + (f" {reasons_text(view)}" if view.reasons else "")
            rows.append(
                [
                    local_time(a.event_at, self._zone),
                    a.severity,
                    rule_label(a.rule),
                    view.subject,
                    what,
                    state,
                ]
            )
            colours.append(
                [
                    None,
                    RED if a.severity == "high" else None,
                    None,
                    None,
                    None,
                    GREY if a.acknowledged_at else RED,
                ]
            )
        fill_table(self.table, rows, colours)
        self.countChanged.emit(count)
        self._selection_changed()

    def _selection_changed(self) -> None:
        view = self.selected()
        self.ack_button.setEnabled(view is not None and not view.alert.acknowledged)
        if view is None:
            self.detail.setText("Select an alert to see its entries and acknowledge it.")
        else:
            alert = view.alert
            reasons = f" {reasons_text(view)}" if view.reasons else ""
            note = f" Note: {alert.ack_note}" if alert.ack_note else ""
            self.detail.setText(
                f"{view.subject}: audit entries {alert.first_seq}–{alert.last_seq} "
                f"({alert.entry_count}).{reasons}{note}"
            )

    def _dialog_note(self, view: AlertView) -> str | None:
        dialog = AcknowledgeDialog(view, self, self._zone)
        return dialog.text() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def acknowledge_selected(self) -> None:
        view = self.selected()
        if view is None:
            return
        alert = view.alert
        note = self._ask_note(view)
        if not note:
            return
        call(
            self._runner,
            lambda: self._acknowledge(alert.alert_id, note),
            lambda _: self.refresh(),
            lambda e: show_error(self.error, e),
        )
