"""Recall reminders: overdue recalls with name, phone, last visit, type; outcomes; call lists.

Each call is recorded in Open Dental with Recalls PUT Status: the recall's status where the
office has a status for the outcome ("Contacted", "Left Msg"), and always the Recall commlog
Open Dental writes with it, so the follow-up shows where the rest of the office looks.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.access import Actor, Permission, Purpose
from services.audit import Outcome, RecordKind, Touched
from services.pms.records import PmsUnavailable, RecallDue
from services.workflows.context import DeskContext
from services.workflows.guard import require_write
from services.workflows.pending import PendingWrites

PURPOSE = Purpose.RECALL_REMINDERS
OUTCOMES = ("contacted", "left_message", "scheduled", "no_answer")
WRITE_KIND = "recall_call"  # in the queue of writes waiting for the PMS
# The office's recall status names that say each outcome (definition category 13), tried in
# order; an outcome with none found keeps the recall's status and is only a commlog.
STATUS_NAMES = {
    "contacted": ("contacted",),
    "left_message": ("left msg", "left message"),
    "scheduled": ("scheduled", "appointment scheduled"),
    "no_answer": ("no answer",),
}
NOTES = {
    "contacted": "Recall reminder call: patient reached.",
    "left_message": "Recall reminder call: left a message.",
    "scheduled": "Recall reminder call: appointment scheduled.",
    "no_answer": "Recall reminder call: no answer.",
}


@dataclass(frozen=True)
class RecallItem:
    recall: RecallDue
    days_overdue: int
    last_outcome: str
    pending: bool = False  # the call waits to be sent to the PMS


class RecallService:
    def __init__(self, ctx: DeskContext, pending: PendingWrites | None = None) -> None:
        self._ctx = ctx
        self._pending = pending
        self._statuses: dict[str, int] | None = None  # the office's, read at the first call
        if pending is not None:
            pending.register(WRITE_KIND, self._write)

    def _status_for(self, outcome: str) -> int | None:
        if self._statuses is None:
            self._statuses = {k.lower(): v for k, v in self._ctx.pms.recall_statuses().items()}
        known = self._statuses
        return next((known[n] for n in STATUS_NAMES[outcome] if n in known), None)

    def overdue(self, actor: Actor) -> list[RecallItem]:
        today = self._ctx.today()
        recalls = self._ctx.gateway.read(
            actor,
            PURPOSE,
            "recall_list",
            lambda: self._ctx.pms.recalls_due(PURPOSE, today),
            lambda rs: [Touched(RecordKind.RECALL, r.recall_num, r.pat_num) for r in rs],
            resource_type="recall",
            listed=True,
        )
        outcomes = self._ctx.repo.last_recall_outcomes()
        waiting = self._pending.pending_keys(WRITE_KIND) if self._pending else set()
        items = [
            RecallItem(
                r,
                (today - r.due).days,
                outcomes.get(r.recall_num, ""),
                str(r.recall_num) in waiting,
            )
            for r in recalls
            # Scheduled (booked from this list, services.workflows.recall_booking, or the
            # patient said so on the call): Open Dental may still list it (its DateScheduled
            # follows the recall's procedures on an appointment), Enamel does not.
            if outcomes.get(r.recall_num) != "scheduled"
        ]
        return sorted(items, key=lambda i: -i.days_overdue)

    def mark(self, actor: Actor, item: RecallItem, outcome: str) -> bool:
        """The call goes to the PMS first (status and commlog); if it refuses, the failure is
        recorded and the worklist keeps its last outcome. If it cannot be reached (and writes
        may wait), the call is kept and sent by the job: returns False then."""
        require_write(self._ctx, actor, PURPOSE, f"recall_{outcome}", resource_type="recall")
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        recall = item.recall
        payload: dict[str, Any] = {
            "recall_num": recall.recall_num,
            "pat_num": recall.pat_num,
            "recall_type": recall.recall_type,
            "outcome": outcome,
        }
        sent = True
        if self._pending is None:
            self._write(actor, payload, 0, False)
        elif not self._pending.submit(WRITE_KIND, str(recall.recall_num), payload, actor):
            self._audit(actor, payload, Outcome.PARTIAL, ("queued",))
            sent = False
        self._ctx.repo.add_recall_contact(
            recall.pat_num, recall.recall_num, outcome, actor.actor_id, self._ctx.clock.now()
        )
        return sent

    def _audit(
        self, actor: Actor, payload: dict[str, Any], result: Outcome, flags: tuple[str, ...] = ()
    ) -> None:
        self._ctx.gateway.record(
            actor,
            f"recall_{payload['outcome']}",
            purpose=PURPOSE,
            outcome=result,
            resource_type="recall",
            kind=RecordKind.RECALL,
            record_number=int(payload["recall_num"]),
            patient_number=int(payload["pat_num"]),
            flags=flags,
        )

    def _write(
        self, actor: Actor, payload: dict[str, Any], write_id: int, from_queue: bool
    ) -> None:
        """PUT Status adds a commlog each time it is sent, so a queued call carries its own
        reference in the note and is looked for before it is sent again."""
        pat_num, outcome = int(payload["pat_num"]), str(payload["outcome"])
        marker = f"(Enamel ref {write_id})" if write_id else ""
        note = f"{NOTES[outcome]} {marker}".strip()
        flags = ("from_queue",) if from_queue else ()
        try:
            if from_queue and marker and self._ctx.pms.has_commlog(pat_num, marker):
                self._audit(actor, payload, Outcome.SUCCESS, (*flags, "already_applied"))
                return
            if payload["recall_type"]:
                self._ctx.pms.set_recall_status(
                    pat_num,
                    str(payload["recall_type"]),
                    status_num=self._status_for(outcome),
                    note=note,
                )
            else:  # the type is unknown here: the commlog alone records the call
                when = self._ctx.calendar.local(self._ctx.clock.now()).replace(tzinfo=None)
                self._ctx.pms.add_commlog(pat_num, note, when=when, comm_type="Recall")
        except PmsUnavailable:
            if self._pending is None:  # nothing will send it later: it failed
                self._audit(actor, payload, Outcome.FAILURE, flags)
            raise
        except Exception:
            self._audit(actor, payload, Outcome.FAILURE, flags)
            raise
        self._audit(actor, payload, Outcome.SUCCESS, flags)

    def export_call_list(self, actor: Actor, items: list[RecallItem], out: Path) -> int:
        """A CSV of names and phones for calling. The export is audited before it is written."""
        require_write(
            self._ctx,
            actor,
            PURPOSE,
            "call_list_export",
            resource_type="recall",
            permission=Permission.EXPORT_CALL_LIST,
        )
        self._ctx.gateway.record(
            actor,
            "call_list_export",
            purpose=PURPOSE,
            resource_type="recall",
            fields=("patient_name", "phone", "recall_type", "due_date"),
            flags=("export",),
        )
        tmp = out.with_name(out.name + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["Name", "Phone", "Recall", "Due", "Days overdue"])
            for i in items:
                writer.writerow(
                    [
                        i.recall.patient_name or "",
                        i.recall.phone or "",
                        i.recall.recall_type,
                        i.recall.due.isoformat(),
                        i.days_overdue,
                    ]
                )
        os.replace(tmp, out)
        return len(items)
