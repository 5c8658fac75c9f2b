"""The user access review: every account with its role, last sign-in, MFA and credential age; sign-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from services.compliance.people import People, role_label
from services.compliance.reports import AccessReview
from storage.compliance_repo import ReviewRecord
from ui.compliance.common import (
    GREEN,
    RED,
    Runner,
    call,
    error_banner,
    fill_table,
    make_table,
    page_layout,
    save_pdf,
    show_error,
)
from ui.compliance.documents import review_html, write_pdf

COLUMNS = [
    "Name",
    "Login (account id)",
    "Role",
    "State",
    "Last sign-in",
    "MFA",
    "Password age",
    "Findings",
]


class AccessReviewPage(QWidget):
    """`load()` builds the review; `sign(review, note)` records the sign-off."""

    def __init__(
        self,
        load: Callable[[], AccessReview],
        sign: Callable[[AccessReview, str], ReviewRecord],
        *,
        practice: str,
        runner: Runner,
        ask_path: Callable[[str], Path | None] | None = None,
        people: Callable[[], People] = lambda: People(None),
        zone: tzinfo = UTC,
    ) -> None:
        super().__init__()
        self._people_source = people
        self._people = People(None)
        self._zone = zone
        self._load = load
        self._sign = sign
        self._runner = runner
        self._practice = practice
        self._ask_path = ask_path
        self.review: AccessReview | None = None
        outer = page_layout(
            self,
            "Access review",
            "Each quarter, check that every account still belongs to someone who needs it, with "
            "the right role and an authenticator, then sign the review.",
        )
        self.last_signed = QLabel()
        self.last_signed.setWordWrap(True)
        outer.addWidget(self.last_signed)
        self.error = error_banner()
        outer.addWidget(self.error)
        self.table = make_table(COLUMNS)
        outer.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText("Sign-off note: what was checked, what was changed")
        self.note.setAccessibleName("Sign-off note")
        self.sign_button = QPushButton("&Sign review")
        self.sign_button.setObjectName("primary")
        self.refresh_button = QPushButton("&Refresh")
        self.pdf_button = QPushButton("Save as &PDF…")
        bar.addWidget(self.note, 1)
        bar.addWidget(self.sign_button)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.pdf_button)
        outer.addLayout(bar)
        self.sign_button.clicked.connect(self.sign)
        self.refresh_button.clicked.connect(self.refresh)
        self.pdf_button.clicked.connect(self.save)
        self.refresh()

    def refresh(self) -> None:
        self.error.hide()
        call(
            self._runner,
            lambda: (self._load(), self._people_source()),
            self._show,
            lambda e: show_error(self.error, e),
        )

    def _show(self, result: tuple[AccessReview, People]) -> None:
        review, self._people = result
        self.review = review
        rows, colours = [], []
        for r in review.rows:
            rows.append(
                [
                    r.display_name,
                    f"{r.login} ({r.user_id})",
                    role_label(r.role),
                    "disabled" if r.disabled else "active",
                    "never"
                    if r.last_sign_in is None
                    else f"{r.last_sign_in.astimezone(self._zone):%Y-%m-%d %H:%M}",
                    "enrolled" if r.mfa_enrolled else "missing",
                    "—" if r.password_age_days is None else f"{r.password_age_days} days",
                    "; ".join(r.findings) or ("—" if r.disabled else "ok"),
                ]
            )
            colours.append(
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    None if r.mfa_enrolled or r.disabled else RED,
                    None,
                    RED if r.findings else (None if r.disabled else GREEN),
                ]
            )
        fill_table(self.table, rows, colours)
        last = review.last_signed
        self.last_signed.setText(
            f"Last signed {last.signed_at.astimezone(self._zone):%Y-%m-%d %H:%M} by "
            f"{self._people.label(last.signed_by)}: “{last.note}”"
            if last
            else "This practice has not signed an access review yet."
        )
        self.sign_button.setEnabled(bool(review.rows))

    def sign(self) -> None:
        review, note = self.review, self.note.text().strip()
        if review is None:
            return
        if not note:
            self.error.setText("Write a short note before signing (what was checked).")
            self.error.show()
            return
        call(
            self._runner,
            lambda: self._sign(review, note),
            self._signed,
            lambda e: show_error(self.error, e),
        )

    def _signed(self, _: ReviewRecord) -> None:
        self.note.clear()
        self.refresh()

    def save(self) -> Path | None:
        if self.review is None:
            return None
        html_text = review_html(self.review, self._practice, people=self._people, zone=self._zone)
        if self._ask_path is None:
            return save_pdf(self, html_text, "User access review", "access-review.pdf")
        target = self._ask_path("access-review.pdf")
        return write_pdf(html_text, target, "User access review") if target else None
