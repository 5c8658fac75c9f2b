"""Patient look-up by name, birth date or phone: contact fields only."""

from __future__ import annotations

import re
from datetime import date

from services.access import Actor, Purpose
from services.audit import RecordKind, Touched
from services.pms.records import PatientContact
from services.workflows.context import DeskContext

PURPOSE = Purpose.PATIENT_LOOKUP


def parse_query(text: str) -> dict[str, object]:
    """'Smith', 'Smith, Ann', '1957-03-14' or a phone number."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return {"birthdate": date.fromisoformat(text)}
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 4 and len(digits) >= len(text.replace(" ", "")) - 4:
        return {"phone": text}
    return {"name": text}


class LookupService:
    def __init__(self, ctx: DeskContext) -> None:
        self._ctx = ctx

    def find(self, actor: Actor, text: str) -> list[PatientContact]:
        query = parse_query(text)
        if not text.strip():
            return []
        return self._ctx.gateway.read(
            actor,
            PURPOSE,
            "patient_lookup",
            lambda: self._ctx.pms.find_patients(PURPOSE, **query),  # type: ignore[arg-type]
            lambda ps: [Touched(RecordKind.PATIENT, p.pat_num, p.pat_num) for p in ps],
            resource_type="patient",
        )
