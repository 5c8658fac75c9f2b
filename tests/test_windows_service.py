"""app/windows_service.py off Windows: the exit code it reports and its refusal to run.

The service protocol itself (advapi32) runs only on Windows: scripts/test-windows installs the
hub service under Wine.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from app.windows_service import exit_code_of, run_as_service


def _exits(code: object) -> None:
    raise SystemExit(code)


def _interrupted() -> None:
    raise KeyboardInterrupt


def _broken() -> None:
    raise NotImplementedError("add_signal_handler")


@pytest.mark.parametrize(
    ("main", "code"),
    [
        (lambda: _exits(3), 3),
        (lambda: _exits(None), 0),
        (lambda: _exits("failed"), 1),
        (_interrupted, 0),  # the service's Stop, delivered as Ctrl+C
        (_broken, 1),  # an unexpected error: a failure the SCM restarts, with its trace logged
        (lambda: 5, 5),
        (lambda: None, 0),
    ],
)
def test_the_service_reports_the_programs_exit_code(main: Callable[[], object], code: int) -> None:
    assert exit_code_of(main) == code


@pytest.mark.skipif(sys.platform == "win32", reason="off Windows only")
def test_off_windows_the_service_mode_refuses_and_runs_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ran: list[bool] = []
    assert run_as_service("EnamelHub", lambda: ran.append(True)) == 2
    assert not ran
    assert "Windows only" in capsys.readouterr().err
