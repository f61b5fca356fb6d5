"""Quality control: decide, as each answer is stored, whether it counts and what it earns.

- Answers faster than the batch's `min_seconds` are rejected as too fast.
- Choice, multi, rating and compare answers are accepted at once (and credited), unless the
  member is removed from the batch by gold checks: after `min_gold_answers` gold answers, a
  member whose one-sided 95% Wilson upper bound of gold accuracy is under `accuracy_threshold`
  is removed (the evidence says they are below it), and all their answers in the batch are
  rejected (credits reversed) with the reason.
- Text and voice answers wait for peer review: each creates an item in the batch's review batch,
  served to other members (never the author); the reviewers' majority accepts or rejects it.
- Adaptive overlap: when an item's answers disagree, it asks for one more, up to `max_overlap`.
- Exams: every `exam_size` answers in an exam batch make an attempt, passed at `exam_pass_mark`.
Everything here runs inside the write transaction that stored the answer.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any

from storage import quality as store
from storage.ledger import Cause
from storage.quality import AnswerFacts
from tasks.decisions import accept, reject
from tasks.kinds import Kind
from tasks.model import Batch

REVIEW_APPROVE = "approve"
REVIEW_LABELS = ("approve", "off_topic", "low_quality", "wrong_language", "spam")


@dataclass(frozen=True)
class Verdict:
    """What quality control decided about one answer, for the member's reply."""

    status: str  # accepted, pending or rejected
    reason: str | None = None  # a message key when rejected
    credited: int = 0  # units credited now
    gold_correct: bool | None = None  # for gold items
    gold_answer: Any = None  # shown in training mode
    removed: bool = False  # the member was just removed from the batch
    gold_score: tuple[int, int] | None = None  # (right, total) on gold items, when removed
    exam_passed: bool | None = None  # an exam attempt just finished
    exam_score: tuple[int, int] | None = None  # (correct, total) of that attempt
    exam_retry: bool = True  # a failed attempt: the exam has items left for another one


WILSON_Z = 1.645  # one-sided 95%: "below the threshold" is a one-sided question (docs/quality.md)


def _wilson(correct: int, total: int, z: float) -> tuple[float, float]:
    p = correct / total
    denominator = 1 + z * z / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt((p * (1 - p) + z * z / (4 * total)) / total)
    return (centre - margin) / denominator, (centre + margin) / denominator


def wilson_upper_bound(correct: int, total: int, z: float = WILSON_Z) -> float:
    """The upper end of the Wilson score interval for `correct` successes of `total`.

    Every answer right gives exactly 1 (no rounding below it), so a perfect member is never
    removed at any threshold below 1.
    """
    if total == 0 or correct >= total:
        return 1.0
    return min(1.0, _wilson(correct, total, z)[1])


def removed_by_gold(correct: int, total: int, threshold: float, min_answers: int) -> bool:
    """Whether gold checks remove a member with `correct` of `total` gold answers right.

    Only when the evidence says their accuracy is below the threshold: after `min_answers` gold
    answers, the one-sided 95% Wilson upper bound is under `threshold`. A threshold of 0 removes
    nobody.
    """
    if threshold <= 0 or total < min_answers:
        return False
    return wilson_upper_bound(correct, total) < threshold


SURPLUS_REASON = "quality.surplus"  # the reason a surplus answer is kept under, not counted


def surplus(raw: sqlite3.Connection, answer_id: int, now: float) -> Verdict:
    """An answer that arrived when its item was full: kept, but it neither counts nor earns."""
    facts = store.answer_facts(raw, answer_id)
    assert facts is not None
    reject(raw, facts, SURPLUS_REASON, now)
    return Verdict("rejected", SURPLUS_REASON)


def judge(raw: sqlite3.Connection, batch: Batch, answer_id: int, now: float) -> Verdict:
    facts = store.answer_facts(raw, answer_id)
    assert facts is not None
    if batch.reviews_batch_id is not None:
        return _judge_review(raw, batch, facts, now)
    if facts.seconds < batch.min_seconds:
        reject(raw, facts, "quality.too_fast", now)
        return Verdict("rejected", "quality.too_fast")
    if batch.kind in (Kind.text, Kind.voice):
        _send_to_review(raw, batch, facts)
        return Verdict("pending")
    credited = accept(raw, facts, batch.reward, now)
    verdict = Verdict("accepted", credited=credited)
    if facts.is_gold:
        verdict = _check_gold(raw, batch, facts, now, verdict)
    elif facts.counted and batch.quality.max_overlap:
        _adapt_overlap(raw, batch, facts)
    return verdict


