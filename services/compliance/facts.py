"""What the compliance tools need to know from identity and the archive, as small protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from storage.accounts_repo import AccountDirectory
from storage.archive_repo import ArchiveRepository


@dataclass(frozen=True)
class UserFact:
    """One account as the access review and the disabled-account rule see it (no PHI)."""

    user_id: str
    login: str
    display_name: str
    role: str
    disabled: bool
    last_sign_in: datetime | None
    mfa_enrolled: bool
    password_changed_at: datetime | None
    created_at: datetime | None = None
    disabled_at: datetime | None = None  # unknown (None): every later entry counts


class UserFacts(Protocol):
    def users(self) -> list[UserFact]: ...


class ArchiveFacts(Protocol):
    def last_success(self) -> datetime | None: ...


class AccountDirectoryFacts:
    """UserFacts over the identity engineer's AccountDirectory."""

    def __init__(self, directory: AccountDirectory) -> None:
        self._directory = directory

    def users(self) -> list[UserFact]:
        return [
            UserFact(
                user_id=r.user_id,
                login=r.login,
                display_name=r.display_name,
                role=r.role,
                disabled=r.disabled,
                last_sign_in=r.last_sign_in_at,
                mfa_enrolled=r.totp_enrolled,
                password_changed_at=r.password_changed_at,
                created_at=r.created_at,
                disabled_at=r.disabled_at,
            )
            for r in self._directory.all()
        ]

    def break_glass_reasons(self, user_id: str, at: datetime) -> list[str]:
        """The reasons stated for the grants of `user_id` in force at `at` (or started then)."""
        reasons = []
        for grant in self._directory.break_glass_grants(user_id):
            started = datetime.fromisoformat(grant["started_at"])
            until = datetime.fromisoformat(grant["until"])
            if started - timedelta(seconds=5) <= at <= until:
                reasons.append(grant["reason"])
        return reasons


class ArchiveRepositoryFacts:
    """ArchiveFacts over the archive engineer's ArchiveRepository."""

    def __init__(self, repo: ArchiveRepository) -> None:
        self._repo = repo

    def last_success(self) -> datetime | None:
        return self._repo.state()[0]


class StaticUserFacts:
    """A fixed list (tests, and installations without accounts yet)."""

    def __init__(self, users: list[UserFact] | None = None) -> None:
        self._users = list(users or [])

    def users(self) -> list[UserFact]:
        return list(self._users)
