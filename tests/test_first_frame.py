"""The first frame loads only Qt and the sign-in window: a guard on the cold start's import graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys

# What `enamel` has imported when the sign-in window is first painted (app/gui.py main()).
FIRST_FRAME = ["app.gui", "ui.collector", "ui.auth.signin.window"]
THIRD_PARTY = {"PySide6", "shiboken6", "shibokensupport", "signature_bootstrap"}
PROJECT = {
    "app",
    "app.display",
    "app.gui",
    "errors",
    "services",
    "services.clock",
    "ui",
    "ui.auth",
    "ui.auth.signin",
    "ui.auth.signin.card",
    "ui.auth.signin.password",
    "ui.auth.signin.window",
    "ui.collector",
}
LAYERS = ("app", "ui", "services", "storage", "errors", "resources")

PROBE = """
import json, sys
before = set(sys.modules)
for name in json.loads(sys.argv[1]):
    __import__(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def loaded_at_first_frame() -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(FIRST_FRAME)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    return list(json.loads(out.stdout))


def test_the_first_frame_imports_only_qt_and_the_sign_in_window() -> None:
    loaded = loaded_at_first_frame()
    top = {name.split(".")[0] for name in loaded}
    outside = sorted(
        t
        for t in top
        if t not in sys.stdlib_module_names
        and t not in THIRD_PARTY
        and t not in LAYERS
        and not t.startswith("_")
    )
    assert outside == [], f"the first frame now loads {outside}: load them after it is painted"
    ours = sorted(n for n in loaded if n.split(".")[0] in LAYERS and n not in PROJECT)
    assert ours == [], f"the first frame now loads {ours}: load them after it is painted"
    for heavy in ("sqlcipher3", "cryptography", "keyring", "httpx", "boto3", "segno", "pyotp"):
        assert heavy not in top
    later = ("enrollment", "one_time_code", "new_password", "first_run")
    assert not any(f"ui.auth.signin.{page}" in loaded for page in later)
    for module in ("ui.auth.clipboard", "ui.operations", "platformdirs", "logging.handlers"):
        assert module not in loaded, f"{module} loads before the first frame"


# The first frame as app/gui.py main() paints it, counting the enum classes PySide6 makes as
# Python code first touches their types. `Qt`'s namespace alone makes about 90 (a sixth of a
# bare window's start); a Python event filter on the application makes ~160 more as events
# reach objects of new types.
PAINT = """
import enum, json, sys
import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets  # their own enums, as a bare window's
made = []
create = enum.EnumType._create_
def counted(cls, name, *args, **kwargs):
    made.append(name)
    return create(cls, name, *args, **kwargs)
enum.EnumType._create_ = counted
from app.gui import make_qapp
app = make_qapp()
from ui.auth.signin.window import SignInWindow
window = SignInWindow(None, None, practice_id="")
window.show()
app.processEvents()
print(json.dumps(made))
"""


def test_the_first_frame_leaves_qts_namespace_and_event_filters_alone() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PAINT], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout.splitlines()[-1])
    assert "AlignmentFlag" not in made, "the first frame touches Qt's namespace (Qt.…)"
    assert len(made) < 25, f"the first frame makes {len(made)} enum classes: {made}"


def test_the_window_states_the_password_rule_the_service_enforces() -> None:
    from services.auth.passwords import MIN_LENGTH as enforced
    from ui.auth.signin.new_password import MIN_LENGTH as stated

    assert stated == enforced
