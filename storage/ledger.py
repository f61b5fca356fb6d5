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
    "id, profile_id, amount_hi, amount_lo, cause, answer_id, reverses_id, payout_ref, reason,"
    " created_by, created_at"
)
SPLIT = 10**12  # amounts are stored as hi * SPLIT + lo, so that their sums stay exact


# The largest amount (and balance) a ledger row may carry, in the smallest unit: half the range of
# SQLite's 64-bit `amount_hi`, so that sums over a member's rows never overflow.
MAX_UNITS = 2**62 * SPLIT - 1


def split(units: int) -> tuple[int, int]:
    hi, lo = divmod(units, SPLIT)
    return hi, lo


def join(hi: int | None, lo: int | None) -> int:
    return (hi or 0) * SPLIT + (lo or 0)


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        row["id"],
        row["profile_id"],
        join(row["amount_hi"], row["amount_lo"]),
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
    royalty_id: int | None = None,
) -> int | None:
    """Add one row; returns its id, or None if an identical credit or reversal exists already."""
    if amount == 0:
        raise ValueError("a ledger row moves a non-zero amount")
    row = raw.execute(
        "INSERT INTO ledger (profile_id, amount_hi, amount_lo, cause, answer_id, reverses_id,"
        " payout_ref, reason, created_by, created_at, royalty_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        (
            profile_id,
            *split(amount),
            cause.value,
            answer_id,
            reverses_id,
            payout_ref,
            reason,
            created_by,
            now,
            royalty_id,
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


def reversal_of(raw: sqlite3.Connection, entry_id: int) -> Entry | None:
    row = raw.execute(f"SELECT {COLUMNS} FROM ledger WHERE reverses_id = ?", (entry_id,)).fetchone()
    return None if row is None else _entry(row)


def chain_tail(raw: sqlite3.Connection, entry_id: int) -> Entry:
    """The newest row of a credit's chain of reversals (the credit itself if never reversed)."""
    row = raw.execute(f"SELECT {COLUMNS} FROM ledger WHERE id = ?", (entry_id,)).fetchone()
    if row is None:
        raise LookupError(f"no ledger row {entry_id}")
    tail = _entry(row)
    while (newer := reversal_of(raw, tail.id)) is not None:
        tail = newer
    return tail


def reverse(raw: sqlite3.Connection, entry_id: int, reason: str, now: float) -> int | None:
    """Cancel a row with an opposite one (once); returns the new row's id or None."""
    original = raw.execute(f"SELECT {COLUMNS} FROM ledger WHERE id = ?", (entry_id,)).fetchone()
    if original is None:
        raise LookupError(f"no ledger row {entry_id}")
    return append(
        raw,
        profile_id=original["profile_id"],
        amount=-join(original["amount_hi"], original["amount_lo"]),
        cause=Cause.reversal,
        now=now,
        answer_id=original["answer_id"],
        reverses_id=entry_id,
        reason=reason,
    )


def balance_of(raw: sqlite3.Connection, profile_id: int) -> int:
    row = raw.execute(
        "SELECT sum(amount_hi), sum(amount_lo) FROM ledger WHERE profile_id = ?", (profile_id,)
    ).fetchone()
    return join(row[0], row[1])


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
        "SELECT profile_id, sum(amount_hi), sum(amount_lo) FROM ledger GROUP BY profile_id"
        " ORDER BY profile_id"
    )
    balances = [(row[0], join(row[1], row[2])) for row in rows]
    return [(pid, amount) for pid, amount in balances if amount >= max(minimum, 1)]


async def earnings_board(db: Database, limit: int = 10) -> list[tuple[int, str, int]]:
    """(profile id, display name, earned) by net credits from work, highest first.

    SQL orders by a floating-point total (near enough to choose a few more than `limit`); the
    exact integer totals then decide the order."""
    rows = await db.fetch_all(
        "SELECT l.profile_id, p.display_name, sum(l.amount_hi), sum(l.amount_lo) FROM ledger l"
        " JOIN profiles p ON p.id = l.profile_id"
        " WHERE l.cause IN ('answer', 'review', 'reversal', 'royalty', 'grant')"
        " GROUP BY l.profile_id"
        " ORDER BY sum(l.amount_hi) * 1e12 + sum(l.amount_lo) DESC, l.profile_id LIMIT ?",
        (limit * 4,),
    )
    board = [(row[0], row[1], join(row[2], row[3])) for row in rows]
    board = [entry for entry in board if entry[2] > 0]
    return sorted(board, key=lambda entry: (-entry[2], entry[0]))[:limit]


def token_fact(raw: sqlite3.Connection, name: str) -> str | None:
    row = raw.execute("SELECT value FROM token_facts WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


async def get_token_fact(db: Database, name: str) -> str | None:
    return await db.read(lambda raw: token_fact(raw, name))


async def set_token_fact(db: Database, name: str, value: str) -> None:
    """Record a fact about the token; one already known writes nothing, and a read-only
    database is left as it is (it can still plan payouts; the fact is recorded once it can be
    written)."""
    if db.read_only is not None or await get_token_fact(db, name) == value:
        return
    await db.execute(
        "INSERT INTO token_facts (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def earnings_in_order(raw: sqlite3.Connection, profile_id: int) -> list[tuple[int | None, int]]:
    """Every row of a member's ledger but payouts and their refunds, oldest first:
    (answer id of an answer or review credit, else None; amount)."""
    rows = raw.execute(
        "SELECT CASE WHEN cause IN ('answer', 'review') THEN answer_id END, amount_hi, amount_lo"
        " FROM ledger WHERE profile_id = ? AND cause NOT IN ('payout', 'payout_refund')"
        " ORDER BY id",
        (profile_id,),
    ).fetchall()
    return [(row[0], join(row[1], row[2])) for row in rows]
