"""Turning a pseudonym back into a PMS record number: for authorised roles only, and audited."""

from __future__ import annotations

from services.access import Actor, Purpose
from services.audit.gateway import PhiGateway, Touched
from services.audit.pseudonyms import RecordKind


class UnknownReference(LookupError):
    pass


def resolve(gateway: PhiGateway, actor: Actor, ref: str) -> tuple[RecordKind, str]:
    """The (kind, record number) behind `ref`, if the actor's role may resolve pseudonyms."""

    def fetch() -> tuple[RecordKind, str] | None:
        found = gateway.trail.repository.resolve(ref)
        return None if found is None else (RecordKind(found[0]), found[1])

    def touched(found: tuple[RecordKind, str] | None) -> list[Touched]:
        if found is None:
            return []
        patient = found[1] if found[0] is RecordKind.PATIENT else None
        return [Touched(found[0], found[1], patient, fields=("patient_id",))]

    result = gateway.read(
        actor, Purpose.ACCESS_REPORT, "pseudonym_resolve", fetch, touched, resource_type="pseudonym"
    )
    if result is None:
        raise UnknownReference(ref)
    return result
