"""The application's windows over time: sign in, the desk, the idle lock, switch user."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from services.auth.signin import AuthService, Session
from services.clock import Clock
from ui.auth.lock import ClipboardGuard, IdleLock
from ui.auth.signin.window import SignInWindow
from ui.main_window import MainWindow
from ui.operations import Operations, user_message


class Shell(QObject):
    """Owns the sign-in window, the main window of the current session and its idle lock."""

    sessionStarted = Signal(object)
    sessionEnded = Signal()

    def __init__(
        self,
        auth: AuthService,
        runner: Operations,
        clock: Clock,
        *,
        practice_id: str,
        make_window: Callable[[Session], MainWindow],
        idle_minutes: Callable[[], int],
        demo_hint: Callable[[], str] | None = None,
        idle_tick_ms: int = 1000,
    ) -> None:
        super().__init__()
        self._auth = auth
        self._run = runner
        self._clock = clock
        self._make_window = make_window
        self._idle_minutes = idle_minutes
        self._tick_ms = idle_tick_ms
        self.clipboard = ClipboardGuard()
        self.sign_in = SignInWindow(auth, runner, practice_id=practice_id, demo_hint=demo_hint)
        self.sign_in.signedIn.connect(self._start)
        self.window: MainWindow | None = None
        self.idle: IdleLock | None = None
        self.session: Session | None = None

    def show(self) -> None:
        self.sign_in.show()

    def _start(self, session: Session) -> None:
        self.session = session
        window = self._make_window(session)
        self.window = window
        self.idle = IdleLock(
            self._clock, self._idle_minutes(), self._lock, self.clipboard, tick_ms=self._tick_ms
        )
        window.lock_screen.unlockRequested.connect(self._unlock)
        window.lock_screen.switchUser.connect(self.switch_user)
        window.lockRequested.connect(self.lock_now)
        window.switchUserRequested.connect(self.switch_user)
        window.changePasswordRequested.connect(self.change_password)
        window.emergencyAccessRequested.connect(self.emergency_access)
        window.show()
        self.sign_in.hide()
        self.sessionStarted.emit(session)

    def _lock(self) -> None:
        if self.window is None or self.session is None:
            return
        session = self.session
        self.window.lock(f"{session.display_name} ({session.role.label})")
        self._run.run(lambda: self._auth.record_lock(session), _recorded, owner=self.window)

    def lock_now(self) -> None:
        if self.idle is not None:
            self.idle.lock_now()

    def _unlock(self, password: str) -> None:
        session = self.session
        if session is None or self.window is None:
            return
        window = self.window

        def done(ok: bool) -> None:
            if ok and self.idle is not None:
                window.unlock()
                self.idle.unlocked()
            else:
                window.lock_screen.refused("That password is not correct.")

        self._run.run(
            lambda: self._auth.unlock(session, password),
            done,
            lambda e: window.lock_screen.refused(user_message(e)),
        )

    def change_password(self) -> None:
        from ui.auth.dialogs import ChangePasswordDialog

        if self.session is None or self.window is None:
            return
        dialog = ChangePasswordDialog(self._auth, self._run, self.session, self.window)
        if self.idle is not None:
            self.idle.register(dialog)
        if dialog.exec() and dialog.session is not None:
            self.session = dialog.session

    def emergency_access(self) -> None:
        """Break-glass: on grant, the desk is rebuilt with the extra screens, under a red banner."""
        from ui.auth.dialogs import BreakGlassDialog

        if self.session is None or self.window is None:
            return

        def granted(session: Session) -> None:
            self._replace_window(session)

        dialog = BreakGlassDialog(self._auth, self._run, self.session, granted, self.window)
        if self.idle is not None:
            self.idle.register(dialog)
        dialog.exec()

    def _replace_window(self, session: Session) -> None:
        old = self.window
        if self.idle is not None:
            self.idle.stop()
            self.idle = None
        self.window = None
        if old is not None:
            old.close()
            old.deleteLater()
        self._start(session)

    def switch_user(self) -> None:
        """End the session: close every PHI window and go back to sign-in."""
        session = self.session
        if self.idle is not None:
            self.idle.stop()
            self.idle = None
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        self.session = None
        if session is not None:
            # No window is left to show a failure in: the default logs it by class.
            self._run.run(lambda: self._auth.end_session(session, "switch_user"), _recorded)
        self.clipboard.clear_ours()
        self.sign_in.restart()
        self.sign_in.show()
        self.sessionEnded.emit()


def _recorded(_: object) -> None:
    """Audit-only work: nothing to show when it succeeds."""
