"""Recall reminders: overdue recalls with name, phone, last visit, type; outcomes; call lists."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from services.access import Actor, Permission, Purpose
from services.audit import RecordKind, Touched
from services.pms.records import RecallDue
from services.workflows.context import DeskContext
from services.workflows.guard import require_write

PURPOSE = Purpose.RECALL_REMINDERS
OUTCOMES = ("contacted", "left_message", "scheduled", "no_answer")


@dataclass(frozen=True)
class RecallItem:
    recall: RecallDue
    days_overdue: int
    last_outcome: str


class RecallService:
    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

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
        items = [
            RecallItem(r, (today - r.due).days, outcomes.get(r.recall_num, "")) for r in recalls
        ]
        return sorted(items, key=lambda i: -i.days_overdue)

    def mark(self, actor: Actor, item: RecallItem, outcome: str) -> None:
        require_write(self._ctx, actor, PURPOSE, f"recall_{outcome}", resource_type="recall")
        if outcome not in OUTCOMES:
            raise ValueError(outcome)
        self._ctx.gateway.record(
            actor,
            f"recall_{outcome}",
            purpose=PURPOSE,
            resource_type="recall",
            kind=RecordKind.RECALL,
            record_number=item.recall.recall_num,
            patient_number=item.recall.pat_num,
        )
        self._ctx.repo.add_recall_contact(
            item.recall.pat_num,
            item.recall.recall_num,
            outcome,
            actor.actor_id,
            self._ctx.clock.now(),
        )

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
