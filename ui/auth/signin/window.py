"""The sign-in window: the steps in order, each slow one (Argon2, the database) in the background."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from ui.auth.signin.password import PasswordPage

if TYPE_CHECKING:  # the services load after the window's first frame (see app/gui.py)
    from services.auth.signin import AuthService, Enrollment, PasswordAccepted, Session
    from ui.auth.clipboard import ClipboardGuard
    from ui.auth.signin.enrollment import EnrollmentPage, RecoveryCodesPage
    from ui.auth.signin.first_run import FirstRunPage
    from ui.auth.signin.new_password import NewPasswordPage
    from ui.auth.signin.one_time_code import CodePage
    from ui.operations import Operations


class SignInWindow(QFrame):
    """Password, then a code (or first-time authenticator set-up); emits `signedIn(Session)`.

    The first frame is the password page alone, built without `Qt`'s namespace (PySide6
    creates its ~90 enum classes at the first touch: a sixth of a bare window's start); the
    other pages are built the first time they are needed, each in its place in the stack.
    """

    signedIn = Signal(object)

    PASSWORD_PAGE, CODE_PAGE, ENROLL_PAGE, RECOVERY_PAGE, NEW_PASSWORD_PAGE, FIRST_RUN_PAGE = range(
        6
    )

    def __init__(
        self,
        auth: AuthService | None,
        runner: Operations | None,
        *,
        practice_id: str,
        demo_hint: Callable[[], str] | None = None,
        clipboard: ClipboardGuard | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("signInWindow")
        self.setStyleSheet("QFrame#signInWindow { background: #f1f5f9; }")
        self.setWindowTitle("Enamel — sign in")
        self._attached: tuple[AuthService, Operations] | None = (
            (auth, runner) if auth is not None and runner is not None else None
        )
        self._step: PasswordAccepted | None = None
        self._enrollment: Enrollment | None = None
        self._session: Session | None = None
        self._demo_hint = demo_hint
        self._practice_id = practice_id
        self._check_again: Callable[[], bool] | None = None
        self._clipboard = clipboard
        self._pages_busy = False
        self._code: CodePage | None = None
        self._enrollment_page: EnrollmentPage | None = None
        self._recovery: RecoveryCodesPage | None = None
        self._new_password: NewPasswordPage | None = None
        self._first_run: FirstRunPage | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        self.brand = QLabel()
        self._show_brand()
        outer.addStretch(1)
        outer.addWidget(self.brand)
        outer.addSpacing(8)
        # One column of known width, so the wrapped error banner gets its full height.
        column = QWidget()
        column.setFixedWidth(560)
        stack = QVBoxLayout(column)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(12)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Error")
        self.error.hide()
        stack.addWidget(self.error)
        self.pages = QStackedWidget()
        stack.addWidget(self.pages)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        # The password page, and an empty place for each later page, in the *_PAGE order.
        self.password = PasswordPage()
        self.pages.addWidget(self.password)
        for _ in range(self.FIRST_RUN_PAGE):
            self.pages.addWidget(QWidget())
        p = self.password
        p.sign_in_button.clicked.connect(self._submit_password)
        p.password_edit.returnPressed.connect(self._submit_password)
        self._refresh_hint()
        escape = QShortcut(QKeySequence("Esc"), self)
        escape.activated.connect(self._escape)
        self._start_hint_timer()
        if auth is None:  # shown before the services loaded: nothing to submit to yet
            self._set_pages_busy(True)  # no busy cursor: the UI thread is loading them
        self.resize(900, 680)
        self.password.user_edit.setFocus()

    # -- the pages after the password, built when first needed ---------------------------

    def _place(self, index: int, page: QWidget) -> None:
        placeholder = self.pages.widget(index)
        assert placeholder is not None, "every page has its place from the start"
        showing = self.pages.currentWidget() is placeholder
        self.pages.insertWidget(index, page)
        self.pages.removeWidget(placeholder)
        placeholder.deleteLater()
        if showing:
            self.pages.setCurrentWidget(page)

    @property
    def code(self) -> CodePage:
        if self._code is None:
            from ui.auth.signin.one_time_code import CodePage

            page = self._code = CodePage()
            page.verify_button.clicked.connect(self._submit_code)
            page.code_edit.returnPressed.connect(self._submit_code)
            page.back_button.clicked.connect(self.restart)
            page.show_hint(self._demo_hint() if self._demo_hint else "")
            page.set_busy(self._pages_busy)
            self._place(self.CODE_PAGE, page)
        return self._code

    @property
    def enrollment(self) -> EnrollmentPage:
        if self._enrollment_page is None:
            from ui.auth.signin.enrollment import EnrollmentPage

            page = self._enrollment_page = EnrollmentPage()
            page.confirm_button.clicked.connect(self._submit_enrollment)
            page.enroll_code_edit.returnPressed.connect(self._submit_enrollment)
            page.set_busy(self._pages_busy)
            self._place(self.ENROLL_PAGE, page)
        return self._enrollment_page

    @property
    def recovery(self) -> RecoveryCodesPage:
        if self._recovery is None:
            from ui.auth.signin.enrollment import RecoveryCodesPage

            page = self._recovery = RecoveryCodesPage(self._clipboard)
            page.continue_button.clicked.connect(self._finish)
            self._place(self.RECOVERY_PAGE, page)
        return self._recovery

    @property
    def new_password(self) -> NewPasswordPage:
        if self._new_password is None:
            from ui.auth.signin.new_password import NewPasswordPage

            page = self._new_password = NewPasswordPage()
            page.save_password_button.clicked.connect(self._submit_new_password)
            page.repeat_password_edit.returnPressed.connect(self._submit_new_password)
            page.set_busy(self._pages_busy)
            self._place(self.NEW_PASSWORD_PAGE, page)
        return self._new_password

    @property
    def first_run(self) -> FirstRunPage:
        if self._first_run is None:
            from ui.auth.signin.first_run import FirstRunPage

            page = self._first_run = FirstRunPage()
            page.check_again_button.clicked.connect(self._retry_first_run)
            self._place(self.FIRST_RUN_PAGE, page)
        return self._first_run

    def attach(
        self,
        auth: AuthService,
        runner: Operations,
        *,
        practice_id: str,
        demo_hint: Callable[[], str] | None = None,
        clipboard: ClipboardGuard | None = None,
    ) -> None:
        """Make live a window that was shown before the services loaded (the cold start)."""
        self._attached, self._practice_id = (auth, runner), practice_id
        if clipboard is not None:  # the shell's guard: cleared at lock, quit and switch user
            self._clipboard = clipboard
            if self._recovery is not None:
                self._recovery.use_clipboard(clipboard)
        self._demo_hint = demo_hint
        self._show_brand()
        self._start_hint_timer()
        self._refresh_hint()
        self._busy(False)
        self.password.user_edit.setFocus()

    @property
    def _auth(self) -> AuthService:
        assert self._attached is not None, "attach() first; the pages are busy until then"
        return self._attached[0]

    @property
    def _run(self) -> Operations:
        assert self._attached is not None, "attach() first; the pages are busy until then"
        return self._attached[1]

    def _show_brand(self) -> None:
        practice = f"Practice {self._practice_id}" if self._practice_id else "Starting…"
        self.brand.setText(
            f"<div align='center'><span style='font-size:22pt; font-weight:700; color:#1d4ed8'>"
            f"Enamel</span><br><span style='color:#475569'>{practice}</span></div>"
        )

    def _start_hint_timer(self) -> None:
        if self._demo_hint is not None and getattr(self, "_hint_timer", None) is None:
            self._hint_timer = QTimer(self)  # the demo's code changes every 30 s
            self._hint_timer.setInterval(2000)
            self._hint_timer.timeout.connect(self._refresh_hint)
            self._hint_timer.start()

    # -- flow ---------------------------------------------------------------------------

    def show_first_run(self, check_again: Callable[[], bool]) -> None:
        """No accounts exist yet: explain how to create the first; `check_again()` -> any now?"""
        self._check_again = check_again
        self.pages.setCurrentIndex(self.FIRST_RUN_PAGE)
        self.first_run.check_again_button.setFocus()

    def _retry_first_run(self) -> None:
        if self._check_again is not None and self._check_again():
            self.restart()

    def _escape(self) -> None:
        if self.pages.currentIndex() in (self.CODE_PAGE, self.ENROLL_PAGE):
            self.show_error("")
            self.restart()

    def _refresh_hint(self) -> None:
        text = self._demo_hint() if self._demo_hint else ""
        self.password.show_hint(text)
        if self._code is not None:
            self._code.show_hint(text)

    def restart(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel_print()
        self._step = None
        self._enrollment = None
        self.password.password_edit.clear()
        if self._code is not None:
            self._code.code_edit.clear()
        if self._enrollment_page is not None:
            self._enrollment_page.enroll_code_edit.clear()
        self.pages.setCurrentIndex(self.PASSWORD_PAGE)
        self._refresh_hint()
        self.password.focus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _set_pages_busy(self, busy: bool) -> None:
        self._pages_busy = busy
        self.password.set_busy(busy)
        for page in (self._code, self._enrollment_page, self._new_password):
            if page is not None:
                page.set_busy(busy)

    def _busy(self, busy: bool) -> None:
        from PySide6.QtCore import Qt  # after the first frame (see the class's docstring)

        self._set_pages_busy(busy)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    def _fail(self, error: Exception) -> None:
        from ui.operations import user_message

        self._busy(False)
        self.show_error(user_message(error))

    def _submit_password(self) -> None:
        login, password = self.password.user_edit.text(), self.password.password_edit.text()
        if not login.strip() or not password:
            self.show_error("Type your user name and password.")
            return
        self.show_error("")
        self._busy(True)
        self._run.run(
            lambda: self._auth.check_password(login, password),
            self._password_ok,
            self._password_failed,
        )

    def _password_failed(self, error: Exception) -> None:
        self.password.password_edit.clear()
        self._fail(error)

    def _password_ok(self, step: PasswordAccepted) -> None:
        self._busy(False)
        self._step = step
        self.password.password_edit.clear()
        if step.needs_enrollment:
            self._run.run(
                lambda: self._auth.begin_enrollment(step), self._show_enrollment, self._fail
            )
        else:
            self.pages.setCurrentIndex(self.CODE_PAGE)
            self.code.code_edit.setFocus()

    def _show_enrollment(self, enrollment: Enrollment) -> None:
        self._enrollment = enrollment
        self.pages.setCurrentIndex(self.ENROLL_PAGE)
        self.enrollment.show_enrollment(enrollment)

    def _submit_code(self) -> None:
        step = self._step
        if step is None:
            self.restart()
            return
        code = self.code.take_code()
        self.show_error("")
        self._busy(True)

        def failed(error: Exception) -> None:
            self._fail(error)
            from services.auth.signin import CodeAlreadyUsed

            if isinstance(error, CodeAlreadyUsed):  # the password still stands: wait, retype
                self.code.code_edit.setFocus()
                return
            self.restart()

        self._run.run(lambda: self._auth.check_code(step, code), self._signed_in, failed)

    def _submit_enrollment(self) -> None:
        step = self._step
        if step is None:
            self.restart()
            return
        code = self.enrollment.take_code()
        self.show_error("")
        self._busy(True)
        self._run.run(lambda: self._auth.confirm_enrollment(step, code), self._enrolled, self._fail)

    def _enrolled(self, session: Session) -> None:
        self._busy(False)
        self._session = session
        self.recovery.show_codes(
            self._enrollment.recovery_codes if self._enrollment else [],
            f"Account {session.login}, practice {self._practice_id}",
        )
        self.pages.setCurrentIndex(self.RECOVERY_PAGE)

    def _submit_new_password(self) -> None:
        session = self._session
        page = self.new_password
        new, repeat = page.new_password_edit.text(), page.repeat_password_edit.text()
        if session is None:
            self.restart()
            return
        if new != repeat:
            self.show_error("The two passwords are not the same. Type them again.")
            page.retype()
            return
        self.show_error("")
        self._busy(True)
        self._run.run(
            lambda: self._auth.set_required_password(session, new), self._signed_in, self._fail
        )

    def _finish(self) -> None:
        self.recovery.forget_codes()
        if self._session is not None:
            self._signed_in(self._session)

    def _signed_in(self, session: Session) -> None:
        self._busy(False)
        self.show_error("")
        if session.must_change_password:
            self._session = session
            self.pages.setCurrentIndex(self.NEW_PASSWORD_PAGE)
            self.new_password.start()
            return
        self._step = None
        self._session = None
        self.pages.setCurrentIndex(self.PASSWORD_PAGE)
        self.signedIn.emit(session)
