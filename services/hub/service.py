"""Everything the hub's server and `enamel-admin hub` call, built on one open hub installation."""

from __future__ import annotations

from dataclasses import dataclass

from services.audit import AuditTrail
from services.auth.local_directory import LocalAccountDirectory
from services.clock import Clock
from services.hub.directory_rpc import DirectoryRpc
from services.hub.registry import Registry
from services.hub.settings import PracticeSettings
from services.hub.state import HubConfig
from services.hub.tokens import ActorTokens
from services.installation import Installation
from storage.hub_repo import HubRepository


@dataclass
class HubServices:
    installation: Installation
    config: HubConfig
    clock: Clock
    trail: AuditTrail
    accounts: LocalAccountDirectory
    repo: HubRepository
    registry: Registry
    tokens: ActorTokens
    settings: PracticeSettings
    directory: DirectoryRpc

    @property
    def practice_id(self) -> str:
        return self.installation.practice_id
