"""A workstation's membership of a practice hub: hub.json (no secret) and its TLS key (a secret)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from errors import EnamelError
from services.hub.client import HubClient
from services.installation import Installation
from storage.layout import DataLayout

HUB_FILE = "hub.json"
TLS_KEY = "key.hub_tls"  # the workstation's TLS private key (PEM), in the encrypted secrets table
FORMAT = "enamel-hub-member-v1"


class NotJoined(EnamelError):
    exit_code = 2


@dataclass(frozen=True)
class HubMembership:
    """Where the hub is and how this PC proves itself to it (the key lives in the database)."""

    url: str
    ca_pem: str
    cert_pem: str
    practice_id: str
    workstation_id: str
    joined_at: str
    format: str = FORMAT

    def save(self, layout: DataLayout) -> None:
        path = hub_file(layout)
        tmp = path.with_suffix(".json.new")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True))
        os.replace(tmp, path)

    @staticmethod
    def load(layout: DataLayout) -> HubMembership | None:
        path = hub_file(layout)
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            if data.get("format") != FORMAT:
                raise ValueError("format")
            return HubMembership(**data)
        except (ValueError, TypeError, OSError):
            raise NotJoined(
                f"{path} is not a practice hub file. Join this PC again ('enamel-admin join CODE')."
            ) from None


def hub_file(layout: DataLayout) -> Path:
    return layout.root / HUB_FILE


def membership_of(installation: Installation) -> HubMembership | None:
    return HubMembership.load(installation.layout)


def client_for(
    installation: Installation, membership: HubMembership, deadline: float | None = None
) -> HubClient:
    """The mutual-TLS client of a joined workstation."""
    key = installation.secrets.get(TLS_KEY)
    if key is None:
        raise NotJoined(
            "This PC's key for the practice hub is missing. Join it again ('enamel-admin join CODE')."
        )
    if deadline is None:
        return HubClient.for_workstation(
            membership.url, membership.ca_pem, membership.cert_pem, key.decode("ascii")
        )
    return HubClient.for_workstation(
        membership.url, membership.ca_pem, membership.cert_pem, key.decode("ascii"), deadline
    )
