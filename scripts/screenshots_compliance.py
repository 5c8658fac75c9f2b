"""Screenshots of every compliance screen at 1366x768 and of every page of every compliance PDF.

Run under Xvfb:  xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshots_compliance.py

The screens come from the compliance UI tests (real widgets, the test practice, names not ids),
the checklist-evidence test on the demo and the practice audit test (the viewer at a joined
PC over a live hub and three workstation processes), which save them when ENAMEL_SCREENSHOTS
names a folder; the PDFs those tests write are rendered page by page with poppler's pdftoppm (the
bytes the officer prints), 1366 pixels wide. Writes docs/screenshots/compliance-*.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
TESTS = [
    "tests/compliance/test_ui.py",
    "tests/ui/test_checklist_evidence.py",
    "tests/hub/test_practice_audit_e2e.py",  # the viewer at a joined PC over a live hub
]


def main() -> int:
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is missing (Debian: apt-get install poppler-utils).", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ENAMEL_SCREENSHOTS": tmp}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", *TESTS], cwd=ROOT, env=env)
        if run.returncode != 0:
            return run.returncode
        for old in OUT.glob("compliance-pdf-*.png"):
            old.unlink()
        for png in sorted(Path(tmp).glob("compliance-*.png")):
            shutil.copy(png, OUT / png.name)
            print(OUT / png.name)
        for pdf in sorted(Path(tmp).glob("compliance-*.pdf")):
            stem = "compliance-pdf-" + pdf.stem.removeprefix("compliance-")
            prefix = Path(tmp) / stem
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-scale-to-x",
                    "1366",
                    "-scale-to-y",
                    "-1",
                    str(pdf),
                    str(prefix),
                ],
                check=True,
            )
            for page in sorted(Path(tmp).glob(f"{stem}-*.png")):
                tail = page.stem.removeprefix(stem + "-")
                if not tail.isdigit():  # another PDF's pages (a longer name)
                    continue
                number = int(tail)
                target = OUT / f"{stem}-page{number}.png"
                shutil.copy(page, target)
                print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
