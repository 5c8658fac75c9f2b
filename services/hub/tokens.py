"""Actor tokens: proof, for the hub, that a person signed in at a workstation (12 hours at most)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from services.access import Actor, ActorType, Role
from services.clock import Clock
from services.hub.registry import token_hash
from storage.accounts_repo import AccountDirectory
from storage.hub_repo import HubRepository

TOKEN_LIFETIME = timedelta(hours=12)


class ActorTokens:
    def __init__(self, repo: HubRepository, accounts: AccountDirectory, clock: Clock) -> None:
        self._repo = repo
        self._accounts = accounts
        self._clock = clock

    def issue(self, user_id: str, workstation_id: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        self._repo.add_token(token_hash(token), user_id, workstation_id, now, now + TOKEN_LIFETIME)
        return token

    def accept_step(self, user_id: str, step: int, workstation_id: str) -> str | None:
        """Spend `step` for the account practice-wide; the new actor token, or None if it
        (or a later one) was used already."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        accepted = self._repo.accept_step(
            user_id, step, workstation_id, token_hash(token), now, now + TOKEN_LIFETIME
        )
        return token if accepted else None

    def actor(self, token: str | None, workstation_id: str) -> Actor | None:
        """The person whose valid token this is, at this workstation; None otherwise."""
        if not token:
            return None
        row = self._repo.token(token_hash(token))
        if row is None or row.ended_at is not None or row.workstation_id != workstation_id:
            return None
        if self._clock.now() >= row.expires_at:
            return None
        record = self._accounts.by_id(row.user_id)
        if record is None or record.disabled:
            return None
        return Actor(record.user_id, ActorType.HUMAN, Role(record.role), auth_flags=("hub",))

    def ended(self, tokens: list[str], workstation_id: str) -> list[str]:
        return [t for t in tokens if self.actor(t, workstation_id) is None]

    def end(self, token: str) -> None:
        self._repo.end_token(token_hash(token), self._clock.now())

    def end_all_of(self, user_id: str) -> None:
        self._repo.end_tokens_of(user_id, self._clock.now())
