"""Whether this session has a display to open windows on, said before Qt is asked to."""

from __future__ import annotations

import sys
from collections.abc import Mapping

# Qt platforms that need no display server (QT_QPA_PLATFORM): tests, screenshots, VNC.
_NO_SERVER_NEEDED = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "windows", "cocoa")

NO_DISPLAY = (
    "Enamel cannot open its window: this session has no display (neither DISPLAY nor "
    "WAYLAND_DISPLAY is set, as in an SSH session or on a server console).\n"
    "Run it from the desktop of this PC, over SSH with X forwarding (ssh -X), or under a "
    "virtual display:\n"
    "    xvfb-run -a enamel --demo      (from a source checkout: xvfb-run -a bash scripts/demo)\n"
    "'enamel --self-test' needs no display."
)


def missing_display(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """What to tell the person when there is nowhere to show a window, else None.

    Qt itself only aborts (exit 134) with a message about xcb-cursor0 that sends people
    reinstalling libraries, so this is checked before any QApplication exists.
    """
    if not platform.startswith(("linux", "freebsd", "openbsd")):
        return None  # Windows and macOS always have their own window system
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen in _NO_SERVER_NEEDED:
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY
