"""The ledger: append-only rows, each naming its cause. Only INSERT and SELECT are written here."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from storage.database import Database


class Cause(StrEnum):
    answer = "answer"
    review = "review"
    reversal = "reversal"
    payout = "payout"
    payout_refund = "payout_refund"
    royalty = "royalty"
    grant = "grant"


@dataclass(frozen=True)
class Entry:
    id: int
    profile_id: int
    amount: int
    cause: Cause
    answer_id: int | None
    reverses_id: int | None
    payout_ref: str | None
    reason: str | None
    created_by: int | None
    created_at: float


COLUMNS = (
    "id, profile_id, amount, cause, answer_id, reverses_id, payout_ref, reason, created_by,"
    " created_at"
)


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        row["id"],
        row["profile_id"],
        row["amount"],
        Cause(row["cause"]),
        row["answer_id"],
        row["reverses_id"],
        row["payout_ref"],
        row["reason"],
        row["created_by"],
        row["created_at"],
    )


def append(
    raw: sqlite3.Connection,
    *,
    profile_id: int,
    amount: int,
    cause: Cause,
    now: float,
    answer_id: int | None = None,
    reverses_id: int | None = None,
    payout_ref: str | None = None,
    reason: str | None = None,
    created_by: int | None = None,
) -> int | None:
    """Add one row; returns its id, or None if an identical credit or reversal exists already."""
    row = raw.execute(
        "INSERT INTO ledger (profile_id, amount, cause, answer_id, reverses_id, payout_ref,"
        " reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING id",
        (
            profile_id,
            amount,
            cause.value,
            answer_id,
            reverses_id,
            payout_ref,
            reason,
            created_by,
            now,
        ),
    ).fetchone()
    return None if row is None else row[0]


def credit_for_answer(
    raw: sqlite3.Connection, answer_id: int, cause: Cause = Cause.answer
) -> Entry | None:
    row = raw.execute(
        f"SELECT {COLUMNS} FROM ledger WHERE answer_id = ? AND cause = ?", (answer_id, cause.value)
    ).fetchone()
    return None if row is None else _entry(row)


def reverse(raw: sqlite3.Connection, entry_id: int, reason: str, now: float) -> int | None:
    """Cancel a row with an opposite one (once); returns the new row's id or None."""
    original = raw.execute(f"SELECT {COLUMNS} FROM ledger WHERE id = ?", (entry_id,)).fetchone()
    if original is None:
        raise LookupError(f"no ledger row {entry_id}")
    return append(
        raw,
        profile_id=original["profile_id"],
        amount=-original["amount"],
        cause=Cause.reversal,
        now=now,
        answer_id=original["answer_id"],
        reverses_id=entry_id,
        reason=reason,
    )


def balance_of(raw: sqlite3.Connection, profile_id: int) -> int:
    return raw.execute(
        "SELECT coalesce(sum(amount), 0) FROM ledger WHERE profile_id = ?", (profile_id,)
    ).fetchone()[0]


async def balance(db: Database, profile_id: int) -> int:
    return await db.read(lambda raw: balance_of(raw, profile_id))


async def entries(db: Database, profile_id: int, limit: int = 50) -> list[Entry]:
    rows = await db.fetch_all(
        f"SELECT {COLUMNS} FROM ledger WHERE profile_id = ? ORDER BY id DESC LIMIT ?",
        (profile_id, limit),
    )
    return [_entry(row) for row in rows]


async def grant(
    db: Database, profile_id: int, amount: int, reason: str, created_by: int | None, now: float
) -> int:
    def job(raw: sqlite3.Connection) -> int:
        entry_id = append(
            raw,
            profile_id=profile_id,
            amount=amount,
            cause=Cause.grant,
            now=now,
            reason=reason,
            created_by=created_by,
        )
        assert entry_id is not None
        return entry_id

    return await db.write(job)


async def balances_at_least(db: Database, minimum: int) -> list[tuple[int, int]]:
    """(profile id, balance) for every profile whose balance is at least `minimum` (> 0)."""
    rows = await db.fetch_all(
        "SELECT profile_id, sum(amount) AS balance FROM ledger GROUP BY profile_id"
        " HAVING sum(amount) >= max(?, 1) ORDER BY profile_id",
        (minimum,),
    )
    return [(row["profile_id"], row["balance"]) for row in rows]


async def earnings_board(db: Database, limit: int = 10) -> list[tuple[int, str, int]]:
    """(profile id, display name, total earned) by credits from work, highest first."""
    rows = await db.fetch_all(
        "SELECT l.profile_id, p.display_name, sum(l.amount) AS earned FROM ledger l"
        " JOIN profiles p ON p.id = l.profile_id"
        " WHERE l.cause IN ('answer', 'review', 'reversal', 'royalty', 'grant')"
        " GROUP BY l.profile_id HAVING earned > 0 ORDER BY earned DESC, l.profile_id LIMIT ?",
        (limit,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def token_fact(raw: sqlite3.Connection, name: str) -> str | None:
    row = raw.execute("SELECT value FROM token_facts WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


async def get_token_fact(db: Database, name: str) -> str | None:
    return await db.read(lambda raw: token_fact(raw, name))


async def set_token_fact(db: Database, name: str, value: str) -> None:
    await db.execute(
        "INSERT INTO token_facts (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )
