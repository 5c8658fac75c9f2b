"""A process that appends audit batches until it is killed; prints each committed last seq."""

from __future__ import annotations

import sys
from pathlib import Path

from app.bootstrap import build_services
from services.access import Actor
from services.audit import AuditEvent
from services.installation import open_installation
from storage.keystore import KeyringKeyStore
from storage.layout import DataLayout


def main() -> None:
    services = build_services(open_installation(DataLayout(Path(sys.argv[1])), KeyringKeyStore()))
    actor = Actor.agent("crash_test")
    print("ready", flush=True)
    while True:
        events = [AuditEvent(action="recall_scan", actor=actor, purpose="recall_reminders")] * 25
        committed = services.trail.append_batch(events)
        print(committed[-1].seq, flush=True)


if __name__ == "__main__":
    main()