def _check_gold(
    raw: sqlite3.Connection, batch: Batch, facts: AnswerFacts, now: float, verdict: Verdict
) -> Verdict:
    correct = facts.value == facts.gold
    q = batch.quality
    shown = facts.gold if q.training and not correct else None
    result = Verdict("accepted", credited=verdict.credited, gold_correct=correct, gold_answer=shown)
    if q.is_exam:
        return _exam_progress(raw, batch, facts, now, result)
    total, right = store.gold_score(raw, facts.profile_id, batch.id)
    if not removed_by_gold(right, total, q.accuracy_threshold, q.min_gold_answers):
        return result
    remove_member(raw, batch, facts.profile_id, now)
    return Verdict(
        "rejected",
        "quality.removed",
        gold_correct=correct,
        gold_answer=shown,
        removed=True,
        gold_score=(right, total),
    )


def remove_member(raw: sqlite3.Connection, batch: Batch, profile_id: int, now: float) -> None:
    """Remove a member from a batch and reject all their answers in it. They are told why in
    the reply to the answer that removed them (the verdict's `gold_score`), once."""
    if not store.ban(raw, batch.id, profile_id, "quality.removed", now):
        return
    for answer_id in store.live_answers_in_batch(raw, profile_id, batch.id):
        facts = store.answer_facts(raw, answer_id)
        assert facts is not None
        reject(raw, facts, "quality.removed", now)


def _adapt_overlap(raw: sqlite3.Connection, batch: Batch, facts: AnswerFacts) -> None:
    overlap, answers = store.item_overlap(raw, facts.item_id)
    max_overlap = batch.quality.max_overlap or overlap
    if answers < overlap or overlap >= max_overlap:
        return
    values = store.counted_values(raw, facts.item_id)
    top_share = Counter(values).most_common(1)[0][1] / len(values)
    if top_share < batch.quality.agreement:
        store.set_item_overlap(raw, facts.item_id, overlap + 1)


def _exam_progress(
    raw: sqlite3.Connection, batch: Batch, facts: AnswerFacts, now: float, result: Verdict
) -> Verdict:
    last = store.last_attempt(raw, facts.profile_id, batch.id)
    since = last["finished_at"] if last is not None else 0.0
    answers = store.answers_since(raw, facts.profile_id, batch.id, since)
    size = batch.quality.exam_size or 0
    if len(answers) < size:
        return result
    right = sum(1 for value, gold in answers if value == gold)
    passed = right / len(answers) >= batch.quality.exam_pass_mark
    store.record_attempt(raw, facts.profile_id, batch.id, right, len(answers), passed, now)
    return Verdict(
        result.status,
        credited=result.credited,
        gold_correct=result.gold_correct,
        gold_answer=result.gold_answer,
        exam_passed=passed,
        exam_score=(right, len(answers)),
        exam_retry=store.items_left_for(raw, facts.profile_id, batch.id) >= size,
    )


# Peer review


def _send_to_review(raw: sqlite3.Connection, batch: Batch, facts: AnswerFacts) -> None:
    if batch.review_batch_id is None:
        return
    payload: dict[str, Any] = {"task": store.item_payload(raw, facts.item_id)}
    if batch.kind is Kind.text:
        payload["text"] = facts.value
    else:
        payload["voice"] = facts.value
    store.add_review_item(
        raw,
        batch.review_batch_id,
        facts.id,
        facts.profile_id,
        payload,
        batch.quality.review_overlap,
    )


def _judge_review(raw: sqlite3.Connection, batch: Batch, facts: AnswerFacts, now: float) -> Verdict:
    """A review is accepted (and paid) at once; enough reviews decide the reviewed answer."""
    credited = accept(raw, facts, batch.reward, now, cause=Cause.review)
    if facts.review_of is not None:
        settle_review(raw, facts.item_id, facts.review_of, now)
    return Verdict("accepted", credited=credited)


def settle_review(raw: sqlite3.Connection, review_item_id: int, answer_id: int, now: float) -> None:
    """Once a reviewed answer has all its reviews, the majority accepts or rejects it."""
    reviewed = store.answer_facts(raw, answer_id)
    if reviewed is None or reviewed.status != "pending":
        return  # already decided (by a moderator, say)
    overlap, _ = store.item_overlap(raw, review_item_id)
    verdicts = store.review_verdicts(raw, review_item_id)
    if len(verdicts) < overlap:
        return
    approvals = sum(1 for v in verdicts if v == REVIEW_APPROVE)
    title, reward = store.batch_title_and_reward(raw, reviewed.batch_id)
    if approvals * 2 > len(verdicts):
        accept(raw, reviewed, reward, now, notify_batch=title)
        return
    reasons = Counter(v for v in verdicts if v != REVIEW_APPROVE)
    reject(raw, reviewed, f"review.{reasons.most_common(1)[0][0]}", now, notify_batch=title)
