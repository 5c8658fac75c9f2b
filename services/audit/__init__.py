"""The audit trail: events, pseudonyms, the hash chain, verification and the PHI gateway."""

from services.audit.entry import AuditEntry, AuditEvent, Outcome
from services.audit.gateway import PhiGateway, Touched
from services.audit.pseudonyms import Pseudonymizer, RecordKind
from services.audit.trail import AuditTrail, AuditUnavailable
from services.audit.verify import BreakKind, ChainBreak, VerifyResult, verify_local, verify_rows

__all__ = [
    "AuditEntry",
    "AuditEvent",
    "AuditTrail",
    "AuditUnavailable",
    "BreakKind",
    "ChainBreak",
    "Outcome",
    "PhiGateway",
    "Pseudonymizer",
    "RecordKind",
    "Touched",
    "VerifyResult",
    "verify_local",
    "verify_rows",
]
