"""Recomputing the chain: the first broken seq and why (changed, missing, reordered, inserted)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from storage.audit_repo import AuditRepository


class BreakKind(StrEnum):
    CHANGED = "changed"
    MISSING = "missing"
    REORDERED = "reordered"
    INSERTED = "inserted"


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    kind: BreakKind
    detail: str

    def describe(self) -> str:
        return f"seq {self.seq}: {self.kind.value} — {self.detail}"


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    first_seq: int
    last_seq: int
    last_hash: str
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


_SEQ = '"seq":'
_PREV = '"prev_hash":"'


def _claimed(body: str) -> tuple[int, str]:
    """seq and prev_hash as the body states them.

    In canonical JSON a key can only appear once and a quote inside a value is always
    escaped, so these markers can only be the keys themselves.
    """
    i = body.index(_SEQ) + len(_SEQ)
    j = body.index(",", i)
    k = body.index(_PREV) + len(_PREV)
    return int(body[i:j]), body[k : k + 64]


def verify_rows(
    rows: Iterable[tuple[int, str, str]],
    start: tuple[int, str],
    repo: AuditRepository | None = None,
) -> VerifyResult:
    """Check rows (seq, body, hash) in seq order against the chain that starts at `start`."""
    anchor_seq, prev = start
    expected = anchor_seq + 1
    # What the next body must contain to link to the previous entry; it is built once per
    # row from the hash just checked, so the loop holds nothing else (the rows it accepted
    # are exactly anchor_seq + 1 .. expected - 1).
    link = f'{_PREV}{prev}"'
    sha256 = hashlib.sha256
    for seq, body, stored in rows:
        # Fast path: the seq is the next one, the hash matches, and the body names the
        # previous hash and its own seq. Anything else goes to the careful diagnosis.
        if (
            seq == expected
            and sha256(body.encode()).hexdigest() == stored
            and link in body
            and f"{_SEQ}{seq}," in body
        ):
            link = f'{_PREV}{stored}"'
            expected += 1
            continue
        prev = link[len(_PREV) : -1]
        brk = _diagnose(seq, body, stored, expected, prev, repo)
        return _result(anchor_seq, expected, prev, brk)
    return _result(anchor_seq, expected, link[len(_PREV) : -1], None)


def _result(anchor_seq: int, expected: int, prev: str, brk: ChainBreak | None) -> VerifyResult:
    count = expected - anchor_seq - 1
    first = anchor_seq + 1 if count else anchor_seq
    return VerifyResult(count, first, expected - 1, prev, brk)


def _diagnose(
    seq: int, body: str, stored: str, expected: int, prev: str, repo: AuditRepository | None
) -> ChainBreak:
    """Why the entry at row `seq` does not continue the chain."""
    try:
        claimed_seq, _ = _claimed(body)
    except ValueError:
        return ChainBreak(seq, BreakKind.CHANGED, "entry is not readable")
    if hashlib.sha256(body.encode()).hexdigest() != stored:
        return ChainBreak(seq, BreakKind.CHANGED, "the entry's content does not match its hash")
    if claimed_seq != seq:
        return _misplaced(seq, claimed_seq, expected, repo)
    if seq != expected:
        detail = (
            f"entries {expected}–{seq - 1} are gone"
            if seq - 1 > expected
            else f"entry {expected} is gone"
        )
        return ChainBreak(expected, BreakKind.MISSING, detail)
    return ChainBreak(
        seq - 1,
        BreakKind.CHANGED,
        f"entry {seq - 1} was altered and re-hashed, or entry {seq} replaced: "
        f"entry {seq} does not link to it",
    )


def _misplaced(seq: int, claimed: int, expected: int, repo: AuditRepository | None) -> ChainBreak:
    if claimed < seq:
        # An entry that belongs earlier sits here: something was put in before it.
        if claimed < expected:
            return ChainBreak(
                claimed,
                BreakKind.INSERTED,
                f"an entry that is not part of the chain was inserted at seq {claimed}",
            )
        return ChainBreak(seq, BreakKind.REORDERED, f"entry {claimed} stands at position {seq}")
    # An entry that belongs later sits here: either moved up, or the ones between are gone.
    holder = repo.find_claimed_seq(seq) if repo is not None else None
    if holder is not None:
        return ChainBreak(
            seq,
            BreakKind.REORDERED,
            f"entry {seq} stands at position {holder}, entry {claimed} here",
        )
    return ChainBreak(
        seq, BreakKind.MISSING, f"entries {seq}–{claimed - 1} are gone and the rest renumbered"
    )


def verify_local(repo: AuditRepository) -> VerifyResult:
    return verify_rows(repo.rows(), repo.anchor(), repo)
