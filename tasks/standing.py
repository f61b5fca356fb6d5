"""A member's standing: balance, answers by state, accuracy, rank, streak and history."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from storage import ledger, payouts, quality
from storage.database import Database
from storage.quality import HistoryRow
from tasks.levels import level_of
from tasks.rewards import DEFAULT_DECIMALS

DAY = 86400


@dataclass(frozen=True)
class Standing:
    balance: int
    earned: int
    accepted: int
    pending: int
    rejected: int
    gold_answers: int
    gold_correct: int
    rank: int | None
    streak: int
    decimals: int
    level: int = 0  # see tasks/levels.py: unlocks batches with a minimum level


def paid_answers(
    earnings: list[tuple[int | None, int]], paid: list[tuple[int, str]]
) -> dict[int, str]:
    """Which answers' credits the member's payouts have covered, and by which transaction.

    Payouts pay a balance, not answers, so they are matched to earnings first in, first out: an
    answer counts as paid once the payouts so far add up to everything earned up to and including
    its credit; the transaction is the payout that reached that point.
    """
    covered: dict[int, str] = {}
    reached, payouts = 0, iter(paid)
    paid_so_far, tx = 0, None
    for answer_id, amount in earnings:
        reached += amount
        if answer_id is None or amount <= 0:
            continue
        while paid_so_far < reached:
            step = next(payouts, None)
            if step is None:
                return covered
            paid_so_far, tx = paid_so_far + step[0], step[1]
        if tx is not None:  # else the credit only paid off a debt: nothing was paid out for it
            covered[answer_id] = tx
    return covered


def streak_from(days: list[int], today: int) -> int:
    """Days in a row with accepted work, ending today or yesterday."""
    if not days or days[0] < today - 1:
        return 0
    streak, expected = 0, days[0]
    for day in days:
        if day != expected:
            break
        streak += 1
        expected -= 1
    return streak


class StandingService:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db = db
        self.clock = clock

    async def decimals(self) -> int:
        known = await ledger.get_token_fact(self.db, "decimals")
        return int(known) if known is not None else DEFAULT_DECIMALS

    async def of(self, profile_id: int) -> Standing:
        now = self.clock()
        today = int(now // DAY)

        def job(
            raw: sqlite3.Connection,
        ) -> tuple[tuple[int, int, int], tuple[int, int, int, int], list[int], int]:
            record = quality.work_record(raw, profile_id)
            days = quality.active_days(raw, profile_id, (today - 400) * DAY)
            counts = quality.answer_counts(raw, profile_id)
            return counts, record, days, ledger.balance_of(raw, profile_id)

        counts, record, days, balance = await self.db.read(job)
        _, _, gold, right = record
        board = await ledger.earnings_board(self.db, limit=10_000)
        earned = next((e for pid, _, e in board if pid == profile_id), 0)
        rank = next((i for i, (pid, _, _) in enumerate(board, 1) if pid == profile_id), None)
        return Standing(
            balance,
            earned,
            counts[0],
            counts[1],
            counts[2],
            gold,
            right,
            rank,
            streak_from(days, today),
            await self.decimals(),
            level_of(*record),
        )

    async def history(self, profile_id: int, limit: int = 10) -> list[HistoryRow]:
        """The member's latest answers; an accepted one paid out on chain names the transaction."""

        def job(raw: sqlite3.Connection) -> list[HistoryRow]:
            rows = quality.history(raw, profile_id, limit)
            paid = paid_answers(
                ledger.earnings_in_order(raw, profile_id), payouts.paid_to(raw, profile_id)
            )
            return [replace(row, paid_tx=paid.get(row.answer_id)) for row in rows]

        return await self.db.read(job)

    async def leaderboard(self, limit: int = 10) -> list[tuple[int, str, int]]:
        return await ledger.earnings_board(self.db, limit)
