"""The project's base error: a message safe to show a person, and an exit code.

It sits below every layer (app -> ui -> services -> storage -> errors) so that each layer
raises and catches one kind of error without importing another layer to get it; each
layer defines its own subclasses next to the code that raises them.
"""

from __future__ import annotations


class EnamelError(Exception):
    """An error with a message safe to show a user (never PHI) and a process exit code.

    Exit codes follow the admin tool's contract: 1 a check failed, 2 a usage or
    environment error.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
