"""Guard against Qt bindings that leak a reference to None on every void call.

PySide6 6.12.0 on Python 3.11 does: a day of painting drives None's reference count to
zero and the app aborts. This paints far more than a day's worth in a child process.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication
app = QApplication([])
image = QImage(64, 64, QImage.Format.Format_ARGB32_Premultiplied)
painter = QPainter(image)
rect = QRectF(1, 1, 30, 30)
colour = QColor("#2563eb")
for _ in range(400_000):
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(rect, 4, 4)
painter.end()
print("painted")
"""


def test_painting_does_not_exhaust_none() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "painted" in done.stdout
