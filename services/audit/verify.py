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
    count = 0
    first = last = anchor_seq
    sha256 = hashlib.sha256
    seen_claims: set[int] = set()
    for seq, body, stored in rows:
        try:
            claimed_seq, claimed_prev = _claimed(body)
        except ValueError:
            return _result(
                count,
                first,
                last,
                prev,
                ChainBreak(seq, BreakKind.CHANGED, "entry is not readable"),
            )
        if sha256(body.encode()).hexdigest() != stored:
            brk = ChainBreak(seq, BreakKind.CHANGED, "the entry's content does not match its hash")
            return _result(count, first, last, prev, brk)
        if claimed_seq != seq:
            brk = _misplaced(seq, claimed_seq, seen_claims, repo)
            return _result(count, first, last, prev, brk)
        if seq != expected:
            detail = (
                f"entries {expected}–{seq - 1} are gone"
                if seq - 1 > expected
                else f"entry {expected} is gone"
            )
            return _result(
                count, first, last, prev, ChainBreak(expected, BreakKind.MISSING, detail)
            )
        if claimed_prev != prev:
            brk = ChainBreak(
                seq - 1,
                BreakKind.CHANGED,
                f"entry {seq - 1} was altered and re-hashed, or entry {seq} replaced: "
                f"entry {seq} does not link to it",
            )
            return _result(count, first, last, prev, brk)
        seen_claims.add(claimed_seq)
        if count == 0:
            first = seq
        count += 1
        last = seq
        prev = stored
        expected = seq + 1
    return _result(count, first, last, prev, None)


def _misplaced(seq: int, claimed: int, seen: set[int], repo: AuditRepository | None) -> ChainBreak:
    if claimed < seq:
        # An entry that belongs earlier sits here: something was put in before it.
        if claimed in seen or claimed == seq - 1:
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


def _result(count: int, first: int, last: int, prev: str, brk: ChainBreak | None) -> VerifyResult:
    return VerifyResult(count, first, last, prev, brk)


def verify_local(repo: AuditRepository) -> VerifyResult:
    return verify_rows(repo.rows(), repo.anchor(), repo)
