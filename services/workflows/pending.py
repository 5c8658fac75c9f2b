"""PMS writes that wait for Open Dental: each write is kept before it is sent, sent at once
if the PMS answers, otherwise left pending for the "pms_writes" job, which sends them in the
order they were made. A write that may have landed is checked by its handler, not repeated."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from errors import EnamelError
from services.access import Actor, ActorType, Role
from services.clock import Clock
from services.pms.records import PmsUnavailable
from storage.pms_writes_repo import DONE, PENDING, REFUSED, PmsWritesRepository

# handler(actor, payload, write_id, from_queue): sends the write (checking first whether an
# earlier attempt landed, where the write is not idempotent) and records its audit entry.
Handler = Callable[[Actor, dict[str, Any], int, bool], None]


class PendingWrites:
    def __init__(self, repo: PmsWritesRepository, clock: Clock) -> None:
        self._repo = repo
        self._clock = clock
        self._handlers: dict[str, Handler] = {}
        # One write in flight at a time: the job and a screen never send the same row twice.
        self._sending = threading.Lock()

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def submit(self, kind: str, key: str, payload: dict[str, Any], actor: Actor) -> bool:
        """Keep the write, then send it: True when the PMS has it, False when it is pending
        (the PMS cannot be reached). A refusal is finished as refused and raised."""
        with self._sending:
            write_id = self._repo.add(
                kind, key, json.dumps(payload), actor.actor_id, actor.role.value, self._clock.now()
            )
            return self._send(kind, actor, payload, write_id, from_queue=False)

    def pending_keys(self, kind: str) -> set[str]:
        return self._repo.pending_keys(kind)

    def send_pending(self) -> str:
        """The job's round: every pending write, oldest first; stops (raising) at the first
        the PMS still cannot take, so later writes never overtake it."""
        sent = refused = 0
        for row in self._repo.pending():
            actor = Actor(row.actor_id, ActorType.HUMAN, Role(row.actor_role))
            with self._sending:
                if self._repo.state(row.write_id) != PENDING:
                    continue
                try:
                    if not self._send(
                        row.kind, actor, json.loads(row.payload), row.write_id, from_queue=True
                    ):
                        raise PmsUnavailable(
                            "The practice-management system cannot be reached; "
                            f"{len(self._repo.pending())} changes wait to be sent."
                        )
                except PmsUnavailable:
                    raise
                except EnamelError:  # refused by the PMS, or by the booking check
                    refused += 1
                    continue
            sent += 1
        left = len(self._repo.pending())
        parts = [f"{sent} sent"] if sent else []
        if refused:
            parts.append(f"{refused} refused by the PMS")
        return ", ".join([*parts, f"{left} waiting" if left else "nothing waiting"])

    def _send(
        self, kind: str, actor: Actor, payload: dict[str, Any], write_id: int, *, from_queue: bool
    ) -> bool:
        try:
            self._handlers[kind](actor, payload, write_id, from_queue)
        except PmsUnavailable as exc:
            self._repo.failed_attempt(write_id, exc.message)
            return False
        except Exception as exc:
            self._repo.finish(
                write_id, REFUSED, self._clock.now(), getattr(exc, "message", type(exc).__name__)
            )
            raise
        self._repo.finish(write_id, DONE, self._clock.now())
        return True
