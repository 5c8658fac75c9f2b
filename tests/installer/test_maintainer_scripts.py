"""The .deb's maintainer scripts, run for real in a private mount namespace.

postinst makes the hub's system user and its folder, and never enables or starts the hub;
each script calls systemctl only where systemd runs the machine. /etc and /var are copies
seen by that namespace only, and systemctl is a recorder (a real one would need a running
systemd), so this machine's users and services are untouched. Needs root and unshare.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "installer" / "linux"

NAMESPACE = r"""
set -eu
T=$1; shift
mount --make-rprivate /
mount --bind "$T/etc" /etc
mount --bind "$T/var" /var
if [ "$SYSTEMD_RUNNING" = 1 ]; then
  mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system
fi
PATH="$T/bin:$PATH"
for step in "$@"; do
  # shellcheck disable=SC2086
  sh $step
done
getent passwd enamel-hub | cut -d: -f1,6,7
stat -c '%U:%G %a' /var/lib/enamel-hub
"""


def _run(tmp_path: Path, steps: list[str], systemd_running: bool) -> tuple[str, list[str]]:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare (a private mount namespace)")
    probe = subprocess.run(["unshare", "--mount", "--fork", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr.decode()[-300:]}")
    shutil.copytree("/etc", tmp_path / "etc", symlinks=True)
    (tmp_path / "var" / "lib").mkdir(parents=True)
    (tmp_path / "var" / "log").mkdir()
    (tmp_path / "bin").mkdir()
    calls = tmp_path / "systemctl-calls"
    recorder = tmp_path / "bin" / "systemctl"
    recorder.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    recorder.chmod(0o755)
    done = subprocess.run(
        ["unshare", "--mount", "--fork", "sh", "-c", NAMESPACE, "sh", str(tmp_path), *steps],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, SYSTEMD_RUNNING="1" if systemd_running else "0"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    recorded = calls.read_text().splitlines() if calls.exists() else []
    return done.stdout, recorded


def test_postinst_makes_the_hub_user_and_folder_and_stays_silent_without_systemd(
    tmp_path: Path,
) -> None:
    out, calls = _run(tmp_path, [f"{SCRIPTS}/postinst configure"], systemd_running=False)
    assert out.splitlines() == [
        "enamel-hub:/var/lib/enamel-hub:/usr/sbin/nologin",
        "enamel-hub:enamel-hub 700",
    ]
    assert calls == []
    # This machine's own user list is untouched.
    assert "enamel-hub:" not in Path("/etc/passwd").read_text()


def test_with_systemd_postinst_reloads_an_upgrade_restarts_and_removal_stops_and_disables(
    tmp_path: Path,
) -> None:
    out, calls = _run(
        tmp_path,
        [
            f"{SCRIPTS}/postinst configure",  # first install
            f"{SCRIPTS}/postinst configure 0.1.0",  # upgrade from 0.1.0 (run twice: idempotent)
            f"{SCRIPTS}/prerm remove",
            f"{SCRIPTS}/postrm remove",
        ],
        systemd_running=True,
    )
    assert "enamel-hub:enamel-hub 700" in out  # the data folder stays after removal
    assert calls == [
        "--system daemon-reload",
        "--system daemon-reload",
        "try-restart enamel-hub.service",
        "stop enamel-hub.service",
        "disable enamel-hub.service",
        "--system daemon-reload",
    ]
    assert not [c for c in calls if c.startswith(("enable", "start"))]
