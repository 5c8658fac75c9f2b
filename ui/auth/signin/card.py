"""The white card every sign-in page is drawn on, with its title and subtitle."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


def card_layout(page: QWidget, title: str, sub: str = "") -> QVBoxLayout:
    """Lay `page` out as a card at its natural height, at the top (pages differ in height)."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 0, 0, 0)
    card = QFrame()
    card.setObjectName("card")
    card.setStyleSheet(
        "QFrame#card { background: white; border: 1px solid #e2e8f0; border-radius: 12px; }"
    )
    outer.addWidget(card)
    outer.addStretch(1)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(32, 28, 32, 28)
    layout.setSpacing(12)
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    if sub:
        subtitle = QLabel(sub)
        subtitle.setObjectName("pageSubtitle")
        subtitle.setWordWrap(True)
        layout.addWidget(subtitle)
    return layout
