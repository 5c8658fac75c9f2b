"""A password an administrator chose is replaced by its holder's own at the first sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from app.bootstrap import Services
from services.access import Role
from services.auth import passwords, totp
from services.auth.demo import ensure_demo_users
from tests.auth.test_signin import ADMIN
from tests.auth.test_windows import entries, type_code, type_password
from tests.support import Person, admin_as, person_in
from ui.auth.signin.window import SignInWindow
from ui.auth.users_page import AddUserDialog, users_page
from ui.operations import Operations

pytestmark = pytest.mark.ui

TEMPORARY = "the temporary one from the manager"
OWN = "my own sentence for the front desk"


def first_sign_in(qtbot: Any, s: Services, win: SignInWindow, login: str, password: str) -> None:
    """Password, authenticator set-up and recovery codes, up to the page after the codes."""
    type_password(qtbot, win, login, password)
    qtbot.waitUntil(lambda: win.pages.currentIndex() == win.ENROLL_PAGE, timeout=10_000)
    secret = win.enrollment.secret_label.text().replace(" ", "")
    win.enrollment.enroll_code_edit.setText(totp.code_at(secret, s.clock.now()))
    win.enrollment.confirm_button.click()
    qtbot.waitUntil(lambda: win.pages.currentIndex() == win.RECOVERY_PAGE, timeout=10_000)
    win.recovery.saved_box.setChecked(True)
    win.recovery.continue_button.click()


def choose_own(qtbot: Any, s: Services, win: SignInWindow, login: str) -> None:
    """The window asks for a password of the person's own before the desk; old one refused."""
    assert win.pages.currentIndex() == win.NEW_PASSWORD_PAGE
    with qtbot.waitSignal(win.signedIn, timeout=10_000) as signal:
        win.new_password.new_password_edit.setText(OWN)
        win.new_password.repeat_password_edit.setText(OWN)
        win.new_password.save_password_button.click()
    assert not signal.args[0].must_change_password
    record = s.accounts.by_login(login)
    assert record is not None and not record.must_change_password
    assert passwords.verify_password(record.password_hash, OWN)
    assert not passwords.verify_password(record.password_hash, TEMPORARY)
    assert ("password_changed", record.user_id) in [
        (e["action"], e["actor_id"]) for e in entries(s)
    ]


def test_an_account_added_on_the_users_page_chooses_its_own_password(
    qtbot: Any, cheap_services: Services, window: SignInWindow, runner: Operations
) -> None:
    s = cheap_services
    page = users_page(s.users, lambda: ADMIN, runner.run)
    qtbot.addWidget(page)
    page.show()
    add = next(b for b in page.findChildren(QPushButton) if b.text() == "&Add user…")

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, AddUserDialog)
        dialog.login.setText("robin")
        dialog.role.setCurrentIndex(dialog.role.findData(Role.FRONT_DESK.value))
        dialog.password.setText(TEMPORARY)
        dialog.accept()

    QTimer.singleShot(0, fill)
    add.click()
    qtbot.waitUntil(lambda: s.accounts.by_login("robin") is not None, timeout=10_000)
    record = s.accounts.by_login("robin")
    assert record is not None and record.must_change_password

    first_sign_in(qtbot, s, window, "robin", TEMPORARY)
    choose_own(qtbot, s, window, "robin")


def test_enamel_admin_user_add_and_reset_password_make_the_person_choose(
    qtbot: Any, cheap_services: Services, window: SignInWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = cheap_services
    monkeypatch.setattr(passwords, "PRODUCTION", passwords.HashParams(1, 8192, 1))
    it = person_in(s, "it-anna")
    root = str(s.installation.layout.root)
    added = admin_as(it, "--data-dir", root, "user", "add", "robin", "--role", "front_desk",
                     "--password-stdin", stdin=TEMPORARY + "\n")  # fmt: skip
    assert added.code == 0, added.err
    assert "one of their own" in added.out
    first_sign_in(qtbot, s, window, "robin", TEMPORARY)
    choose_own(qtbot, s, window, "robin")

    reset = admin_as(it, "--data-dir", root, "user", "reset-password", "robin",
                     "--password-stdin", stdin=TEMPORARY + "\n")  # fmt: skip
    assert reset.code == 0, reset.err
    record = s.accounts.by_login("robin")
    assert record is not None and record.must_change_password
    robin = Person("robin", TEMPORARY, s.accounts.totp_secret(record.user_id) or "", it.clock)
    refused = admin_as(robin, "--data-dir", root, "user", "unlock", "robin")
    assert refused.code != 0 and "temporary password" in refused.err  # nor enamel-admin first
    window.restart()
    type_password(qtbot, window, "robin", TEMPORARY)
    type_code(qtbot, window, robin.credentials().splitlines()[2])
    qtbot.waitUntil(lambda: window.pages.currentIndex() == window.NEW_PASSWORD_PAGE, timeout=10_000)
    again = "another sentence of my own choosing"
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        window.new_password.new_password_edit.setText(again)
        window.new_password.repeat_password_edit.setText(again)
        window.new_password.save_password_button.click()


def test_the_demo_accounts_keep_their_published_password(cheap_services: Services) -> None:
    s = cheap_services  # the wizard's own manager: test_firstrun's sign-in right after Finish
    ensure_demo_users(s.accounts, s.users)
    assert s.accounts.all() and not any(r.must_change_password for r in s.accounts.all())
