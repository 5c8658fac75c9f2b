"""Builds the hub's services on its open installation (the hub's composition root)."""

from __future__ import annotations

from app.bootstrap import user_agent
from services.audit import AuditTrail, Pseudonymizer
from services.auth.local_directory import LocalAccountDirectory
from services.clock import Clock
from services.hub.directory_rpc import DirectoryRpc
from services.hub.registry import Registry
from services.hub.service import HubServices
from services.hub.settings import PracticeSettings
from services.hub.state import load_hub
from services.hub.tokens import ActorTokens
from services.installation import ARCHIVE_KEY, PSEUDONYM_KEY, Installation
from storage.hub_repo import HubRepository


def build_hub(installation: Installation, clock: Clock) -> HubServices:
    config = load_hub(installation)
    pseudonym = installation.secrets.require(PSEUDONYM_KEY)
    archive = installation.secrets.require(ARCHIVE_KEY)
    trail = AuditTrail(
        installation.db,
        clock,
        Pseudonymizer(pseudonym),
        practice_id=installation.practice_id,
        workstation_id=installation.workstation_id,
        user_agent=user_agent().replace("enamel/", "enamel-hub/"),
    )
    accounts = LocalAccountDirectory(installation.db, installation.database_key)
    repo = HubRepository(installation.db)
    tokens = ActorTokens(repo, accounts, clock)
    return HubServices(
        installation=installation,
        config=config,
        clock=clock,
        trail=trail,
        accounts=accounts,
        repo=repo,
        registry=Registry(repo, config, trail, clock, (pseudonym, archive)),
        tokens=tokens,
        settings=PracticeSettings(repo, trail, clock),
        directory=DirectoryRpc(accounts, tokens, repo, trail, clock),
    )
