"""`python -m app.hub`: the same as `enamel-hub`."""

from app.hub import run

run()
