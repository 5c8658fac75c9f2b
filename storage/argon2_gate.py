"""How many Argon2id computations may run at once in this process: each takes its OpenSSL threads.

`cryptography` caps OpenSSL's thread pool at the machine's cores (`OSSL_set_max_threads`) and
gives each Argon2 computation min(lanes, cores) of those threads. OpenSSL takes them one by
one and waits for a free one: two computations that together ask for more than the cap each
hold some and wait for the rest, for ever (measured: two 4-lane checks at once on two cores
never return). So every Argon2id call in Enamel takes its threads from this gate first; a
check that already uses every core runs alone, smaller ones side by side.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path


def cores() -> int:
    """The cores this process may use, counted as low as any of the ways of counting them
    (CPU affinity, the cgroup's CPU quota): never more than OpenSSL's cap."""
    counts = [os.cpu_count() or 1]
    if hasattr(os, "sched_getaffinity"):
        counts.append(len(os.sched_getaffinity(0)))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            counts.append(int(quota) // int(period))
    except (OSError, ValueError):
        pass
    return max(1, min(counts))


class _ThreadBudget:
    def __init__(self, total: int) -> None:
        self.total = total
        self._free = total
        self._changed = threading.Condition()
        self.taken = 0  # computations that took their threads here, for diagnostics

    @contextmanager
    def take(self, lanes: int) -> Iterator[None]:
        wanted = max(1, min(lanes, self.total))
        with self._changed:
            self._changed.wait_for(lambda: self._free >= wanted)
            self._free -= wanted
            self.taken += 1
        try:
            yield
        finally:
            with self._changed:
                self._free += wanted
                self._changed.notify_all()


_BUDGET = _ThreadBudget(cores())


def argon2_threads(lanes: int) -> AbstractContextManager[None]:
    """Hold this around one Argon2id computation of `lanes` lanes."""
    return _BUDGET.take(lanes)


def computations() -> int:
    """How many Argon2id computations this process has run through the gate (diagnostics: the
    tests count them to show that a check did its Argon2 work)."""
    with _BUDGET._changed:
        return _BUDGET.taken


def threads_total() -> int:
    """The threads Argon2 computations share: the most that can run at once (1-lane ones)."""
    return _BUDGET.total
