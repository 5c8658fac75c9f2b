"""SIGKILL a writer at random points: no acknowledged entry lost, no half-written entry."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest

from app.bootstrap import Services
from services.audit import verify_local

ROUNDS = 25


@pytest.mark.slow
def test_killed_writers_leave_a_whole_chain(services: Services) -> None:
    root = services.installation.layout.root
    rng = random.Random(20261123)
    acknowledged = 0
    for _ in range(ROUNDS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.audit.crash_writer", str(root)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        seqs = [int(line) for line in out.split() if line.isdigit()]
        if seqs:
            acknowledged = max(acknowledged, seqs[-1])
        result = verify_local(services.trail.repository)
        assert result.ok, result.broken
        assert result.last_seq >= acknowledged  # every acknowledged entry survived
        assert result.entries % 25 == 0  # batches are all or nothing
    assert acknowledged > 0
