"""The idle lock: no input for N minutes (time asleep included) closes every other window,
hides every PHI view and asks for the password."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from services.clock import Clock, Stopwatch
from ui.auth.clipboard import ClipboardGuard

INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def dismiss(widget: QWidget) -> None:
    """Cancel a window: a dialog is rejected (its `exec()` or static call returns "cancelled",
    so what it was about to do is not done), any other window is closed."""
    if isinstance(widget, QDialog):
        widget.reject()
    else:
        widget.close()
    if isValid(widget) and widget.isVisible():
        widget.hide()


def dismiss_windows_except(
    keep: QWidget | None, spare: Callable[[QWidget], bool] = lambda _: False
) -> None:
    """Every visible top-level window but `keep` (and what `spare` keeps): dialogs, message
    boxes, file dialogs, menus. The list is read again after each one, because closing a
    dialog deletes or hides the windows it owned (a completer's popup, a nested message box)."""
    done: set[int] = set()
    while True:
        found = next(
            (
                w
                for w in QApplication.topLevelWidgets()
                if w is not keep and id(w) not in done and w.isVisible() and not spare(w)
            ),
            None,
        )
        if found is None:
            return
        done.add(id(found))
        dismiss(found)


class IdleLock(QObject):
    """Watches input application-wide; `tick()` (a 1 s timer) locks after `minutes` of none.

    Idle time is measured on both clocks (`Stopwatch`), so a computer that slept past the limit
    locks on its first tick or at the first input after waking, and that input is swallowed.
    Each tick also lets the clipboard guard expire what was copied and emits `ticked`."""

    locked = Signal()
    ticked = Signal()

    def __init__(
        self,
        clock: Clock,
        minutes: int,
        on_lock: Callable[[], None],
        clipboard: ClipboardGuard | None = None,
        *,
        tick_ms: int = 1000,
    ) -> None:
        super().__init__()
        self._clock = clock
        self._seconds = max(1, min(minutes, 15)) * 60
        self._on_lock = on_lock
        self._clipboard = clipboard or ClipboardGuard(clock)
        self._idle = Stopwatch(clock)
        self._is_locked = False
        self._extra: list[QWidget] = []
        self._window: QWidget | None = None
        self._who = ""
        self.overlay: LockScreen | None = None
        self._hidden: list[QWidget] = []
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.tick)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    @property
    def is_locked(self) -> bool:
        return self._is_locked

    @property
    def idle_seconds(self) -> int:
        return self._seconds

    def register(self, widget: QWidget) -> None:
        """A PHI widget outside the main window (a dialog) that must hide on lock too."""
        self._extra.append(widget)

    def keep(self, window: QWidget) -> None:
        """The window that covers itself on lock; every other top-level window is dismissed."""
        self._window = window

    def attach(self, window: QMainWindow, who: str) -> LockScreen:
        """Guard any main window: on lock every direct child (central widget, menu, tool and
        status bars, docks) is hidden and a lock screen covers the window. Connect the returned
        screen's `unlockRequested(password)` and `switchUser()`; call `unlocked()` after a good
        password and `overlay.refused(text)` after a bad one."""
        self._window = window
        self._who = who
        self.overlay = LockScreen(window)
        self.overlay.hide()
        return self.overlay

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in INPUT_EVENTS and not self._is_locked:
            if self._idle.elapsed() >= self._seconds:
                self.lock_now()  # the first touch after a long sleep locks, and does nothing else
                return True
            self._idle.restart()
        elif kind == QEvent.Type.Show and self._is_locked and self._stray(watched):
            # Something opened a window while locked (work that finished, a message box): it
            # is cancelled from inside its own event loop, which a reject during show would hang.
            QTimer.singleShot(0, self._dismiss_strays)
        elif kind == QEvent.Type.Resize and watched is self._window and self.overlay is not None:
            self.overlay.setGeometry(self._window.rect())
        return False

    def _dismiss_strays(self) -> None:
        if self._is_locked:
            dismiss_windows_except(self._window, lambda w: not self._stray(w))

    def _stray(self, watched: QObject) -> bool:
        """A top-level window other than the locked one and the lock screen's own popups."""
        if not isinstance(watched, QWidget) or not watched.isWindow() or watched is self._window:
            return False
        if watched.windowType() == Qt.WindowType.ToolTip:
            return False  # only the lock screen can be hovered while locked
        parent = watched.parentWidget()
        while parent is not None:
            if isinstance(parent, LockScreen):
                return False
            parent = parent.parentWidget()
        return True

    def tick(self) -> None:
        self._clipboard.expire()
        if not self._is_locked and self._idle.elapsed() >= self._seconds:
            self.lock_now()
        self.ticked.emit()

    def lock_now(self) -> None:
        if self._is_locked:
            return
        self._is_locked = True
        for widget in self._extra:
            if isValid(widget):
                widget.hide()
        dismiss_windows_except(self._window)
        self._cover_window()
        self._clipboard.clear_ours()
        self._on_lock()
        self.locked.emit()

    def _cover_window(self) -> None:
        window, overlay = self._window, self.overlay
        if window is None or overlay is None:
            return
        self._hidden = [
            child
            for child in window.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if child is not overlay and child.isVisible()
        ]
        for child in self._hidden:
            child.hide()
        overlay.setGeometry(window.rect())
        overlay.show()
        overlay.raise_()
        overlay.prepare(self._who)

    def unlocked(self) -> None:
        self._is_locked = False
        self._idle.restart()
        if self.overlay is not None and self.overlay.isVisible():
            for child in self._hidden:
                child.show()
            self._hidden = []
            self.overlay.hide()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockScreen(QWidget):
    """Shown instead of the desk. Emits `unlockRequested(password)` and `switchUser()`."""

    unlockRequested = Signal(str)
    switchUser = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "QWidget#lockScreen { background: #0f172a; }"
            "QFrame#lockPanel { background: #1e293b; border: 1px solid #334155;"
            " border-radius: 14px; }"
            "QFrame#lockPanel QLabel { color: #e2e8f0; background: transparent; }"
            "QFrame#lockPanel QLabel#lockTitle { font-size: 20pt; font-weight: 600; }"
            "QFrame#lockPanel QLabel#lockMessage { color: #fca5a5; font-weight: 600; }"
        )
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        panel = QFrame()
        panel.setObjectName("lockPanel")
        panel.setFixedWidth(520)
        inner = QVBoxLayout(panel)
        inner.setContentsMargins(36, 32, 36, 28)
        inner.setSpacing(14)
        title = QLabel("Enamel is locked")
        title.setObjectName("lockTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who = QLabel()
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who.setWordWrap(True)
        inner.addWidget(title)
        inner.addWidget(self.who)
        inner.addSpacing(6)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Your password")
        self.password_edit.setAccessibleName("Password")
        label = QLabel("&Password")
        label.setBuddy(self.password_edit)
        field = QHBoxLayout()
        field.setSpacing(10)
        field.addWidget(label)
        field.addWidget(self.password_edit, 1)
        inner.addLayout(field)
        self.message = QLabel()
        self.message.setObjectName("lockMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        inner.addWidget(self.message)
        buttons = QHBoxLayout()
        self.switch_button = QPushButton("&Switch user")
        self.switch_button.setToolTip("End this session and let someone else sign in")
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("primary")
        self.unlock_button.setDefault(True)
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(panel)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(3)
        self.unlock_button.clicked.connect(self._unlock)
        self.password_edit.returnPressed.connect(self._unlock)
        self.switch_button.clicked.connect(self.switchUser.emit)

    def prepare(self, who: str) -> None:
        self.who.setText(f"{who} is signed in.\nType your password to continue.")
        self.message.clear()
        self.password_edit.clear()
        self.password_edit.setFocus()

    def _unlock(self) -> None:
        password = self.password_edit.text()
        self.password_edit.clear()
        if password:
            self.unlockRequested.emit(password)

    def set_busy(self, busy: bool) -> None:
        """While the password is checked (Argon2 takes a moment) the buttons wait."""
        self.unlock_button.setEnabled(not busy)
        self.password_edit.setEnabled(not busy)
        self.unlock_button.setText("Checking…" if busy else "&Unlock")

    def refused(self, text: str) -> None:
        self.set_busy(False)
        self.message.setText(text)
        self.password_edit.setFocus()
