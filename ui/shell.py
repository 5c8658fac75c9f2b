"""The application's windows over time: sign in, the desk, the idle lock, switch user."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from services.auth.breakglass import grant_over, without_break_glass
from services.auth.signin import AuthService, Session
from services.clock import Clock
from ui.auth.clipboard import ClipboardGuard
from ui.auth.lock import IdleLock, dismiss_windows_except
from ui.auth.signin.window import SignInWindow
from ui.main_window import MainWindow
from ui.operations import Operations, user_message

GRANT_ENDED = (
    "Emergency access has ended: the extra screens are closed. If you still need them, "
    "ask for emergency access again."
)


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
        sign_in: SignInWindow | None = None,
    ) -> None:
        super().__init__()
        self._auth = auth
        self._run = runner
        self._clock = clock
        self._make_window = make_window
        self._idle_minutes = idle_minutes
        self._tick_ms = idle_tick_ms
        self.clipboard = ClipboardGuard(clock)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.clipboard.clear_ours)
        if sign_in is None:
            sign_in = SignInWindow(
                auth, runner, practice_id=practice_id, demo_hint=demo_hint, clipboard=self.clipboard
            )
        else:  # shown at the first frame, before the services loaded
            sign_in.attach(
                auth, runner, practice_id=practice_id, demo_hint=demo_hint, clipboard=self.clipboard
            )
        self.sign_in = sign_in
        self.sign_in.signedIn.connect(self._start)
        self.window: MainWindow | None = None
        self.idle: IdleLock | None = None
        self.session: Session | None = None
        self._ending_grant = False

    def show(self) -> None:
        self.sign_in.show()

    def _start(self, session: Session) -> None:
        self.session = session
        window = self._make_window(session)
        self.window = window
        self.idle = IdleLock(
            self._clock, self._idle_minutes(), self._lock, self.clipboard, tick_ms=self._tick_ms
        )
        self.idle.keep(window)
        self.idle.ticked.connect(self._check_grant)
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
                self.idle.unlocked()
                if self._grant_over():
                    self._end_grant()  # ran out while locked: the new desk shows, not the old
                else:
                    window.unlock()
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
            if self.idle is None or self.idle.is_locked:
                return  # the lock cancelled the request: the desk keeps the role's own screens
            self._replace_window(session)

        dialog = BreakGlassDialog(self._auth, self._run, self.session, granted, self.window)
        if self.idle is not None:
            self.idle.register(dialog)
        dialog.exec()

    def _grant_over(self) -> bool:
        return self.session is not None and grant_over(self.session, self._clock.now())

    def _check_grant(self) -> None:
        """On each idle tick: a break-glass grant whose time is up takes its screens with it.
        Locked, it waits for the unlock, which ends it before the desk shows."""
        if self._ending_grant or not self._grant_over():
            return
        if self.idle is None or self.idle.is_locked:
            return
        self._ending_grant = True
        # Not from inside the tick: the rebuild replaces the idle lock that is ticking.
        QTimer.singleShot(0, self._end_grant)

    def _end_grant(self) -> None:
        self._ending_grant = False
        session = self.session
        if session is None or not self._grant_over():
            return
        # Dialogs over the old desk are cancelled before it goes, like at a lock.
        dismiss_windows_except(self.window)
        self._replace_window(without_break_glass(session))
        if self.window is not None:
            self.window.show_notice(GRANT_ENDED)

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

    def close(self) -> None:
        """On quit: no idle timer left running, and nothing Enamel copied left on the clipboard."""
        if self.idle is not None:
            self.idle.stop()
        self.clipboard.clear_ours()


def _recorded(_: object) -> None:
    """Audit-only work: nothing to show when it succeeds."""
