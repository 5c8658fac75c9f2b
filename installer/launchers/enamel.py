"""PyInstaller entry for the `enamel` desktop executable."""

from app.gui import run

run()
