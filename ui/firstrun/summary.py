"""The wizard's last page: what is and is not configured, and how to sign in right away."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizardPage


@dataclass(frozen=True)
class Item:
    done: bool
    text: str


def summary_html(items: list[Item], sign_in: str) -> str:
    rows = "".join(
        f"<tr><td style='padding:4px 10px 4px 0; font-size:14pt; color:"
        f"{'#166534' if i.done else '#b45309'}'>{'✔' if i.done else '!'}</td>"
        f"<td style='padding:4px 0'>{i.text}</td></tr>"
        for i in items
    )
    return f"<table>{rows}</table><p style='margin-top:14px'>{sign_in}</p>"


class SummaryPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Set-up summary")
        self.setSubTitle("What this PC is configured for, and what is still to do.")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.items: list[Item] = []

    def show_items(self, items: list[Item], manager: str) -> None:
        self.items = items
        sign_in = (
            f"<b>Next:</b> Enamel opens its sign-in window. Sign in as <b>{escape(manager)}</b> "
            "with the <b>next</b> code the authenticator app shows: the code just typed here "
            "cannot be used twice, so wait until the app shows a new one (at most 30 seconds)."
        )
        self.summary.setText(summary_html(items, sign_in))

    def show_joined(self, items: list[Item]) -> None:
        """A PC that joined the hub: anyone with an account at the hub signs in here."""
        self.items = items
        sign_in = (
            "<b>Next:</b> Enamel opens its sign-in window. Everyone with an account at the "
            "practice hub signs in here with their own password and authenticator code."
        )
        self.summary.setText(summary_html(items, sign_in))
