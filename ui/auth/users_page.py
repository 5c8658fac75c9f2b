"""User administration for the office manager and IT (no PHI here)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from services.access import Actor
from services.access.roles import HUMAN_ROLES, Role
from services.auth.users import UserAdmin, UserSummary
from ui.operations import Run, user_message
from ui.workflows.worklist import Action, Column, WorklistPage


class AddUserDialog(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a user")
        form = QFormLayout(self)
        self.login = QLineEdit()
        self.display = QLineEdit()
        self.role = QComboBox()
        for role in HUMAN_ROLES:
            self.role.addItem(role.label, role.value)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&User name", self.login)
        form.addRow("&Full name", self.display)
        form.addRow("&Role", self.role)
        form.addRow("Temporary &password", self.password)
        note = QLabel(
            "At least 12 characters. At first sign-in the person sets up their authenticator "
            "and replaces this password with one of their own."
        )
        note.setWordWrap(True)
        note.setObjectName("pageSubtitle")
        form.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(460, 260)


def users_page(admin: UserAdmin, actor: Callable[[], Actor], runner: Run) -> WorklistPage:
    page: WorklistPage

    def done(message: str) -> Callable[[object], None]:
        return lambda _: page.reload(message)

    def failed(error: Exception) -> None:
        page.show_message(user_message(error), error=True)

    def simple(label: str, fn: Callable[[Actor, str], object], message: str) -> Action:
        return Action(
            label,
            lambda u: runner(lambda: fn(actor(), u.login), done(message.format(u.login)), failed),
        )

    def change_role(user: UserSummary) -> None:
        labels = [r.label for r in HUMAN_ROLES]
        label, ok = QInputDialog.getItem(
            page,
            "Change role",
            f"New role for {user.login}:",
            labels,
            labels.index(user.role.label),
            False,
        )
        if ok:
            role = HUMAN_ROLES[labels.index(label)]
            runner(
                lambda: admin.set_role(actor(), user.login, role),
                done(f"{user.login} is now {role.label}."),
                failed,
            )

    def add_user() -> None:
        dialog = AddUserDialog(page)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        login, password = dialog.login.text(), dialog.password.text()
        role = Role(dialog.role.currentData())
        display = dialog.display.text()
        runner(
            lambda: admin.add(actor(), login, role, password, display),
            done(
                f"Added {login.strip().lower()}. At their first sign-in they set up their "
                "authenticator and replace this password with one of their own."
            ),
            failed,
        )

    add = QPushButton("&Add user…")
    add.setObjectName("primary")
    add.clicked.connect(add_user)
    page = WorklistPage(
        "Users",
        "Everyone who can sign in at this practice. Each person has their own account.",
        [
            Column("User", lambda u: u.login),
            Column("Name", lambda u: u.display_name),
            Column("Role", lambda u: u.role.label),
            Column(
                "State", lambda u: "Disabled" if u.disabled else "Locked" if u.locked else "Active"
            ),
            Column("Authenticator", lambda u: "Set up" if u.mfa_enrolled else "Not yet"),
            Column(
                "Open Dental provider",
                lambda u: f"ProvNum {u.prov_num}" if u.prov_num else "—",
            ),
            Column(
                "Last sign-in",
                lambda u: f"{u.last_sign_in_at:%Y-%m-%d %H:%M}" if u.last_sign_in_at else "Never",
            ),
            Column("Password age", lambda u: f"{u.password_age_days} days"),
        ],
        lambda: admin.list(actor()),
        runner,
        [
            Action("Change &role…", change_role),
            simple("&Unlock", admin.unlock, "{} is unlocked."),
            simple(
                "Reset &authenticator", admin.reset_mfa, "{} will set up the authenticator again."
            ),
            simple("&Disable", admin.disable, "{} can no longer sign in."),
            simple("&Enable", admin.enable, "{} can sign in again."),
        ],
        toolbar=[add],
    )
    return page
