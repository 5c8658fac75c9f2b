"""JSON-lines logging through an allow-list, so PHI cannot reach a log even by mistake.

A log call says *what happened* with a fixed event name (``log.info("pms.page_loaded",
extra={"count": 100})``). The formatter keeps the event name only if it looks like one
(dotted snake case), keeps only allow-listed extra fields whose values are plain tokens,
and records exceptions as class names and code locations, never messages or locals.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

EVENT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
TOKEN = re.compile(r"^[A-Za-z0-9_.:/+-]{0,80}$")
# Shapes that are PHI even inside an otherwise harmless token.
PHI_SHAPES = [
    re.compile(r"\d{3}[-. )]*\d{3}[-. ]*\d{4}"),  # phone numbers
    re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.I),  # e-mail addresses
    re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b"),  # dates (birth dates)
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # SSN
]

ALLOWED_FIELDS = frozenset(
    {
        "action",
        "actor_id",
        "actor_type",
        "attempt",
        "backend",
        "batch",
        "component",
        "correlation_id",
        "count",
        "duration_ms",
        "endpoint_kind",
        "error_class",
        "exit_code",
        "first_seq",
        "last_seq",
        "method",
        "outcome",
        "page",
        "path_template",
        "patient_ref",
        "practice_id",
        "purpose",
        "resource_ref",
        "retry_in_s",
        "role",
        "seq",
        "state",
        "status",
        "version",
        "workstation_id",
    }
)

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
REDACTED = "[redacted]"


def _safe_value(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = str(value)
    if not TOKEN.match(text) or any(p.search(text) for p in PHI_SHAPES):
        return REDACTED
    return text


def _safe_traceback(tb: TracebackType | None) -> list[str]:
    return [f"{Path(f.filename).name}:{f.lineno}:{f.name}" for f in traceback.extract_tb(tb)]


class PhiSafeJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = record.msg if isinstance(record.msg, str) else ""
        event = msg if EVENT.match(msg) and not record.args else REDACTED
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name if EVENT.match(record.name) else REDACTED,
            "event": event,
        }
        dropped = []
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key in ALLOWED_FIELDS:
                entry[key] = _safe_value(value)
            else:
                dropped.append(key)
        if dropped:
            entry["dropped_fields"] = len(dropped)
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _, tb = record.exc_info
            entry["error_class"] = exc_type.__name__
            entry["where"] = _safe_traceback(tb)
        return json.dumps(entry, sort_keys=True)


def keep_off_the_console() -> None:
    """Log records go to the log file or nowhere, never to the terminal.

    Without any handler, Python's last-resort handler prints warnings on stderr: a command
    that fails before the installation (and so its log file) is open would show a stray
    `cli.command_failed` line beside its own message. A null handler on the root takes that
    place; `configure_logging` adds the file beside it."""
    root = logging.getLogger()
    if not any(getattr(h, "_enamel_quiet", False) for h in root.handlers):
        quiet = logging.NullHandler()
        quiet._enamel_quiet = True  # type: ignore[attr-defined]
        root.addHandler(quiet)


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Route the root logger to a rotating JSON-lines file; install the exception hooks."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "enamel.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(PhiSafeJsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_enamel", False):
            root.removeHandler(old)
            old.close()
    handler._enamel = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    install_exception_hooks()
    return path


def _log_uncaught(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    logging.getLogger("app.uncaught").critical(
        "app.uncaught_exception", exc_info=(exc_type, exc, tb)
    )


def install_exception_hooks() -> None:
    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        _log_uncaught(exc_type, exc, tb)
        # The console gets the class and the places, never the message (it may hold PHI).
        sys.stderr.write(f"Enamel stopped on an unexpected error ({exc_type.__name__}).\n")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
