"""Numbered schema migrations, applied in order and recorded in user_version.

Most are SQL files (NNNN_name.sql). A step that needs the database key (to re-encrypt the
values encrypted inside the database) is a Python module `vNNNN_name.py` with
`upgrade(conn, database_key)`, listed in `_KEYED` (imported, not discovered, so a frozen
build carries it). Both kinds share one numbering.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from storage.migrations import v0007_field_keys

Step = Callable[[Any, bytes], None]

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_KEYED: dict[int, Step] = {7: v0007_field_keys.upgrade}


def _sql_step(sql: str) -> Step:
    def run(conn: Any, database_key: bytes) -> None:
        for statement in _split(sql):
            conn.execute(statement)

    return run


def _migrations() -> list[tuple[int, Step]]:
    found: list[tuple[int, Step]] = list(_KEYED.items())
    for entry in resources.files(__name__).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), _sql_step(entry.read_text(encoding="utf-8"))))
    found.sort(key=lambda step: step[0])
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {numbers}")
    return found


MIGRATIONS = _migrations()
LATEST_VERSION = len(MIGRATIONS)


def apply_migrations(conn: Any, database_key: bytes) -> int:
    """Apply every migration above the database's user_version, each in its own transaction.

    `database_key` is the key the encrypted values inside the database are under (the
    SQLCipher key, except while a restore moves a backup's values to this installation's key).
    """
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    for number, step in MIGRATIONS:
        if number <= current:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn, database_key)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = number
    return current


def _split(sql: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements: list[str] = []
    buf: list[str] = []
    depth = 0
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buf.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            depth = 1
        if depth and upper in ("END;", "END"):
            depth = 0
        if not depth and stripped.endswith(";"):
            statements.append("\n".join(buf))
            buf = []
    if buf:
        statements.append("\n".join(buf))
    return statements
