"""The sign-in window: password, then a code (or first-time authenticator set-up)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from services.auth.passwords import MIN_LENGTH
from services.auth.signin import AuthService, Enrollment, PasswordAccepted, Session
from ui.auth.qr import qr_pixmap
from ui.tasks import TaskRunner, user_message


def _card() -> tuple[QWidget, QVBoxLayout]:
    """A white card at its natural height, at the top of its page (pages differ in height)."""
    page = QWidget()
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
    return page, layout


def _title(text: str, sub: str = "") -> list[QLabel]:
    title = QLabel(text)
    title.setObjectName("pageTitle")
    labels = [title]
    if sub:
        subtitle = QLabel(sub)
        subtitle.setObjectName("pageSubtitle")
        subtitle.setWordWrap(True)
        labels.append(subtitle)
    return labels


class SignInWindow(QWidget):
    """Emits `signedIn(Session)`. Every slow step (Argon2, the database) runs on the task runner."""

    signedIn = Signal(object)

    def __init__(
        self,
        auth: AuthService,
        runner: TaskRunner,
        *,
        practice_id: str,
        demo_hint: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("signInWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QWidget#signInWindow { background: #f1f5f9; }")
        self.setWindowTitle("Enamel — sign in")
        self._auth = auth
        self._run = runner
        self._step: PasswordAccepted | None = None
        self._enrollment: Enrollment | None = None
        self._session: Session | None = None
        self._demo_hint = demo_hint

        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 30, 40, 30)
        brand = QLabel(
            f"<span style='font-size:22pt; font-weight:700; color:#1d4ed8'>Enamel</span>"
            f"<br><span style='color:#475569'>Practice {practice_id}</span>"
        )
        brand.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addStretch(1)
        outer.addWidget(brand)
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

        self._build_password_page()
        self._build_code_page()
        self._build_enroll_page()
        self._build_recovery_page()
        self._build_new_password_page()
        self._build_first_run_page()
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.activated.connect(self._escape)
        if demo_hint is not None:  # the demo's code changes every 30 s
            self._hint_timer = QTimer(self)
            self._hint_timer.setInterval(2000)
            self._hint_timer.timeout.connect(self._refresh_hint)
            self._hint_timer.start()
        self.resize(900, 680)
        self.user_edit.setFocus()

    # -- pages -------------------------------------------------------------------------

    def _build_password_page(self) -> None:
        card, layout = _card()
        for label in _title("Sign in", "Use your own user name and password. Never share them."):
            layout.addWidget(label)
        form = QFormLayout()
        form.setSpacing(10)
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Password")
        user_label = QLabel("&User name")
        user_label.setBuddy(self.user_edit)
        password_label = QLabel("&Password")
        password_label.setBuddy(self.password_edit)
        form.addRow(user_label, self.user_edit)
        form.addRow(password_label, self.password_edit)
        layout.addLayout(form)
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.setDefault(True)
        layout.addWidget(self.sign_in_button)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setObjectName("pageSubtitle")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.hint)
        self._refresh_hint()
        self.pages.addWidget(card)
        self.sign_in_button.clicked.connect(self._submit_password)
        self.password_edit.returnPressed.connect(self._submit_password)
        self.user_edit.returnPressed.connect(self.password_edit.setFocus)

    def _build_code_page(self) -> None:
        card, layout = _card()
        for label in _title(
            "Enter your code",
            "Type the 6-digit code from your authenticator app. If you do not have "
            "your phone, type one of your recovery codes instead.",
        ):
            layout.addWidget(label)
        self.code_edit = QLineEdit()
        self.code_edit.setAccessibleName("Code")
        self.code_edit.setPlaceholderText("123 456  or  abcde-fghjk")
        self.code_edit.setMaxLength(16)
        layout.addWidget(self.code_edit)
        buttons = QHBoxLayout()
        self.back_button = QPushButton("&Back")
        self.verify_button = QPushButton("&Verify")
        self.verify_button.setObjectName("primary")
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.verify_button)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.pages.addWidget(card)
        self.verify_button.clicked.connect(self._submit_code)
        self.code_edit.returnPressed.connect(self._submit_code)
        self.back_button.clicked.connect(self.restart)

    def _build_enroll_page(self) -> None:
        card, layout = _card()
        for label in _title(
            "Set up your authenticator",
            "Scan this code with an authenticator app (Microsoft Authenticator, "
            "Google Authenticator, 1Password…), then type the 6-digit code it shows.",
        ):
            layout.addWidget(label)
        row = QHBoxLayout()
        self.qr_label = QLabel()
        self.qr_label.setAccessibleName("QR code for the authenticator app")
        self.qr_label.setFixedSize(220, 220)
        self.qr_label.setScaledContents(True)
        row.addWidget(self.qr_label, 0, Qt.AlignmentFlag.AlignTop)
        row.addSpacing(12)
        side = QVBoxLayout()
        side.addWidget(QLabel("Cannot scan? Type this key by hand:"))
        self.secret_label = QLabel()
        self.secret_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.secret_label.setStyleSheet("font-family: monospace; font-size: 11pt;")
        self.secret_label.setWordWrap(True)
        side.addWidget(self.secret_label)
        side.addStretch(1)
        row.addLayout(side, 1)
        layout.addLayout(row)
        self.enroll_code_edit = QLineEdit()
        self.enroll_code_edit.setPlaceholderText("123 456")
        self.enroll_code_edit.setAccessibleName("Code from the app")
        self.enroll_code_edit.setMaxLength(7)
        self.enroll_code_edit.setFixedWidth(160)
        code_label = QLabel("Code from the &app")
        code_label.setBuddy(self.enroll_code_edit)
        self.confirm_button = QPushButton("&Confirm")
        self.confirm_button.setObjectName("primary")
        confirm_row = QHBoxLayout()
        confirm_row.addWidget(code_label)
        confirm_row.addWidget(self.enroll_code_edit)
        confirm_row.addStretch(1)
        confirm_row.addWidget(self.confirm_button)
        layout.addSpacing(4)
        layout.addLayout(confirm_row)
        self.pages.addWidget(card)
        self.confirm_button.clicked.connect(self._submit_enrollment)
        self.enroll_code_edit.returnPressed.connect(self._submit_enrollment)

    def _build_recovery_page(self) -> None:
        card, layout = _card()
        for label in _title(
            "Your recovery codes",
            "Each code signs you in once if your phone is lost. Write them down and "
            "keep them somewhere safe. They will not be shown again.",
        ):
            layout.addWidget(label)
        self.codes_view = QPlainTextEdit()
        self.codes_view.setReadOnly(True)
        self.codes_view.setStyleSheet("font-family: monospace; font-size: 12pt;")
        self.codes_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.codes_view.setAccessibleName("Recovery codes")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSize(12)  # as in the style sheet above, which wins over setFont
        lines = QFontMetrics(mono).lineSpacing()
        self.codes_view.setFixedHeight(lines * 5 + 40)
        layout.addWidget(self.codes_view)
        self.saved_box = QCheckBox("I have &written these codes down")
        layout.addWidget(self.saved_box)
        self.continue_button = QPushButton("C&ontinue")
        self.continue_button.setObjectName("primary")
        self.continue_button.setEnabled(False)
        layout.addWidget(self.continue_button, 0, Qt.AlignmentFlag.AlignRight)
        self.pages.addWidget(card)
        self.saved_box.toggled.connect(self.continue_button.setEnabled)
        self.continue_button.clicked.connect(self._finish)

    def _build_new_password_page(self) -> None:
        card, layout = _card()
        for label in _title(
            "Choose a new password",
            "Your password was reset by an administrator. Choose your own before you continue: "
            f"at least {MIN_LENGTH} characters. A short sentence you will remember works well.",
        ):
            layout.addWidget(label)
        form = QFormLayout()
        form.setSpacing(10)
        self.new_password_edit = QLineEdit()
        self.new_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password_edit.setAccessibleName("New password")
        self.repeat_password_edit = QLineEdit()
        self.repeat_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_password_edit.setAccessibleName("Repeat the new password")
        new_label = QLabel("&New password")
        new_label.setBuddy(self.new_password_edit)
        repeat_label = QLabel("&Repeat it")
        repeat_label.setBuddy(self.repeat_password_edit)
        form.addRow(new_label, self.new_password_edit)
        form.addRow(repeat_label, self.repeat_password_edit)
        layout.addLayout(form)
        self.save_password_button = QPushButton("&Save and continue")
        self.save_password_button.setObjectName("primary")
        layout.addWidget(self.save_password_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self.pages.addWidget(card)
        self.save_password_button.clicked.connect(self._submit_new_password)
        self.new_password_edit.returnPressed.connect(self.repeat_password_edit.setFocus)
        self.repeat_password_edit.returnPressed.connect(self._submit_new_password)

    def _build_first_run_page(self) -> None:
        card, layout = _card()
        for label in _title(
            "No one can sign in yet",
            "This installation has no user accounts. Your IT administrator creates the first "
            "one (an office manager, who can then add everyone else) on this computer with:",
        ):
            layout.addWidget(label)
        command = QLabel(
            "enamel-admin user add NAME \\\n    --role office_manager --password-stdin"
        )
        command.setObjectName("command")
        command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        command.setStyleSheet(
            "QLabel#command { font-family: monospace; background: #f1f5f9; "
            "border: 1px solid #e2e8f0; border-radius: 6px; padding: 10px 12px; }"
        )
        layout.addWidget(command)
        after = QLabel(
            "It prints a link for the person's authenticator app. Then choose Check again."
        )
        after.setWordWrap(True)
        after.setObjectName("pageSubtitle")
        layout.addWidget(after)
        self.check_again_button = QPushButton("&Check again")
        self.check_again_button.setObjectName("primary")
        layout.addWidget(self.check_again_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self.pages.addWidget(card)

    # -- flow ---------------------------------------------------------------------------

    PASSWORD_PAGE, CODE_PAGE, ENROLL_PAGE, RECOVERY_PAGE, NEW_PASSWORD_PAGE, FIRST_RUN_PAGE = range(
        6
    )

    def show_first_run(self, check_again: Callable[[], bool]) -> None:
        """No accounts exist yet: explain how to create the first; `check_again()` -> any now?"""

        def retry() -> None:
            if check_again():
                self.restart()

        self.check_again_button.clicked.connect(retry)
        self.pages.setCurrentIndex(self.FIRST_RUN_PAGE)
        self.check_again_button.setFocus()

    def _escape(self) -> None:
        if self.pages.currentIndex() in (self.CODE_PAGE, self.ENROLL_PAGE):
            self.show_error("")
            self.restart()

    def _refresh_hint(self) -> None:
        text = self._demo_hint() if self._demo_hint else ""
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def restart(self) -> None:
        self._step = None
        self._enrollment = None
        self.password_edit.clear()
        self.code_edit.clear()
        self.enroll_code_edit.clear()
        self.pages.setCurrentIndex(0)
        self._refresh_hint()
        self.password_edit.setFocus() if self.user_edit.text() else self.user_edit.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _busy(self, busy: bool) -> None:
        for w in (
            self.sign_in_button,
            self.verify_button,
            self.confirm_button,
            self.save_password_button,
        ):
            w.setEnabled(not busy)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)
        if busy:
            self.sign_in_button.setText("Checking…")
        else:
            self.sign_in_button.setText("Sign in")

    def _fail(self, error: Exception) -> None:
        self._busy(False)
        self.show_error(user_message(error))

    def _submit_password(self) -> None:
        login, password = self.user_edit.text(), self.password_edit.text()
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
        self.password_edit.clear()
        self._fail(error)

    def _password_ok(self, step: PasswordAccepted) -> None:
        self._busy(False)
        self._step = step
        self.password_edit.clear()
        if step.needs_enrollment:
            self._run.run(
                lambda: self._auth.begin_enrollment(step), self._show_enrollment, self._fail
            )
        else:
            self.pages.setCurrentIndex(1)
            self.code_edit.setFocus()

    def _show_enrollment(self, enrollment: Enrollment) -> None:
        self._enrollment = enrollment
        self.qr_label.setPixmap(qr_pixmap(enrollment.uri))
        secret = enrollment.secret
        self.secret_label.setText(" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)))
        self.pages.setCurrentIndex(2)
        self.enroll_code_edit.setFocus()

    def _submit_code(self) -> None:
        step = self._step
        if step is None:
            self.restart()
            return
        code = self.code_edit.text()
        self.code_edit.clear()
        self.show_error("")
        self._busy(True)

        def failed(error: Exception) -> None:
            self._fail(error)
            self.restart()

        self._run.run(lambda: self._auth.check_code(step, code), self._signed_in, failed)

    def _submit_enrollment(self) -> None:
        step = self._step
        if step is None:
            self.restart()
            return
        code = self.enroll_code_edit.text()
        self.enroll_code_edit.clear()
        self.show_error("")
        self._busy(True)
        self._run.run(lambda: self._auth.confirm_enrollment(step, code), self._enrolled, self._fail)

    def _enrolled(self, session: Session) -> None:
        self._busy(False)
        self._session = session
        codes = self._enrollment.recovery_codes if self._enrollment else []
        numbered = [f"{i + 1:>2}.  {c}" for i, c in enumerate(codes)]
        half = (len(numbered) + 1) // 2
        rows = [
            f"{left}        {right}" if right else left
            for left, right in zip(
                numbered[:half], numbered[half:] + [""] * (half * 2 - len(numbered)), strict=True
            )
        ]
        self.codes_view.setPlainText("\n".join(rows))
        self.saved_box.setChecked(False)
        self.pages.setCurrentIndex(3)

    def _submit_new_password(self) -> None:
        session = self._session
        new, repeat = self.new_password_edit.text(), self.repeat_password_edit.text()
        if session is None:
            self.restart()
            return
        if new != repeat:
            self.show_error("The two passwords are not the same. Type them again.")
            self.repeat_password_edit.clear()
            self.repeat_password_edit.setFocus()
            return
        self.show_error("")
        self._busy(True)
        self._run.run(
            lambda: self._auth.set_required_password(session, new), self._signed_in, self._fail
        )

    def _finish(self) -> None:
        self.codes_view.clear()  # recovery codes leave the screen for good
        if self._session is not None:
            self._signed_in(self._session)

    def _signed_in(self, session: Session) -> None:
        self._busy(False)
        self.show_error("")
        if session.must_change_password:
            self._session = session
            self.new_password_edit.clear()
            self.repeat_password_edit.clear()
            self.pages.setCurrentIndex(self.NEW_PASSWORD_PAGE)
            self.new_password_edit.setFocus()
            return
        self._step = None
        self._session = None
        self.pages.setCurrentIndex(0)
        self.signedIn.emit(session)
