"""The first-run wizard: its pages in order, and the summary they add up to."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QWizard

from ui.firstrun.actions import FirstRunActions
from ui.firstrun.connections import ArchivePage, PmsPage
from ui.firstrun.manager import ManagerPage
from ui.firstrun.practice import PassphrasePage, PracticePage
from ui.firstrun.summary import Item, SummaryPage
from ui.operations import Run


class FirstRunWizard(QWizard):
    """Every step that touches the disk, a server or Argon2 runs through `run` in the background."""

    def __init__(self, actions: FirstRunActions, run: Run) -> None:
        super().__init__()
        self._actions = actions
        self.setWindowTitle("Enamel — first-run set-up")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.practice_page = PracticePage(actions, run)
        self.passphrase_page = PassphrasePage(self.practice_page)
        self.pms_page = PmsPage(actions, run)
        self.archive_page = ArchivePage(actions, run)
        self.manager_page = ManagerPage(actions, run)
        self.summary_page = SummaryPage()
        self._ids = {
            page: self.addPage(page)
            for page in (
                self.practice_page,
                self.passphrase_page,
                self.pms_page,
                self.archive_page,
                self.manager_page,
                self.summary_page,
            )
        }
        self.resize(820, 640)

    def nextId(self) -> int:
        """A PC that joined the hub makes no office manager: the accounts are the hub's."""
        if self.currentPage() is self.archive_page and self.practice_page.joined:
            return self._ids[self.summary_page]
        return super().nextId()

    def initializePage(self, page_id: int) -> None:
        super().initializePage(page_id)
        if self.page(page_id) is self.summary_page:
            if self.practice_page.joined:
                self.summary_page.show_joined(self.summary())
            else:
                manager = self.manager_page.login.text().strip()
                self.summary_page.show_items(self.summary(), manager)

    def summary(self) -> list[Item]:
        """What was set up, from what each page saved (no disk or network: the pages know)."""
        practice = escape(self.practice_page.practice.text().strip())
        pms, archive = self.pms_page.saved, self.archive_page.saved
        manager = escape(self.manager_page.login.text().strip())
        joined = self.practice_page.joined
        first = (
            Item(
                True,
                "This PC <b>joined the practice hub</b>: accounts, sign-in and the practice "
                "keys are the hub's.",
            )
            if joined
            else Item(
                True,
                f"Practice <b>{practice}</b> created on this PC. Set up the practice's other "
                "PCs with the same practice id.",
            )
        )
        rest = [
            first,
            Item(self.passphrase_page.confirmed, "Recovery passphrase written down and checked."),
            Item(True, f"Open Dental: {escape(pms)}")
            if pms
            else Item(
                False,
                "Open Dental is <b>not connected</b>: the screens will say so until IT sets it "
                "up ('enamel-admin pms set', then 'enamel-admin pms check').",
            ),
            Item(True, f"Audit archive: {escape(archive)}")
            if archive
            else Item(
                False,
                "No audit archive chosen: the signed audit batches stay in "
                f"{escape(self._actions.default_archive_folder())}, on this PC's own disk, "
                "until IT chooses one ('enamel-admin archive set').",
            ),
        ]
        if joined:
            return rest
        return [
            *rest,
            Item(
                self.manager_page.confirmed,
                f"Office manager <b>{manager}</b> created, with the authenticator app set up. "
                "They add everyone else (Users screen).",
            ),
        ]
