"""The sign-in, enrollment, lock and dialog windows, driven with qtbot like a person would."""

from __future__ import annotations

import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QMainWindow, QMenuBar, QStatusBar, QWidget

from app.bootstrap import Services
from services.access import Purpose, Role
from services.audit import AuditEntry
from services.auth import totp
from services.auth.sessions import Session, idle_lock_minutes
from services.auth.signin import GENERIC
from services.clock import ManualClock
from tests.auth.test_signin import ADMIN, PASSWORD, add_user, enrolled
from tests.support import FAKE_PHI
from ui.auth.dialogs import BreakGlassDialog, ChangePasswordDialog
from ui.auth.lock import ClipboardGuard, IdleLock
from ui.auth.signin.window import SignInWindow
from ui.main_window import MainWindow, PageSpec
from ui.operations import Operations
from ui.shell import Shell

pytestmark = pytest.mark.ui


def entries(s: Services) -> list[dict[str, Any]]:
    return [AuditEntry.from_row(*r).data for r in s.trail.repository.rows()]


def type_password(qtbot: Any, win: SignInWindow, login: str, password: str) -> None:
    win.password.user_edit.setText(login)
    win.password.password_edit.setText(password)
    qtbot.keyClick(win.password.password_edit, Qt.Key.Key_Return)  # Enter signs in
    qtbot.waitUntil(lambda: win.password.sign_in_button.isEnabled(), timeout=10_000)


def type_code(qtbot: Any, win: SignInWindow, code: str) -> None:
    qtbot.waitUntil(lambda: win.pages.currentIndex() == win.CODE_PAGE, timeout=10_000)
    win.code.code_edit.setText(code)
    qtbot.keyClick(win.code.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.code.verify_button.isEnabled(), timeout=10_000)


def sign_in(qtbot: Any, win: SignInWindow, login: str, code: str) -> Session:
    with qtbot.waitSignal(win.signedIn, timeout=10_000) as signal:
        type_password(qtbot, win, login, PASSWORD)
        type_code(qtbot, win, code)
    session: Session = signal.args[0]
    return session


def test_password_then_totp_signs_in_and_the_same_code_is_refused(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    s = cheap_services
    secret = enrolled(s)
    code = totp.code_at(secret, s.clock.now())
    session = sign_in(qtbot, window, "pat", code)
    assert session.role is Role.FRONT_DESK and session.actor.actor_id.startswith("user_")
    assert window.error.isHidden()

    window.restart()
    with qtbot.assertNotEmitted(window.signedIn, wait=200):
        type_password(qtbot, window, "pat", PASSWORD)
        type_code(qtbot, window, code)
    assert window.error.isVisible() and "already used" in window.error.text()
    assert "next code" in window.error.text()
    assert window.pages.currentIndex() == window.CODE_PAGE  # the password still stands
    s.clock.advance(30)  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.signedIn, timeout=10_000):
        type_code(qtbot, window, totp.code_at(secret, s.clock.now()))

    window.restart()
    with qtbot.assertNotEmitted(window.signedIn, wait=200):
        type_password(qtbot, window, "pat", PASSWORD)
        type_code(qtbot, window, "000000" if code != "000000" else "111111")
    assert window.error.isVisible() and window.error.text() == GENERIC
    assert window.pages.currentIndex() == window.PASSWORD_PAGE  # start again from the password


def test_the_demo_code_of_the_moment_is_shown_where_it_is_typed(
    qtbot: Any, cheap_services: Services, runner: Operations
) -> None:
    s = cheap_services
    secret = enrolled(s)
    hint = lambda: f"code right now: {totp.code_at(secret, s.clock.now())}"  # noqa: E731
    win = SignInWindow(s.auth, runner, practice_id="demo-practice", demo_hint=hint)
    qtbot.addWidget(win)
    win.show()
    assert win.password.hint.isVisible() and hint() in win.password.hint.text()
    type_password(qtbot, win, "pat", PASSWORD)
    qtbot.waitUntil(lambda: win.pages.currentIndex() == win.CODE_PAGE, timeout=10_000)
    assert win.code.hint.isVisible() and win.code.hint.text() == hint()
    s.clock.advance(30)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: win.code.hint.text() == hint(), timeout=5_000)  # refreshed
    plain = SignInWindow(s.auth, runner, practice_id="test-practice")
    qtbot.addWidget(plain)
    assert plain.code.hint.isHidden() and plain.code.hint.text() == ""


