"""python -m app.cli == enamel-admin."""

from app.cli import run

run()
