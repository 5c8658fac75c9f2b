"""The demo's first minute: what `scripts/demo` and `enamel --demo` say, with and without a
display, and a demo practice that is the same after a restart."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app import demo
from app.bootstrap import Services, build_services
from app.display import missing_display
from services.clock import ManualClock
from services.installation import initialise
from services.pms.simulator import SimulatorServer
from storage.desk_repo import DeskRepository
from storage.keystore import DemoKeyStore
from storage.layout import DataLayout

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent
CLOCK_START = "2026-11-23T15:00:00Z"  # a Monday: the demo runs on this, not on today


def session_env(*, display: bool) -> dict[str, str]:
    """This environment as an SSH session (no display at all) or as a desktop one would be."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "ENAMEL_DATA_DIR")
    }
    env.update(ENAMEL_DEMO_SKIP_INSTALL="1", ENAMEL_VENV=str(VENV))
    if display:
        env["QT_QPA_PLATFORM"] = "offscreen"  # a display Qt can draw on without a server
    return env


def run(program: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        program, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_enamel_demo_without_a_display_says_so_instead_of_qts_abort(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    done = run(
        [str(VENV / "bin" / "enamel"), "--demo", "--data-dir", str(data)],
        session_env(display=False),
    )
    assert done.returncode == 3, done.stderr
    assert "no display" in done.stderr and "xvfb-run -a enamel --demo" in done.stderr
    assert "xcb" not in done.stderr and "reinstalling" not in done.stderr  # Qt never started
    assert not data.exists()  # nothing was created for a window that cannot open


def test_scripts_demo_without_a_display_says_how_to_run_it(tmp_path: Path) -> None:
    done = run(
        ["bash", "scripts/demo", "--data-dir", str(tmp_path / "demo")], session_env(display=False)
    )
    assert done.returncode == 3
    assert "no display" in done.stderr and "xvfb-run -a bash scripts/demo" in done.stderr
    assert "Installing" not in done.stdout and "Starting" not in done.stdout


def test_scripts_demo_says_what_it_does_and_how_to_sign_in(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    args = ["bash", "scripts/demo", "--data-dir", str(data), "--exit-when-ready"]
    args += ["--clock-start", CLOCK_START]
    first = run(args, session_env(display=True))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    said = [
        "Starting the Enamel demo",
        "Creating the demo practice",
        "Starting the Open Dental simulator",
        "demo window is open",
        "Sign in as frontdesk",
        "password demo-password-2026",
        "Try first:",
        "ready",
    ]
    at = [next(i for i, line in enumerate(lines) if text in line) for text in said]
    assert at == sorted(at), first.stdout  # in the order things happen
    assert str(data) in first.stdout
    again = run(args, session_env(display=True))
    assert again.returncode == 0, again.stderr
    assert "Creating the demo practice" not in again.stdout  # only the first time
    assert "demo window is open" in again.stdout


def test_scripts_demo_says_it_installs(tmp_path: Path) -> None:
    """The install step announces itself (pip itself is quiet); run with a stand-in venv."""
    fake = tmp_path / "venv"
    (fake / "bin").mkdir(parents=True)
    for name, body in (
        ("python", 'if [ "$1" = "-c" ]; then exit 0; fi; echo "pip $*" >&2'),
        ("enamel", 'echo "enamel $*"'),
    ):
        (fake / "bin" / name).write_text(f"#!/bin/sh\n{body}\n")
        (fake / "bin" / name).chmod(0o755)
    env = session_env(display=True)
    env.pop("ENAMEL_DEMO_SKIP_INSTALL")
    env.update(ENAMEL_VENV=str(fake), PATH=f"{fake / 'bin'}:/usr/bin:/bin")
    done = run(["bash", "scripts/demo", "--exit-when-ready"], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.index("Installing Enamel into") < done.stdout.index("Installed.")
    assert done.stdout.index("Installed.") < done.stdout.index("enamel --demo --exit-when-ready")


@pytest.mark.parametrize(
    ("env", "platform", "missing"),
    [
        ({}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({}, "win32", False),
        ({}, "darwin", False),
    ],
)
def test_a_missing_display_is_known_before_qt_starts(
    env: dict[str, str], platform: str, missing: bool
) -> None:
    assert (missing_display(env, platform) is not None) is missing


def demo_services(root: Path, clock: ManualClock) -> Services:
    layout = DataLayout(root)
    result = initialise(layout, DemoKeyStore(root), "demo-practice", clock)
    return build_services(result.installation, clock)


def break_one(sim: SimulatorServer) -> int:
    apt_num = next(
        n for n, a in sorted(sim.practice.appointments.items()) if a["AptStatus"] == "Scheduled"
    )
    answer = httpx.put(
        f"{sim.url}/appointments/{apt_num}/Break",
        json={"sendToUnscheduledList": "true"},
        headers={"Authorization": f"ODFHIR {sim.developer_key}/{sim.customer_key}"},
    )
    assert answer.status_code == 200
    return apt_num


def test_the_demo_practice_is_the_same_after_a_restart_and_new_on_a_new_day(
    tmp_path: Path,
) -> None:
    clock = ManualClock()
    services = demo_services(tmp_path / "demo", clock)
    try:
        sim = demo.start_simulator(services)
        try:
            apt_num = break_one(sim)
        finally:
            sim.stop()
        desk = DeskRepository(services.installation.db)
        desk.add_noshow_outcome(apt_num, "rescheduled", None, "user_x", clock.now())

        clock.advance(3600)  # a restart the same day: the practice as it was left
        sim = demo.start_simulator(services)
        try:
            assert sim.practice.appointments[apt_num]["AptStatus"] == "UnschedList"
        finally:
            sim.stop()
        assert apt_num in desk.noshow_outcomes()

        clock.advance(timedelta(days=1).total_seconds())  # a new day: both start anew
        sim = demo.start_simulator(services)
        try:
            assert sim.practice.today == services.calendar.today()
            assert all(a["AptStatus"] != "UnschedList" for a in sim.practice.appointments.values())
        finally:
            sim.stop()
        assert desk.noshow_outcomes() == {}
    finally:
        services.close()
