"""Render the sign-in, enrollment, lock and user-administration screens to docs/screenshots/.

Run under Xvfb so the real platform plugin draws them:
    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" \
        .venv/bin/python scripts/screenshots_auth.py
Synthetic data only; a throw-away installation in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QLabel, QWidget  # noqa: E402

from app.bootstrap import Services, build_services  # noqa: E402
from app.gui import make_qapp  # noqa: E402
from services.access import Actor, ActorType, Role  # noqa: E402
from services.auth import totp  # noqa: E402
from services.auth.demo import DEMO_PASSWORD, demo_hint, ensure_demo_users  # noqa: E402
from services.auth.passwords import HashParams  # noqa: E402
from services.clock import ManualClock  # noqa: E402
from services.installation import initialise  # noqa: E402
from storage.keystore import DemoKeyStore  # noqa: E402
from storage.layout import DataLayout  # noqa: E402
from ui.auth.dialogs import BreakGlassDialog, ChangePasswordDialog  # noqa: E402
from ui.auth.signin.window import SignInWindow  # noqa: E402
from ui.auth.users_page import users_page  # noqa: E402
from ui.main_window import MainWindow, PageSpec  # noqa: E402
from ui.operations import Operations  # noqa: E402

OUT = Path(os.environ.get("ENAMEL_SCREENSHOTS_OUT", ROOT / "docs" / "screenshots"))
ADMIN = Actor("system_screens", ActorType.SYSTEM, Role.IT_ADMIN)


def settle(until: Callable[[], bool] = lambda: True, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        if until():
            break
        time.sleep(0.01)
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.005)


def save(widget: QWidget, name: str) -> None:
    settle()
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def services_in(folder: Path) -> Services:
    layout = DataLayout(folder / "data")
    result = initialise(layout, DemoKeyStore(layout.root), "demo-practice", ManualClock())
    return build_services(result.installation, ManualClock(), HashParams(1, 8 * 1024, 1))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = make_qapp()
    runner = Operations()
    with tempfile.TemporaryDirectory() as tmp:
        s = services_in(Path(tmp))
        ensure_demo_users(s.accounts, s.users)
        s.users.add(ADMIN, "jlee", Role.HYGIENIST, "a sentence Jordan will remember", "Jordan Lee")
        s.users.disable(ADMIN, "billing")
        record = s.accounts.by_login("frontdesk")
        assert record is not None
        s.accounts.update(record.user_id, locked_until=s.clock.now().replace(year=2030))

        # Sign-in, as the demo shows it.
        sign_in = SignInWindow(
            s.auth,
            runner,
            practice_id="demo-practice",
            demo_hint=lambda: demo_hint(s.accounts, s.clock),
        )
        sign_in.show()
        sign_in.password.user_edit.setText("dentist")
        save(sign_in, "auth-sign-in")

        sign_in.password.password_edit.setText("not the password")
        sign_in.password.sign_in_button.click()
        settle(lambda: sign_in.password.sign_in_button.isEnabled() and sign_in.error.isVisible())
        save(sign_in, "auth-sign-in-error")
        sign_in.show_error("")

        sign_in.password.password_edit.setText(DEMO_PASSWORD)
        sign_in.password.sign_in_button.click()
        settle(lambda: sign_in.pages.currentIndex() == sign_in.CODE_PAGE)
        save(sign_in, "auth-code")
        sign_in.restart()

        # First sign-in of a new account: enrollment, then the recovery codes.
        sign_in.password.user_edit.setText("jlee")
        sign_in.password.password_edit.setText("a sentence Jordan will remember")
        sign_in.password.sign_in_button.click()
        settle(lambda: sign_in.pages.currentIndex() == sign_in.ENROLL_PAGE)
        save(sign_in, "auth-enrollment")
        secret = sign_in.enrollment.secret_label.text().replace(" ", "")
        sign_in.enrollment.enroll_code_edit.setText(totp.code_at(secret, s.clock.now()))
        sign_in.enrollment.confirm_button.click()
        settle(lambda: sign_in.pages.currentIndex() == sign_in.RECOVERY_PAGE)
        save(sign_in, "auth-recovery-codes")  # Continue waits for the tick, and says so
        sign_in.recovery.copy_button.click()
        sign_in.recovery.saved_box.setChecked(True)
        save(sign_in, "auth-recovery-codes-copied")
        QApplication.clipboard().clear()

        # An administrator gave jlee the password: the first sign-in ends with their own.
        sign_in.recovery.continue_button.click()
        settle(lambda: sign_in.pages.currentIndex() == sign_in.NEW_PASSWORD_PAGE)
        save(sign_in, "auth-new-password")
        sign_in.pages.setCurrentIndex(sign_in.FIRST_RUN_PAGE)
        sign_in.password.hint.hide()
        save(sign_in, "auth-first-run")
        sign_in.close()

        # The desk of an office manager: user administration, then the lock screen.
        manager = s.accounts.by_login("manager")
        assert manager is not None
        step = s.auth.check_password("manager", DEMO_PASSWORD)
        session = s.auth.check_code(step, totp.code_at(secret_of(s, "manager"), s.clock.now()))
        window = MainWindow(
            practice_id="demo-practice",
            user_label=session.display_name,
            role_label=session.role.label,
            pages=[
                PageSpec(
                    "users", "Users", lambda: users_page(s.users, lambda: session.actor, runner.run)
                ),
                PageSpec("other", "Schedule", lambda: QLabel("(schedule)")),
            ],
            demo=True,
        )
        window.show()
        page = window.page("users")
        settle(lambda: page is not None and not getattr(page, "loading", True))
        if page is not None and hasattr(page, "select_row"):
            page.select_row(2)
        save(window, "auth-user-administration")

        change = ChangePasswordDialog(s.auth, runner, session, window)
        change.show()
        save(change, "auth-change-password")
        change.close()
        glass = BreakGlassDialog(s.auth, runner, session, lambda _: None, window)
        glass.show()
        save(glass, "auth-break-glass")
        glass.close()

        window.lock(f"{session.display_name} ({session.role.label})")
        save(window, "auth-lock-screen")
        window.lock_screen.refused("That password is not correct.")
        save(window, "auth-lock-screen-refused")
        window.close()
        runner.wait(5000)
        s.close()
    app.quit()
    return 0


def secret_of(s: Services, login: str) -> str:
    record = s.accounts.by_login(login)
    assert record is not None
    secret = s.accounts.totp_secret(record.user_id)
    assert secret is not None
    return secret


if __name__ == "__main__":
    sys.exit(main())
