"""PyInstaller entry for the `enamel-admin` command-line executable."""

from app.cli import run

run()
