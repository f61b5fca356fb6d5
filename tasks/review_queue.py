"""Moderators decide by hand: override a review, answer an appeal. Members appeal once."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from storage import quality as store
from storage.database import Database
from storage.notifications import enqueue
from storage.quality import QueueEntry
from tasks.decisions import accept, reject
from tasks.problems import InputError, Problem, problem


class ReviewQueue:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock

    async def pending(self, limit: int = 20) -> list[QueueEntry]:
        return await self.db.read(lambda raw: store.review_queue(raw, limit))

    async def decide(
        self, answer_id: int, *, accepted: bool, moderator_id: int, reason: str | None = None
    ) -> str:
        """Accept or reject any answer by hand; returns its new status."""
        now = self.clock()

        def job(raw: sqlite3.Connection) -> str:
            facts = _answer(raw, answer_id)
            if facts.profile_id == moderator_id:
                raise InputError(_own_answer(answer_id))
            appealed = store.open_appeal(raw, answer_id) is not None
            if appealed and facts.decided_by == moderator_id:
                raise InputError(_same_moderator(answer_id))
            title, reward = store.batch_title_and_reward(raw, facts.batch_id)
            if accepted:
                accept(raw, facts, reward, now, decided_by=moderator_id, notify_batch=title)
            else:
                reject(
                    raw,
                    facts,
                    reason or "quality.moderator",
                    now,
                    decided_by=moderator_id,
                    notify_batch=title,
                )
            store.retire_review_item(raw, answer_id)  # reviewers are not paid for a decided answer
            if appealed:
                store.close_appeal(
                    raw, answer_id, moderator_id, "overturned" if accepted else "upheld", now
                )
            return "accepted" if accepted else "rejected"

        return await self.db.write(job)

    async def appeal(self, profile_id: int, answer_id: int, message: str) -> None:
        """A member contests a rejection of their own answer, once."""
        now = self.clock()

        def job(raw: sqlite3.Connection) -> None:
            facts = store.answer_facts(raw, answer_id)
            if facts is None or facts.profile_id != profile_id:
                raise InputError(
                    problem("appeal.not_yours", "you have no answer {id}", id=answer_id)
                )
            if facts.status != "rejected":
                raise InputError(
                    problem("appeal.not_rejected", "answer {id} was not rejected", id=answer_id)
                )
            if not store.add_appeal(raw, answer_id, profile_id, message.strip() or "-", now):
                raise InputError(
                    problem("appeal.once", "answer {id} has been appealed already", id=answer_id)
                )

        await self.db.write(job)

    async def decide_appeal(self, answer_id: int, *, overturn: bool, moderator_id: int) -> str:
        """Decide an open appeal; the moderator who rejected the answer may not decide it."""
        facts = await self.db.read(lambda raw: store.answer_facts(raw, answer_id))
        open_one = await self.db.read(lambda raw: store.open_appeal(raw, answer_id))
        if facts is None or open_one is None:
            raise InputError(
                problem("appeal.none", "there is no open appeal for answer {id}", id=answer_id)
            )
        if facts.profile_id == moderator_id:
            raise InputError(_own_answer(answer_id))
        if facts.decided_by == moderator_id:
            raise InputError(_same_moderator(answer_id))
        if overturn:
            return await self.decide(answer_id, accepted=True, moderator_id=moderator_id)
        now = self.clock()

        def uphold(raw: sqlite3.Connection) -> str:
            store.close_appeal(raw, answer_id, moderator_id, "upheld", now)
            enqueue(raw, facts.profile_id, "appeal.upheld", {"answer": answer_id}, now)
            return "rejected"

        return await self.db.write(uphold)


def _own_answer(answer_id: int) -> Problem:
    return problem(
        "review.own_answer", "answer {id} is your own: another moderator decides it", id=answer_id
    )


def _same_moderator(answer_id: int) -> Problem:
    return problem(
        "appeal.same_moderator",
        "you rejected answer {id} yourself: another moderator decides its appeal",
        id=answer_id,
    )


def _answer(raw: sqlite3.Connection, answer_id: int) -> store.AnswerFacts:
    facts = store.answer_facts(raw, answer_id)
    if facts is None:
        raise InputError(problem("answer.unknown", "there is no answer {id}", id=answer_id))
    return facts
