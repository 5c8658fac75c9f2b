"""Where to save an export: a file dialog that the idle lock can close."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget


def ask_save_path(parent: QWidget, title: str, suggested: str, pattern: str) -> Path | None:
    """The path the person chose, or None if they (or the idle lock) cancelled.

    Qt's own dialog, not the platform's: a native one runs outside Qt's windows, where
    locking cannot reach it, and would save PHI for whoever sits down after the lock."""
    dialog = QFileDialog(parent, title, suggested, pattern)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.selectFile(suggested)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = dialog.selectedFiles()
        return Path(chosen[0]) if chosen and chosen[0] else None
    finally:
        dialog.deleteLater()
