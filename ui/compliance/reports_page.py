"""Reports on screen and as PDF: the patient access report and the breach assessment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from services.compliance.breach_response import (
    Conclusion,
    NoticeList,
    RiskFactors,
    duties_for,
    factors_of,
)
from services.compliance.people import People
from services.compliance.reports import BreachAssessment, PatientAccessReport, PatientMatch
from storage.compliance_repo import RiskAssessmentRecord
from ui.compliance.common import Runner, call, error_banner, page_layout, save_pdf, show_error
from ui.compliance.documents import breach_html, patient_report_html, write_pdf, zone_label

PatientReport = Callable[[str], PatientAccessReport]
PatientSearch = Callable[[str], list[PatientMatch]]  # name, chart number or birth date
Breach = Callable[[datetime, datetime, str, str, date], BreachAssessment]
# Where to save a PDF: the file dialog by default; tests pass a path.
AskPath = Callable[[str], Path | None]
# The account directory's names, read off the UI thread with each report.
PeopleSource = Callable[[], People]


@dataclass(frozen=True)
class BreachActions:
    """What the compliance officer does with an assessment (services.compliance.breach_response)."""

    saved: Callable[[BreachAssessment], RiskAssessmentRecord | None]
    save: Callable[[BreachAssessment, RiskFactors], RiskAssessmentRecord]
    letters: Callable[[BreachAssessment], NoticeList] | None = None


_CONCLUSION_SHORT = {
    Conclusion.UNDECIDED: "Not decided yet",
    Conclusion.NOTIFY: "Breach: notify (patients, HHS, media)",
    Conclusion.LOW_PROBABILITY: "Low probability: no notification",
}

_FACTORS = (
    (
        "nature",
        "1. &Nature and extent of the PHI",
        "Which fields (names, phones, clinical "
        "notes, insurance numbers), how many patients, how easily they could be identified.",
    ),
    (
        "recipient",
        "2. The &unauthorised person",
        "Who used or received it: staff bound by HIPAA, another practice, a stranger?",
    ),
    (
        "acquired",
        "3. Ac&quired or viewed?",
        "Was the PHI actually opened, printed, copied or sent, or only exposed?",
    ),
    (
        "mitigation",
        "4. &Mitigation",
        "What was done: access removed, assurance obtained, records returned or destroyed.",
    ),
)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _instant(edit: QDateTimeEdit, zone: tzinfo) -> datetime:
    # The fields are practice time, as the label says; the trail is searched in UTC.
    d, t = edit.date(), edit.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=zone).astimezone(UTC)


class _ReportTab(QWidget):
    def __init__(
        self,
        runner: Runner,
        practice: str,
        ask_path: AskPath | None,
        people: PeopleSource,
        zone: tzinfo,
    ) -> None:
        super().__init__()
        self._runner = runner
        self._practice = practice
        self._ask_path = ask_path
        self._people = people
        self._zone = zone
        self.html = ""
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 8, 0, 0)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        buttons = QHBoxLayout()
        self.show_button = QPushButton("&Show report")
        self.show_button.setObjectName("primary")
        self.pdf_button = QPushButton("Save as &PDF…")
        self.pdf_button.setEnabled(False)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.pdf_button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.error = error_banner()
        self.layout_.addWidget(self.error)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.layout_.addWidget(self.view, 1)
        self.saved = QLabel()
        self.saved.setObjectName("pageSubtitle")
        self.layout_.addWidget(self.saved)
        self.pdf_button.clicked.connect(self.save)

    def title(self) -> str:
        raise NotImplementedError

    def present(self, html_text: str) -> None:
        self.error.hide()
        self.html = html_text
        self.view.setHtml(html_text)
        self.pdf_button.setEnabled(True)
        self.saved.clear()

    def fail(self, error: Exception) -> None:
        self.html = ""
        self.view.clear()
        self.pdf_button.setEnabled(False)
        show_error(self.error, error)

    def save(self) -> Path | None:
        if not self.html:
            return None
        suggested = self.title().lower().replace(" ", "-") + ".pdf"
        if self._ask_path is None:
            path = save_pdf(self, self.html, self.title(), suggested)
        else:
            target = self._ask_path(suggested)
            path = write_pdf(self.html, target, self.title()) if target else None
        if path is not None:
            self.saved.setText(f"Saved {path.name}.")
        return path


class PatientReportTab(_ReportTab):
    def __init__(
        self,
        load: PatientReport,
        runner: Runner,
        practice: str,
        ask_path: AskPath | None,
        people: PeopleSource,
        zone: tzinfo,
        search: PatientSearch | None = None,
    ) -> None:
        super().__init__(runner, practice, ask_path, people, zone)
        self._load = load
        self._search = search
        self.find_box = QLineEdit()
        self.find_box.setPlaceholderText("Last name (or 'Last, First'), chart number or YYYY-MM-DD")
        self.find_box.setAccessibleName("Find a patient")
        self.find_button = QPushButton("&Find patient")
        self.matches = QListWidget()
        self.matches.setAccessibleName("Patients found")
        self.matches.setMaximumHeight(110)
        row = QHBoxLayout()
        row.addWidget(self.find_box, 1)
        row.addWidget(self.find_button)
        if search is not None:
            self.form.addRow("Fi&nd", row)
            self.form.addRow("", self.matches)
        self.matches.setVisible(False)
        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Chart number, or a pseudonym such as pt_3f9c…")
        self.patient.setAccessibleName("Patient")
        self.patient.setMaximumWidth(420)
        self.form.addRow("&Patient", self.patient)
        self.show_button.clicked.connect(self.run)
        self.patient.returnPressed.connect(self.run)
        self.find_button.clicked.connect(self.find_patient)
        self.find_box.returnPressed.connect(self.find_patient)
        self.matches.itemActivated.connect(self.choose)
        self.matches.itemClicked.connect(self.choose)

    def find_patient(self) -> None:
        text, search = self.find_box.text().strip(), self._search
        if not text or search is None:
            return
        call(self._runner, lambda: search(text), self._found, self.fail)

    def _found(self, found: list[PatientMatch]) -> None:
        self.error.hide()
        self.matches.clear()
        for m in found:
            item = QListWidgetItem(f"{m.name} · chart {m.record_number}")
            item.setData(256, m.record_number)
            self.matches.addItem(item)
        if not found:
            self.matches.addItem("No patient found.")
        self.matches.setVisible(True)

    def choose(self, item: QListWidgetItem) -> None:
        number = item.data(256)
        if number is None:
            return
        self.patient.setText(str(number))
        self.run()

    def title(self) -> str:
        return "Patient access report"

    def run(self) -> None:
        text = self.patient.text().strip()
        if not text:
            return
        call(
            self._runner,
            lambda: (self._load(text), self._people()),
            lambda r: self.present(
                patient_report_html(r[0], self._practice, people=r[1], zone=self._zone)
            ),
            self.fail,
        )


class BreachTab(_ReportTab):
    def __init__(
        self,
        load: Breach,
        runner: Runner,
        practice: str,
        today: date,
        ask_path: AskPath | None,
        people: PeopleSource,
        zone: tzinfo,
        actions: BreachActions | None = None,
    ) -> None:
        super().__init__(runner, practice, ask_path, people, zone)
        self._load = load
        self._actions = actions
        self.assessment: BreachAssessment | None = None
        self.risk: RiskAssessmentRecord | None = None
        self.letters: NoticeList | None = None
        self._people_now = People(None)
        start = QDateTime(_qdate(today).addDays(-1), QTime(0, 0))
        end = QDateTime(_qdate(today).addDays(1), QTime(0, 0))
        self.start = QDateTimeEdit(start)
        self.end = QDateTimeEdit(end)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(f"yyyy-MM-dd HH:mm '{zone_label(zone)}'")
        self.actor = QComboBox()
        self.actor.setAccessibleName("Person")
        self.actor.addItem("Everyone", "")
        self.workstation = QLineEdit()
        self.workstation.setPlaceholderText("ws_… (empty: every workstation)")
        self.discovered = QDateEdit(_qdate(today))
        self.discovered.setCalendarPopup(True)
        self.discovered.setDisplayFormat("yyyy-MM-dd")
        self.form.addRow("&From", self.start)
        self.form.addRow("&To", self.end)
        self.form.addRow("&Person", self.actor)
        self.form.addRow("&Workstation", self.workstation)
        self.form.addRow("&Discovered on", self.discovered)
        for w in (self.start, self.end, self.actor, self.workstation, self.discovered):
            w.setMaximumWidth(360)
        self.show_button.clicked.connect(self.run)
        self.factors: dict[str, QPlainTextEdit] = {}
        self.conclusion = QComboBox()
        self.conclusion.setAccessibleName("Conclusion")
        for c in (Conclusion.UNDECIDED, Conclusion.NOTIFY, Conclusion.LOW_PROBABILITY):
            self.conclusion.addItem(_CONCLUSION_SHORT[c], c.value)  # whole words in the box
            self.conclusion.setItemData(
                self.conclusion.count() - 1, c.label, Qt.ItemDataRole.ToolTipRole
            )
        self.save_risk_button = QPushButton("Save risk &assessment")
        self.letters_button = QPushButton("Notice &letters…")
        self.letters_button.setToolTip(
            "Reads each affected patient's name and mailing address from the PMS now; "
            "recorded in the audit trail."
        )
        self.risk_state = QLabel()
        self.risk_state.setObjectName("pageSubtitle")
        self.risk_state.setWordWrap(True)
        if actions is not None:
            self._risk_panel()
        self._enable_actions()
        call(self._runner, self._people, self._fill_people, self.fail)

    def _risk_panel(self) -> None:
        # The report on the left, the officer's four factors on the right.
        self.layout_.removeWidget(self.view)
        row = QHBoxLayout()
        row.addWidget(self.view, 3)
        panel = QVBoxLayout()
        heading = QLabel("Risk assessment (HIPAA four factors)")
        heading.setStyleSheet("font-weight: 600;")
        panel.addWidget(heading)
        for key, label, hint in _FACTORS:
            caption = QLabel(label)
            edit = QPlainTextEdit()
            edit.setPlaceholderText(hint)
            edit.setAccessibleName(label.replace("&", ""))
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(62)
            caption.setBuddy(edit)
            panel.addWidget(caption)
            panel.addWidget(edit)
            self.factors[key] = edit
        panel.addWidget(QLabel("Conclusion"))
        panel.addWidget(self.conclusion)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_risk_button)
        buttons.addWidget(self.letters_button)
        panel.addLayout(buttons)
        panel.addWidget(self.risk_state)
        panel.addStretch(1)
        holder = QWidget()
        holder.setLayout(panel)
        scroll = QScrollArea()  # the factors scroll on a short screen (1366x768)
        scroll.setWidget(holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMaximumWidth(440)
        row.addWidget(scroll, 2)
        self.layout_.insertLayout(self.layout_.indexOf(self.saved), row, 1)
        self.save_risk_button.clicked.connect(self.save_risk)
        self.letters_button.clicked.connect(self.make_letters)
        self.letters_button.setVisible(
            self._actions is not None and self._actions.letters is not None
        )

    def _enable_actions(self) -> None:
        ready = self.assessment is not None and self.assessment.named
        self.save_risk_button.setEnabled(ready)
        self.letters_button.setEnabled(ready and bool(self.assessment and self.assessment.patients))
        for edit in self.factors.values():
            edit.setEnabled(ready)
        self.conclusion.setEnabled(ready)

    def _render(self) -> None:
        a = self.assessment
        if a is None:
            return
        self.present(
            breach_html(
                a,
                self._practice,
                people=self._people_now,
                zone=self._zone,
                risk=self.risk,
                duties=duties_for(a),
                letters=self.letters,
            )
        )

    def _shown(self, result: tuple[BreachAssessment, People, RiskAssessmentRecord | None]) -> None:
        self.assessment, self._people_now, self.risk = result
        self.letters = None
        f = factors_of(self.risk)
        for key, edit in self.factors.items():
            edit.setPlainText(str(getattr(f, key)))
        self.conclusion.setCurrentIndex(max(0, self.conclusion.findData(f.conclusion.value)))
        self.risk_state.setText(
            "Not assessed yet." if self.risk is None else self._saved_text(self.risk)
        )
        self._enable_actions()
        self._render()

    def _saved_text(self, risk: RiskAssessmentRecord) -> str:
        when = risk.saved_at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
        return f"Saved {when} by {self._people_now.label(risk.saved_by)}."

    def factors_entered(self) -> RiskFactors:
        text = {k: e.toPlainText() for k, e in self.factors.items()}
        return RiskFactors(
            text.get("nature", ""),
            text.get("recipient", ""),
            text.get("acquired", ""),
            text.get("mitigation", ""),
            Conclusion(str(self.conclusion.currentData() or "")),
        )

    def save_risk(self) -> None:
        a, actions = self.assessment, self._actions
        if a is None or actions is None:
            return
        factors = self.factors_entered()
        call(self._runner, lambda: actions.save(a, factors), self._risk_saved, self.fail)

    def _risk_saved(self, record: RiskAssessmentRecord) -> None:
        self.risk = record
        self.risk_state.setText(self._saved_text(record))
        self._render()

    def make_letters(self) -> None:
        a, actions = self.assessment, self._actions
        if a is None or actions is None or actions.letters is None:
            return
        letters = actions.letters
        call(self._runner, lambda: letters(a), self._letters_made, self.fail)

    def _letters_made(self, letters: NoticeList) -> None:
        self.letters = letters
        self._render()
        self.view.scrollToAnchor("letters")

    def _fill_people(self, people: People) -> None:
        for person in people.everyone():
            self.actor.addItem(person.label, person.actor_id)

    def choose_person(self, actor_id: str) -> None:
        self.actor.setCurrentIndex(max(0, self.actor.findData(actor_id)))

    def title(self) -> str:
        return "Breach assessment"

    def run(self) -> None:
        start, end = _instant(self.start, self._zone), _instant(self.end, self._zone)
        d = self.discovered.date()
        found = date(d.year(), d.month(), d.day())
        actor, station = str(self.actor.currentData() or ""), self.workstation.text().strip()
        actions = self._actions

        def work() -> tuple[BreachAssessment, People, RiskAssessmentRecord | None]:
            a = self._load(start, end, actor, station, found)
            saved = actions.saved(a) if actions is not None and a.named else None
            return a, self._people(), saved

        call(self._runner, work, self._shown, self.fail)


class ReportsPage(QWidget):
    def __init__(
        self,
        patient_report: PatientReport,
        breach: Breach,
        *,
        practice: str,
        today: date,
        runner: Runner,
        ask_path: AskPath | None = None,
        people: PeopleSource = lambda: People(None),
        zone: tzinfo = UTC,
        search: PatientSearch | None = None,
        breach_actions: BreachActions | None = None,
    ) -> None:
        super().__init__()
        outer = page_layout(
            self,
            "Reports",
            "Who opened a patient's records, and what a suspected breach touched. Names appear "
            "only for the compliance officer; every report is recorded in the audit trail.",
        )
        self.tabs = QTabWidget()
        self.patient_tab = PatientReportTab(
            patient_report, runner, practice, ask_path, people, zone, search
        )
        self.breach_tab = BreachTab(
            breach, runner, practice, today, ask_path, people, zone, breach_actions
        )
        self.tabs.addTab(self.patient_tab, "Patient access report")
        self.tabs.addTab(self.breach_tab, "Breach assessment")
        outer.addWidget(self.tabs, 1)
