"""This PC's account directory with its own checks: the password and the TOTP code, verified here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.auth import passwords, totp
from storage.accounts_repo import CodeCheck, SqlAccountDirectory
from storage.database import Database


@dataclass(frozen=True)
class PasswordCheck:
    matched: bool
    rehashed: str | None  # today's hash of the password, when the stored one is weaker


class LocalAccountDirectory(SqlAccountDirectory):
    """SqlAccountDirectory plus the two checks of the AccountDirectory protocol.

    A single PC runs them on its own database; the practice hub runs them for every
    workstation (`/v1/directory/verify_password`, `/v1/directory/accept_totp_code`).
    """

    def __init__(
        self,
        db: Database,
        database_key: bytes,
        hash_params: passwords.HashParams = passwords.PRODUCTION,
    ) -> None:
        super().__init__(db, database_key)
        self._params = hash_params

    @property
    def hash_params(self) -> passwords.HashParams:
        """The parameters new hashes (and rehashes) are made with."""
        return self._params

    def verify_password(self, user_id: str, password: str) -> bool:
        """True if `password` is the account's; a hash made with weaker parameters is
        replaced by one made with today's (the only time the password is at hand)."""
        record = self.by_id(user_id)
        if record is None:
            return False
        checked = self.check_hash(record.password_hash, password)
        if checked.rehashed is not None:
            self.update(user_id, password_hash=checked.rehashed)
        return checked.matched

    def check_hash(self, encoded: str, password: str) -> PasswordCheck:
        """The Argon2 work of `verify_password` alone, without the database: the hub runs it
        on its hashing threads and writes the outcome on its database thread."""
        if not passwords.verify_password(encoded, password):
            return PasswordCheck(False, None)
        if passwords.needs_rehash(encoded, self._params):
            return PasswordCheck(True, passwords.hash_password(password, self._params))
        return PasswordCheck(True, None)

    def matching_step(self, user_id: str, code: str, now: datetime) -> int | None:
        """The step (now -1, 0, +1) whose code `code` is, for this account's secret; or None."""
        secret = self.totp_secret(user_id)
        return totp.matching_step(secret, code, now) if secret else None

    def accept_totp_code(self, user_id: str, code: str, now: datetime) -> CodeCheck:
        """Check `code` at `now`, then spend its step atomically (a step is used once)."""
        step = self.matching_step(user_id, code, now)
        if step is None:
            return CodeCheck.WRONG
        return CodeCheck.ACCEPTED if self.accept_totp_step(user_id, step) else CodeCheck.REUSED