def test_a_recovery_code_works_once(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    s = cheap_services
    add_user(s)
    step = s.auth.check_password("pat", PASSWORD)
    enrollment = s.auth.begin_enrollment(step)
    s.auth.confirm_enrollment(step, totp.code_at(enrollment.secret, s.clock.now()))
    code = enrollment.recovery_codes[0]
    assert sign_in(qtbot, window, "pat", code).login == "pat"
    window.restart()
    with qtbot.assertNotEmitted(window.signedIn, wait=200):
        type_password(qtbot, window, "pat", PASSWORD)
        type_code(qtbot, window, code)
    assert window.error.text() == GENERIC
    assert any(e["action"] == "recovery_code_used" for e in entries(s))


def test_first_sign_in_enrolls_with_a_qr_code_and_shows_ten_recovery_codes_once(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    s = cheap_services
    add_user(s)
    type_password(qtbot, window, "pat", PASSWORD)
    qtbot.waitUntil(lambda: window.pages.currentIndex() == window.ENROLL_PAGE, timeout=10_000)
    pixmap = window.enrollment.qr_label.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    secret = window.enrollment.secret_label.text().replace(" ", "")
    window.enrollment.enroll_code_edit.setText(totp.code_at(secret, s.clock.now()))
    window.enrollment.confirm_button.click()
    qtbot.waitUntil(lambda: window.pages.currentIndex() == window.RECOVERY_PAGE, timeout=10_000)
    shown = re.findall(r"\b[2-9a-z]{5}-[2-9a-z]{5}\b", window.recovery.codes_view.toPlainText())
    assert len(set(shown)) == 10
    assert not window.recovery.continue_button.isEnabled()  # only after "I have written them down"
    window.recovery.saved_box.setChecked(True)
    with qtbot.waitSignal(window.signedIn, timeout=5000):
        window.recovery.continue_button.click()
    assert window.recovery.codes_view.toPlainText() == ""
    assert any(e["action"] == "mfa_enrolled" for e in entries(s))


def test_the_sixth_bad_attempt_is_delayed_even_with_the_right_password(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    enrolled(cheap_services)
    for _ in range(5):
        type_password(qtbot, window, "pat", "a wrong password, again")
        assert window.error.text() == GENERIC
    type_password(qtbot, window, "pat", PASSWORD)
    assert "Wait" in window.error.text()
    assert window.pages.currentIndex() == window.PASSWORD_PAGE


def test_unknown_user_and_wrong_password_show_the_same_message(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    enrolled(cheap_services)
    type_password(qtbot, window, "pat", "a wrong password, again")
    wrong = window.error.text()
    type_password(qtbot, window, "nobody-here", "a wrong password, again")
    assert window.error.text() == wrong == GENERIC
    assert "nobody-here" not in str(entries(cheap_services))


def test_a_reset_password_must_be_changed_before_the_desk_opens(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    s = cheap_services
    secret = enrolled(s)
    temporary = "temporary password from it"
    s.users.reset_password(ADMIN, "pat", temporary)
    with qtbot.waitSignal(window.signedIn, timeout=10_000) as signal:
        type_password(qtbot, window, "pat", temporary)
        type_code(qtbot, window, totp.code_at(secret, s.clock.now()))
        assert window.pages.currentIndex() == window.NEW_PASSWORD_PAGE
        window.new_password.new_password_edit.setText("my own new sentence for work")
        window.new_password.repeat_password_edit.setText("my own new sentence for work")
        window.new_password.save_password_button.click()
    assert not signal.args[0].must_change_password
    assert s.auth.check_password("pat", "my own new sentence for work")
    actions = [e["action"] for e in entries(s)]
    assert "password_reset" in actions and "password_changed" in actions


def test_no_users_yet_explains_how_to_create_the_first(
    qtbot: Any, cheap_services: Services, window: SignInWindow
) -> None:
    window.show_first_run(lambda: bool(cheap_services.accounts.all()))
    assert window.pages.currentIndex() == window.FIRST_RUN_PAGE
    window.first_run.check_again_button.click()
    assert window.pages.currentIndex() == window.FIRST_RUN_PAGE
    add_user(cheap_services)
    window.first_run.check_again_button.click()
    assert window.pages.currentIndex() == window.PASSWORD_PAGE


# -- the idle lock ------------------------------------------------------------------------


def phi_window(qtbot: Any) -> tuple[QMainWindow, QWidget]:
    win = QMainWindow()
    central = QLabel(FAKE_PHI["name"])
    win.setCentralWidget(central)
    win.setMenuBar(QMenuBar())
    win.menuBar().addMenu("&Patient")
    win.setStatusBar(QStatusBar())
    win.statusBar().showMessage(FAKE_PHI["phone"])
    qtbot.addWidget(win)
    win.show()
    return win, central


def test_fifteen_minutes_without_input_hides_every_phi_widget_and_input_resets_the_timer(
    qtbot: Any,
) -> None:
    clock = ManualClock()
    win, central = phi_window(qtbot)
    dialog = QLabel(FAKE_PHI["address"])  # a PHI view outside the main window
    qtbot.addWidget(dialog)
    dialog.show()
    locks: list[str] = []
    idle = IdleLock(clock, 60, lambda: locks.append("locked"), tick_ms=5)  # 60 -> 15
    assert idle.idle_seconds == 15 * 60
    screen = idle.attach(win, "Pat (Front desk)")
    idle.register(dialog)

    clock.advance(14 * 60 + 59)
    qtbot.wait(30)
    assert not idle.is_locked
    qtbot.keyClick(central, Qt.Key.Key_A)  # any input restarts the fifteen minutes
    clock.advance(14 * 60)
    qtbot.wait(30)
    assert not idle.is_locked
    qtbot.mouseMove(central)
    clock.advance(14 * 60 + 59)
    qtbot.wait(30)
    assert not idle.is_locked

    clock.advance(1)
    qtbot.waitUntil(lambda: idle.is_locked, timeout=2000)
    assert locks == ["locked"]
    assert not central.isVisible() and not dialog.isVisible()
    assert not win.menuBar().isVisible() and not win.statusBar().isVisible()
    assert screen.isVisible() and screen.geometry() == win.rect()
    assert "Pat" in screen.who.text()
    clock.advance(3600)  # input while locked does not matter, and nothing locks twice
    qtbot.keyClick(screen.password_edit, Qt.Key.Key_B)
    qtbot.wait(20)
    assert locks == ["locked"]

    with qtbot.waitSignal(screen.unlockRequested) as asked:
        screen.password_edit.setText(PASSWORD)
        qtbot.keyClick(screen.password_edit, Qt.Key.Key_Return)
    assert asked.args == [PASSWORD] and screen.password_edit.text() == ""
    idle.unlocked()
    assert central.isVisible() and win.menuBar().isVisible() and not screen.isVisible()
    idle.stop()


def test_locking_clears_only_text_enamel_copied(qtbot: Any) -> None:
    clock = ManualClock()
    guard = ClipboardGuard()
    idle = IdleLock(clock, 15, lambda: None, guard, tick_ms=5)
    board = QGuiApplication.clipboard()
    guard.copy(FAKE_PHI["phone"])
    idle.lock_now()
    assert board.text() == ""
    idle.unlocked()
    board.setText("a note from another program")
    idle.lock_now()
    assert board.text() == "a note from another program"
    idle.stop()


def test_idle_minutes_may_be_shorter_but_never_longer() -> None:
    assert idle_lock_minutes(None) == 15
    assert idle_lock_minutes("5") == 5
    assert idle_lock_minutes("60") == 15
    assert idle_lock_minutes("0") == 1
    assert idle_lock_minutes("soon") == 15


def test_the_shell_locks_the_desk_unlocks_with_the_password_and_switch_user_ends_it(
    qtbot: Any, cheap_services: Services, runner: Operations
) -> None:
    s = cheap_services
    secret = enrolled(s)
    s.installation.settings.set("idle_lock_minutes", "5", s.clock.now())
    built: list[MainWindow] = []

    def make_window(session: Session) -> MainWindow:
        win = MainWindow(
            practice_id="test-practice",
            user_label=session.display_name,
            role_label=session.role.label,
            pages=[PageSpec("chart", "Patients", lambda: QLabel(FAKE_PHI["name"]))],
        )
        built.append(win)
        return win

    shell = Shell(
        s.auth,
        runner,
        s.clock,
        practice_id="test-practice",
        make_window=make_window,
        idle_minutes=lambda: s.idle_lock_minutes,
        idle_tick_ms=5,
    )
    qtbot.addWidget(shell.sign_in)
    shell.show()
    sign_in(qtbot, shell.sign_in, "pat", totp.code_at(secret, s.clock.now()))
    desk = built[0]
    page = desk.page("chart")
    assert page is not None and page.isVisible()

    s.clock.advance(5 * 60)  # type: ignore[attr-defined]
    qtbot.waitUntil(desk.is_locked, timeout=2000)
    assert not page.isVisible() and desk.lock_screen.isVisible()
    desk.lock_screen.password_edit.setText("not my password at all")
    desk.lock_screen.unlock_button.click()
    qtbot.waitUntil(lambda: desk.lock_screen.message.text() != "", timeout=10_000)
    assert desk.is_locked() and not page.isVisible()
    desk.lock_screen.password_edit.setText(PASSWORD)
    desk.lock_screen.unlock_button.click()
    qtbot.waitUntil(lambda: not desk.is_locked(), timeout=10_000)
    assert page.isVisible()

    desk.lock_screen.switch_button.click()
    assert shell.window is None and shell.sign_in.isVisible()
    runner.wait(5000)
    qtbot.wait(50)
    actions = [(e["action"], e["outcome"]) for e in entries(s)]
    for expected in (
        ("sign_in", "success"),
        ("session_locked", "success"),
        ("sign_in", "failure"),
        ("session_unlocked", "success"),
        ("sign_out", "success"),
    ):
        assert expected in actions


# -- dialogs -------------------------------------------------------------------------------


def test_change_password_dialog(qtbot: Any, cheap_services: Services, runner: Operations) -> None:
    s = cheap_services
    secret = enrolled(s)
    session = s.auth.check_code(
        s.auth.check_password("pat", PASSWORD), totp.code_at(secret, s.clock.now())
    )
    dialog = ChangePasswordDialog(s.auth, runner, session)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.current_edit.setText(PASSWORD)
    dialog.new_edit.setText("password")
    dialog.repeat_edit.setText("password")
    dialog.save_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    assert "at least 12" in dialog.error.text()
    dialog.current_edit.setText(PASSWORD)
    dialog.new_edit.setText("a brand new sentence about molars")
    dialog.repeat_edit.setText("a brand new sentence about molars")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save_button.click()
    assert s.auth.check_password("pat", "a brand new sentence about molars")


def test_break_glass_dialog_grants_time_boxed_access_and_keeps_the_reason_private(
    qtbot: Any, cheap_services: Services, runner: Operations
) -> None:
    s = cheap_services
    secret = enrolled(s, "doc", Role.DENTIST)
    session = s.auth.check_code(
        s.auth.check_password("doc", PASSWORD), totp.code_at(secret, s.clock.now())
    )
    granted: list[Session] = []
    dialog = BreakGlassDialog(s.auth, runner, session, granted.append)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reason_edit.setPlainText("short")
    dialog.grant_button.click()
    assert dialog.error.isVisible() and not granted
    dialog.reason_edit.setPlainText(f"{FAKE_PHI['name']} is in pain and the chart is needed")
    dialog.minutes_spin.setValue(30)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.grant_button.click()
    actor = granted[0].actor
    assert actor.break_glass_id and Purpose.PATIENT_LOOKUP in actor.break_glass_purposes
    assert FAKE_PHI["last_name"] not in str(entries(s))
    alerts = s.accounts.unreviewed_break_glass()
    assert len(alerts) == 1 and FAKE_PHI["last_name"] in alerts[0]["reason"]


def test_the_app_starts_at_sign_in_and_explains_the_first_account(
    qtbot: Any, data_dir: Any, clock: ManualClock
) -> None:
    import argparse

    from app.gui import start
    from services.installation import initialise
    from storage.keystore import KeyringKeyStore
    from storage.layout import DataLayout

    result = initialise(DataLayout(data_dir), KeyringKeyStore(), "test-practice", clock)
    args = argparse.Namespace(demo=False, data_dir=str(data_dir), quiet=True)
    running = start(args, result.installation, clock)
    win = running.shell.sign_in
    try:
        assert win.isVisible() and win.pages.currentIndex() == win.FIRST_RUN_PAGE
        running.services.users.add(ADMIN, "maria", Role.OFFICE_MANAGER, PASSWORD)
        win.first_run.check_again_button.click()
        assert win.pages.currentIndex() == win.PASSWORD_PAGE
    finally:
        win.close()
        running.close()
