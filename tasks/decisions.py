"""Accepting and rejecting answers, with the ledger and the author's notice kept in step.

Runs inside the write transaction that caused the decision. A credit is written once per answer;
a later rejection reverses it, and a later acceptance (an appeal, a moderator) reverses that
reversal, so the ledger only grows and every balance stays a plain sum.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from storage import ledger, quality
from storage.ledger import Cause
from storage.notifications import enqueue
from storage.quality import AnswerFacts
from tasks.rewards import DEFAULT_DECIMALS, to_units

ACCEPTED_AGAIN = "quality.accepted_again"  # the ledger reason, a catalog key shown in words


def token_decimals(raw: sqlite3.Connection) -> int:
    known = ledger.token_fact(raw, "decimals")
    return int(known) if known is not None else DEFAULT_DECIMALS


def _credited(raw: sqlite3.Connection, answer_id: int, cause: Cause) -> ledger.Entry | None:
    """The newest row of this answer's credit chain, or None if it was never credited."""
    first = ledger.credit_for_answer(raw, answer_id, cause)
    return None if first is None else ledger.chain_tail(raw, first.id)


def credit(
    raw: sqlite3.Connection, facts: AnswerFacts, amount: Decimal, cause: Cause, now: float
) -> int:
    """Make sure the answer's reward is on the ledger once; returns the units added now."""
    units = to_units(amount, token_decimals(raw))
    tail = _credited(raw, facts.id, cause)
    if tail is None:
        if units <= 0:
            return 0
        ledger.append(
            raw, profile_id=facts.profile_id, amount=units, cause=cause, now=now, answer_id=facts.id
        )
        return units
    if tail.amount < 0:  # credited once, then reversed: accepted again
        ledger.reverse(raw, tail.id, ACCEPTED_AGAIN, now)
        return -tail.amount
    return 0


def uncredit(raw: sqlite3.Connection, facts: AnswerFacts, reason: str, now: float) -> int:
    """Reverse the answer's credits if they stand; returns the units taken back."""
    taken = 0
    for cause in (Cause.answer, Cause.review):
        tail = _credited(raw, facts.id, cause)
        if tail is not None and tail.amount > 0:
            ledger.reverse(raw, tail.id, reason, now)
            taken += tail.amount
    return taken


def accept(
    raw: sqlite3.Connection,
    facts: AnswerFacts,
    amount: Decimal,
    now: float,
    *,
    cause: Cause = Cause.answer,
    decided_by: int | None = None,
    notify_batch: str | None = None,
) -> int:
    """Accept an answer: it counts if its item has room, and its reward is credited.

    The author is told once: accepting an answer that is accepted already sends no new notice.
    """
    told_already = facts.status == "accepted"
    counted = facts.counted or quality.item_has_room(raw, facts.item_id)
    quality.decide(raw, facts.id, "accepted", now=now, decided_by=decided_by, counted=counted)
    units = credit(raw, facts, amount, cause, now)
    if notify_batch is not None and not told_already:
        enqueue(raw, facts.profile_id, "quality.accepted", {"batch": notify_batch}, now)
    return units


def reject(
    raw: sqlite3.Connection,
    facts: AnswerFacts,
    reason_key: str,
    now: float,
    *,
    decided_by: int | None = None,
    notify_batch: str | None = None,
) -> None:
    """Reject an answer with a reason: it stops counting and any credit is reversed.

    The author is told once: rejecting an answer that is rejected already sends no new notice.
    """
    told_already = facts.status == "rejected"
    quality.decide(
        raw, facts.id, "rejected", now=now, reason=reason_key, decided_by=decided_by, counted=False
    )
    uncredit(raw, facts, reason_key, now)
    if notify_batch is not None and not told_already:
        enqueue(
            raw,
            facts.profile_id,
            "quality.rejected",
            {"batch": notify_batch, "reason_key": reason_key, "answer": facts.id},
            now,
        )
