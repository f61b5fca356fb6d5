"""Figures for members: their answers, gold accuracy and standing."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class MemberStats:
    answers: int
    counted: int
    surplus: int
    gold_answers: int
    gold_correct: int
    rank: int | None  # by counted answers; None before the first one


@dataclass(frozen=True)
class LeaderboardRow:
    profile_id: int
    display_name: str
    counted: int


async def member_stats(db: Database, profile_id: int) -> MemberStats:
    def job(raw: sqlite3.Connection) -> MemberStats:
        row = raw.execute(
            "SELECT count(*), coalesce(sum(a.counted), 0),"
            " count(*) FILTER (WHERE i.is_gold),"
            " count(*) FILTER (WHERE i.is_gold AND a.value = i.gold)"
            " FROM answers a JOIN items i ON i.id = a.item_id WHERE a.profile_id = ?",
            (profile_id,),
        ).fetchone()
        rank = None
        if row[1]:
            rank = raw.execute(
                "SELECT 1 + count(*) FROM (SELECT profile_id FROM answers WHERE counted = 1"
                " GROUP BY profile_id HAVING count(*) > ?)",
                (row[1],),
            ).fetchone()[0]
        return MemberStats(row[0], row[1], row[0] - row[1], row[2], row[3], rank)

    return await db.read(job)


async def leaderboard(db: Database, limit: int = 10) -> list[LeaderboardRow]:
    rows = await db.fetch_all(
        "SELECT a.profile_id, p.display_name, count(*) AS counted FROM answers a"
        " JOIN profiles p ON p.id = a.profile_id WHERE a.counted = 1"
        " GROUP BY a.profile_id ORDER BY counted DESC, a.profile_id LIMIT ?",
        (limit,),
    )
    return [LeaderboardRow(r["profile_id"], r["display_name"], r["counted"]) for r in rows]
