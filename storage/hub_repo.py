"""The practice hub's SQL: workstations, invites, actor tokens, practice settings, TOTP step uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database


def _when(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class WorkstationRow:
    workstation_id: str
    name: str
    cert_serial: str
    joined_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None


@dataclass(frozen=True)
class InviteRow:
    token_hash: str
    name: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class TokenRow:
    user_id: str
    workstation_id: str
    issued_at: datetime
    expires_at: datetime
    ended_at: datetime | None


_WS = "workstation_id, name, cert_serial, joined_at, revoked_at, last_seen_at"


def _ws(row: tuple[object, ...]) -> WorkstationRow:
    joined = _when(row[3])
    assert joined is not None
    return WorkstationRow(
        str(row[0]), str(row[1]), str(row[2]), joined, _when(row[4]), _when(row[5])
    )


class HubRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- workstations -----------------------------------------------------------------------

    def workstation_by_serial(self, serial: str) -> WorkstationRow | None:
        row = (
            self._db.connection()
            .execute(f"SELECT {_WS} FROM hub_workstations WHERE cert_serial = ?", (serial,))
            .fetchone()
        )
        return None if row is None else _ws(row)

    def workstation(self, workstation_id: str) -> WorkstationRow | None:
        row = (
            self._db.connection()
            .execute(
                f"SELECT {_WS} FROM hub_workstations WHERE workstation_id = ?", (workstation_id,)
            )
            .fetchone()
        )
        return None if row is None else _ws(row)

    def workstations(self) -> list[WorkstationRow]:
        rows = self._db.connection().execute(
            f"SELECT {_WS} FROM hub_workstations ORDER BY joined_at, workstation_id"
        )
        return [_ws(r) for r in rows]

    def revoke(self, workstation_id: str, now: datetime) -> bool:
        with self._db.transaction() as conn:
            changed = conn.execute(
                "UPDATE hub_workstations SET revoked_at = ? WHERE workstation_id = ? "
                "AND revoked_at IS NULL",
                (now.isoformat(), workstation_id),
            ).rowcount
            conn.execute(
                "UPDATE hub_actor_tokens SET ended_at = ? WHERE workstation_id = ? "
                "AND ended_at IS NULL",
                (now.isoformat(), workstation_id),
            )
        return bool(changed)

    def seen(self, workstation_id: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE hub_workstations SET last_seen_at = ? WHERE workstation_id = ?",
                (now.isoformat(), workstation_id),
            )

    # -- invites ----------------------------------------------------------------------------

    def add_invite(self, token_hash: str, name: str, now: datetime, expires: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO hub_invites(token_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (token_hash, name, now.isoformat(), expires.isoformat()),
            )

    def spend_invite(
        self,
        token_hash: str,
        now: datetime,
        workstation: WorkstationRow,
        *,
        rejoin: bool = False,
    ) -> str | None:
        """Mark the invite used and record the workstation, in one transaction.

        Returns the invite's name, or None (nothing written) if the token is unknown, used or
        expired, or the workstation id is taken. With `rejoin` a taken id is re-enrolled
        instead when the invite was made under the name the hub lists it by (IT names the PC
        it means): its row gets the new certificate (the old one is refused from then on) and
        no revocation; its chain at the hub is not touched.
        """
        with self._db.transaction() as conn:
            row = conn.execute(
                "SELECT name, expires_at, used_at FROM hub_invites WHERE token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None or row[2] is not None or datetime.fromisoformat(str(row[1])) <= now:
                return None
            taken = conn.execute(
                "SELECT name FROM hub_workstations WHERE workstation_id = ?",
                (workstation.workstation_id,),
            ).fetchone()
            if taken is not None and not (rejoin and str(taken[0]) == str(row[0])):
                return None
            conn.execute(
                "UPDATE hub_invites SET used_at = ?, workstation_id = ? WHERE token_hash = ?",
                (now.isoformat(), workstation.workstation_id, token_hash),
            )
            if taken is not None:
                conn.execute(
                    "UPDATE hub_workstations SET cert_serial = ?, revoked_at = NULL, "
                    "last_seen_at = ? WHERE workstation_id = ?",
                    (
                        workstation.cert_serial,
                        now.isoformat(),
                        workstation.workstation_id,
                    ),
                )
                return str(row[0])
            conn.execute(
                f"INSERT INTO hub_workstations({_WS}) VALUES (?, ?, ?, ?, NULL, ?)",
                (
                    workstation.workstation_id,
                    workstation.name,
                    workstation.cert_serial,
                    workstation.joined_at.isoformat(),
                    now.isoformat(),
                ),
            )
        return str(row[0])

    def invite(self, token_hash: str) -> InviteRow | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT token_hash, name, created_at, expires_at, used_at FROM hub_invites "
                "WHERE token_hash = ?",
                (token_hash,),
            )
            .fetchone()
        )
        if row is None:
            return None
        created, expires = _when(row[2]), _when(row[3])
        assert created is not None and expires is not None
        return InviteRow(str(row[0]), str(row[1]), created, expires, _when(row[4]))

    # -- actor tokens -----------------------------------------------------------------------

    def add_token(
        self, token_hash: str, user_id: str, workstation_id: str, now: datetime, expires: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO hub_actor_tokens(token_hash, user_id, workstation_id, issued_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                (token_hash, user_id, workstation_id, now.isoformat(), expires.isoformat()),
            )

    def token(self, token_hash: str) -> TokenRow | None:
        row = (
            self._db.connection()
            .execute(
                "SELECT user_id, workstation_id, issued_at, expires_at, ended_at "
                "FROM hub_actor_tokens WHERE token_hash = ?",
                (token_hash,),
            )
            .fetchone()
        )
        if row is None:
            return None
        issued, expires = _when(row[2]), _when(row[3])
        assert issued is not None and expires is not None
        return TokenRow(str(row[0]), str(row[1]), issued, expires, _when(row[4]))

    def end_token(self, token_hash: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE hub_actor_tokens SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                (now.isoformat(), token_hash),
            )

    def end_tokens_of(self, user_id: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE hub_actor_tokens SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL",
                (now.isoformat(), user_id),
            )

    # -- practice settings ------------------------------------------------------------------

    def practice_settings(self) -> tuple[dict[str, str], int]:
        conn = self._db.connection()
        values = {
            str(n): str(v)
            for n, v in conn.execute("SELECT name, value FROM hub_practice_settings ORDER BY name")
        }
        row = conn.execute("SELECT value FROM hub_meta WHERE name = 'settings_version'").fetchone()
        return values, 0 if row is None else int(row[0])

    def set_practice_setting(self, name: str, value: str, now: datetime, by: str) -> int:
        """Store the value and return the new settings version."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO hub_practice_settings(name, value, changed_at, changed_by) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, "
                "changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                (name, value, now.isoformat(), by),
            )
            conn.execute(
                "INSERT INTO hub_meta(name, value) VALUES ('settings_version', '1') "
                "ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            row = conn.execute(
                "SELECT value FROM hub_meta WHERE name = 'settings_version'"
            ).fetchone()
        return int(row[0])

    # -- TOTP step uses ---------------------------------------------------------------------

    def accept_step(
        self,
        user_id: str,
        step: int,
        workstation_id: str,
        token_hash: str,
        now: datetime,
        expires: datetime,
    ) -> bool:
        """SqlAccountDirectory.accept_totp_step, the step's record and the actor token, in one
        transaction (one write to disk per sign-in instead of three)."""
        with self._db.transaction() as conn:
            updated = conn.execute(
                "UPDATE accounts SET last_totp_step = ? WHERE user_id = ? AND last_totp_step < ?",
                (step, user_id, step),
            ).rowcount
            if not updated:
                return False
            conn.execute(
                "INSERT OR IGNORE INTO hub_step_uses(user_id, step, workstation_id, source, at) "
                "VALUES (?, ?, ?, 'online', ?)",
                (user_id, step, workstation_id, now.isoformat()),
            )
            conn.execute(
                "INSERT INTO hub_actor_tokens(token_hash, user_id, workstation_id, issued_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                (token_hash, user_id, workstation_id, now.isoformat(), expires.isoformat()),
            )
        return True

    def note_step(
        self, user_id: str, step: int, workstation_id: str, source: str, at: datetime
    ) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO hub_step_uses(user_id, step, workstation_id, source, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, step, workstation_id, source, at.isoformat()),
            )

    def reconcile_step(self, user_id: str, step: int, workstation_id: str, at: datetime) -> bool:
        """Record an offline use; True if the step was seen before (online, or elsewhere)."""
        with self._db.transaction() as conn:
            others = conn.execute(
                "SELECT count(*) FROM hub_step_uses WHERE user_id = ? AND step = ? "
                "AND (workstation_id != ? OR source = 'online')",
                (user_id, step, workstation_id),
            ).fetchone()
            conn.execute(
                "INSERT OR IGNORE INTO hub_step_uses(user_id, step, workstation_id, source, at) "
                "VALUES (?, ?, ?, 'offline', ?)",
                (user_id, step, workstation_id, at.isoformat()),
            )
            # The step is spent practice-wide from now on.
            conn.execute(
                "UPDATE accounts SET last_totp_step = ? WHERE user_id = ? AND last_totp_step < ?",
                (step, user_id, step),
            )
        return int(others[0]) > 0
