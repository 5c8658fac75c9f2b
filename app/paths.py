"""Where an installation lives: --data-dir, then ENAMEL_DATA_DIR, then the platform default."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from storage.layout import DataLayout

APP_NAME = "Enamel"


def resolve_data_dir(explicit: str | None, *, demo: bool = False) -> Path:
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("ENAMEL_DATA_DIR")
    if env:
        base = Path(env).expanduser().resolve()
        return base / "demo" if demo else base
    base = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return base / "demo" if demo else base


def layout_for(explicit: str | None, *, demo: bool = False) -> DataLayout:
    return DataLayout(resolve_data_dir(explicit, demo=demo))
