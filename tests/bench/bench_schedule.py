"""Day view draw time: 8 operatories x 60 appointments vs an empty view, in one process.

Run: .venv/bin/python -m tests.bench.bench_schedule
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, datetime, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ui.schedule.day_view import DayView
from ui.schedule.model import Block, Column, DayModel


def busy_day(operatories: int = 8, per_op: int = 60, seed: int = 7) -> DayModel:
    rng = random.Random(seed)
    columns = [Column(i + 1, f"Operatory {i + 1}") for i in range(operatories)]
    blocks = []
    key = 0
    for column in columns:
        t = datetime(2026, 11, 23, 7, 0)
        for _ in range(per_op):
            minutes = rng.choice([10, 10, 15, 20])
            key += 1
            status = rng.choice(["Scheduled", "Scheduled", "Complete", "Broken"])
            blocks.append(
                Block(
                    key,
                    column.key,
                    t,
                    minutes,
                    f"Patient {key:04d}",
                    "Recall · Prophy",
                    status,
                    rng.random() < 0.5,
                )
            )
            t += timedelta(minutes=minutes)
    model = DayModel(date(2026, 11, 23), columns, blocks)
    model.fit_hours()
    return model


def _draw_ms(view: DayView, model: DayModel, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        view.set_model(model)
        image = QImage(view.size(), QImage.Format.Format_ARGB32_Premultiplied)
        view.render(image)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> dict[str, Any]:
    app = QApplication.instance() or QApplication([])
    view = DayView()
    model = busy_day()
    view.set_model(model)
    view.resize(1600, view.sizeHint().height())
    empty = DayModel(model.day, model.columns, [], model.open_minute, model.close_minute)
    empty_ms = _draw_ms(view, empty)
    full_ms = _draw_ms(view, model)
    assert app is not None
    return {
        "blocks": len(model.blocks),
        "empty_ms": empty_ms,
        "full_ms": full_ms,
        "ratio": full_ms / empty_ms if empty_ms else float("inf"),
    }


def main() -> None:
    r = run()
    print(
        f"day view, {r['blocks']} appointments, whole day: {r['full_ms']:.1f} ms (budget < 100 ms)"
    )
    print(f"empty view, same grid: {r['empty_ms']:.1f} ms; ratio {r['ratio']:.1f}")


if __name__ == "__main__":
    main()
