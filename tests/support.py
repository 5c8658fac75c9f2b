"""Helpers shared by the tests: fake PHI, a PHI scanner, and running enamel-admin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.clock import Clock

# Recognisable and unlikely anywhere else: a scan that finds one found a leak.
FAKE_PHI = {
    "name": "Zebulon Quagmirefitz",
    "last_name": "Quagmirefitz",
    "phone": "555-867-5309",
    "email": "zebulon.q@phi-leak.example",
    "birthdate": "1957-03-14",
    "address": "742 Evergreen Terrace",
}


def phi_hits(paths: Iterable[Path], needles: Iterable[str]) -> list[tuple[Path, str]]:
    """Every (file, needle) where the needle's bytes appear in the file, any case, utf-8 or utf-16."""
    hits = []
    wanted = [n for n in needles if n]
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes().lower()
        for needle in wanted:
            for encoded in (needle.lower().encode(), needle.lower().encode("utf-16-le")):
                if encoded in data:
                    hits.append((path, needle))
                    break
    return hits


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@dataclass
class AdminResult:
    code: int
    out: str
    err: str


def admin(*args: str, stdin: str = "", clock: Clock | None = None) -> AdminResult:
    """Run enamel-admin in this process (fast), with the given standard input.

    `clock`: the time the command runs at; by default a manual clock at the tests' epoch,
    the same instant the `clock` fixture starts at, so no test depends on today's date.
    """
    from app.cli import main
    from services.clock import ManualClock

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args), clock or ManualClock())
    finally:
        sys.stdin = old_stdin
    return AdminResult(code, out.getvalue(), err.getvalue())


def admin_process(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> AdminResult:
    """Run enamel-admin as a separate process (for environment-dependent cases)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    return AdminResult(proc.returncode, proc.stdout, proc.stderr)


def passphrase_from(init_output: str) -> str:
    lines = [line.strip() for line in init_output.splitlines()]
    index = lines.index("RECOVERY PASSPHRASE (shown once; write it down and keep it locked away):")
    return lines[index + 2]
