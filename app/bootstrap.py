"""The composition root: builds the services of one open installation and wires them."""

from __future__ import annotations

import platform
from dataclasses import dataclass

from services.audit import AuditTrail, PhiGateway, Pseudonymizer
from services.clock import Clock, SystemClock
from services.installation import PSEUDONYM_KEY, Installation

VERSION = "0.1.0"


def user_agent() -> str:
    return f"enamel/{VERSION} ({platform.system().lower()})"


@dataclass
class Services:
    """Everything the GUI and the admin tool use, built once per process."""

    installation: Installation
    clock: Clock
    trail: AuditTrail
    gateway: PhiGateway

    def close(self) -> None:
        self.installation.close()


def build_services(installation: Installation, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    pseudonymizer = Pseudonymizer(installation.secrets.require(PSEUDONYM_KEY))
    trail = AuditTrail(
        installation.db,
        clock,
        pseudonymizer,
        practice_id=installation.practice_id,
        workstation_id=installation.workstation_id,
        user_agent=user_agent(),
    )
    return Services(
        installation=installation,
        clock=clock,
        trail=trail,
        gateway=PhiGateway(trail, clock),
    )
