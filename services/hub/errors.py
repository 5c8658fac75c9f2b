"""What the hub refuses, with the HTTP status and the protocol's error code."""

from __future__ import annotations

from errors import EnamelError


class HubError(EnamelError):
    """A refused hub request: `status` and `code` go on the wire, `message` is for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class NotAHub(EnamelError):
    """The installation in this folder was not made by `enamel-admin hub init`."""


def bad_request(message: str) -> HubError:
    return HubError(400, "bad_request", message)


def forbidden(message: str, code: str = "forbidden") -> HubError:
    return HubError(403, code, message)
