"""The compliance pages built from plain service objects, ready for the navigation rail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from services.access import Actor, Permission, may
from services.access.screens import Screen, screens_for
from services.audit import PhiGateway
from services.audit.sources import EntrySource
from services.clock import Clock
from services.compliance.alerts import AlertService
from services.compliance.breach_response import (
    AddressBook,
    notice_letters,
    save_risk_assessment,
    saved_risk,
)
from services.compliance.checklist import ChecklistSources, checklist
from services.compliance.evidence import record_evidence, withdraw_evidence
from services.compliance.facts import UserFacts
from services.compliance.people import People
from services.compliance.reports import (
    PatientNames,
    PatientSearch,
    access_review,
    breach_assessment,
    find_patients,
    patient_access_report,
    sign_access_review,
)
from services.keyrotation.reminders import credential_reminders
from storage.compliance_repo import ComplianceRepository
from ui.compliance.alerts_page import AlertsPage, badge_text
from ui.compliance.checklist_page import ChecklistPage
from ui.compliance.common import Runner
from ui.compliance.reports_page import BreachActions, ReportsPage
from ui.compliance.review_page import AccessReviewPage
from ui.main_window import MainWindow, PageSpec


@dataclass
class ComplianceDeps:
    gateway: PhiGateway
    clock: Clock
    repo: ComplianceRepository
    alerts: AlertService
    users: UserFacts
    sources: ChecklistSources
    practice: str
    runner: Runner
    names: PatientNames | None = None  # patient name from the PMS, by record number
    ask_path: Callable[[str], Path | None] | None = None  # tests: where PDFs go
    zone: tzinfo = UTC  # the practice's (services.calendar): every time a person reads
    pms: PatientSearch | None = None  # finds the patient of an access report by name
    addresses: AddressBook | None = None  # the notice letters' mailing addresses (the PMS)
    source: EntrySource | None = None  # the practice's entries on a joined PC (default: here)

    def people(self) -> People:
        """Names and roles from the account directory, read now (call it off the UI thread)."""
        return People(self.users)


def alerts_page(d: ComplianceDeps, actor: Actor) -> AlertsPage:
    return AlertsPage(
        lambda open_only: d.alerts.views(actor, unacknowledged_only=open_only),
        lambda alert_id, note: d.alerts.acknowledge(actor, alert_id, note),
        d.alerts.unacknowledged_count,
        runner=d.runner,
        zone=d.zone,
    )


def reports_page(d: ComplianceDeps, actor: Actor) -> ReportsPage:
    def breach(start: datetime, end: datetime, who: str, station: str, found: date):  # type: ignore[no-untyped-def]
        return breach_assessment(
            d.gateway,
            d.clock,
            actor,
            start,
            end,
            actor_id=who,
            workstation_id=station,
            discovered=found,
            names=d.names,
            source=d.source,
        )

    pms = d.pms
    search = (
        (lambda text: find_patients(d.gateway, pms, d.clock, actor, text))
        if pms is not None
        else None
    )
    book = d.addresses
    actions = BreachActions(
        saved=lambda a: saved_risk(d.repo, a),
        save=lambda a, factors: save_risk_assessment(d.repo, d.gateway, d.clock, actor, a, factors),
        letters=(
            (lambda a: notice_letters(d.gateway, book, d.clock, actor, a))
            if book is not None
            else None
        ),
    )
    return ReportsPage(
        lambda patient: patient_access_report(
            d.gateway, d.clock, actor, patient, names=d.names, users=d.users, source=d.source
        ),
        breach,
        practice=d.practice,
        today=d.clock.now().astimezone(d.zone).date(),
        runner=d.runner,
        ask_path=d.ask_path,
        people=d.people,
        zone=d.zone,
        search=search,
        breach_actions=actions,
    )


def review_page(d: ComplianceDeps, actor: Actor) -> AccessReviewPage:
    return AccessReviewPage(
        lambda: access_review(d.users, d.repo, d.gateway, d.clock, actor),
        lambda review, note: sign_access_review(review, d.repo, d.gateway, d.clock, actor, note),
        practice=d.practice,
        runner=d.runner,
        ask_path=d.ask_path,
        people=d.people,
        zone=d.zone,
    )


def checklist_page(d: ComplianceDeps, actor: Actor) -> ChecklistPage:
    src = d.sources
    trail = d.gateway.trail
    officer = may(actor, Permission.RECORD_EVIDENCE)  # the services refuse anyone else too
    return ChecklistPage(
        lambda: checklist(src, d.clock.now()),
        lambda: credential_reminders(src.secrets, src.settings, d.clock.now()),
        d.clock.now,
        practice=d.practice,
        runner=d.runner,
        ask_path=d.ask_path,
        zone=d.zone,
        record=(
            (lambda key, ev: record_evidence(d.repo, trail, d.clock, d.zone, actor, key, ev))
            if officer
            else None
        ),
        withdraw=(
            (lambda key, why: withdraw_evidence(d.repo, trail, d.clock, d.zone, actor, key, why))
            if officer
            else None
        ),
    )


def show_alert_count(alerts: AlertService, runner: Runner, window: MainWindow) -> None:
    """Read the open alerts' count in the background and name it in the rail (on a joined
    PC the count is the hub's to give); once the alerts page is open, it keeps it current."""
    key = Screen.ALERTS.value
    if key not in window.page_keys():
        return

    def shown(count: int) -> None:
        window.set_page_title(key, badge_text(count))

    def opened(k: str) -> None:
        page = window.page(key)
        if k == key and isinstance(page, AlertsPage):
            window.pageChanged.disconnect(opened)
            page.countChanged.connect(shown)

    window.pageChanged.connect(opened)
    opened(key)  # the first screen is built with the window
    runner.run(alerts.unacknowledged_count, shown, lambda _e: None, owner=window)


def compliance_pages(d: ComplianceDeps, actor: Actor) -> list[PageSpec]:
    """The compliance pages among the screens `services.access.screens_for` gives the actor."""

    def alerts() -> PageSpec:
        # The count comes later (`show_alert_count`): on a joined PC it is the hub's to give.
        return PageSpec(Screen.ALERTS.value, "Alerts", lambda: alerts_page(d, actor))

    builders: dict[Screen, Callable[[], PageSpec]] = {
        Screen.ALERTS: alerts,
        Screen.REPORTS: lambda: PageSpec(
            Screen.REPORTS.value, "Reports", lambda: reports_page(d, actor)
        ),
        Screen.ACCESS_REVIEW: lambda: PageSpec(
            Screen.ACCESS_REVIEW.value, "Access review", lambda: review_page(d, actor)
        ),
        Screen.CHECKLIST: lambda: PageSpec(
            Screen.CHECKLIST.value, "Checklist", lambda: checklist_page(d, actor)
        ),
    }
    return [builders[s]() for s in screens_for(actor, d.clock.now()) if s in builders]
