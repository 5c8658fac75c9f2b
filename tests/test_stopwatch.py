"""Idle time counts sleep: the stopwatch takes the larger of monotonic and wall-clock time."""

from __future__ import annotations

from services.clock import ManualClock, Stopwatch


def test_time_asleep_counts_and_a_clock_set_back_does_not_shorten_it() -> None:
    clock = ManualClock()
    watch = Stopwatch(clock)
    clock.advance(60)
    assert watch.elapsed() == 60
    clock.suspend(3600)  # asleep: only the wall clock moves
    assert watch.elapsed() == 3660
    watch.restart()
    clock.advance(30)
    clock.set(clock.now().replace(year=clock.now().year - 1))  # someone sets the date back
    assert watch.elapsed() == 30
