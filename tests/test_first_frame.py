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
    "ui.auth.clipboard",
    "ui.auth.signin",
    "ui.auth.signin.card",
    "ui.auth.signin.enrollment",
    "ui.auth.signin.first_run",
    "ui.auth.signin.new_password",
    "ui.auth.signin.one_time_code",
    "ui.auth.signin.password",
    "ui.auth.signin.window",
    "ui.collector",
    "ui.operations",
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


def test_the_window_states_the_password_rule_the_service_enforces() -> None:
    from services.auth.passwords import MIN_LENGTH as enforced
    from ui.auth.signin.new_password import MIN_LENGTH as stated

    assert stated == enforced
