"""The ledger only grows: every row names its cause, a balance is a sum, corrections are rows."""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from storage.database import Database
from storage.identity import Platform, ensure_account
from storage.ledger import (
    Cause,
    append,
    balance,
    balances_at_least,
    earnings_board,
    grant,
    reverse,
)
from tasks.rewards import format_amount, to_units

REPO = Path(__file__).parents[2]


async def profile(db: Database, name: str) -> int:
    return (await ensure_account(db, Platform.console, name)).profile_id


async def test_the_database_refuses_to_update_or_delete_a_row(db: Database) -> None:
    ada = await profile(db, "ada")
    await grant(db, ada, 500, "welcome bonus", None, 1.0)

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.execute("UPDATE ledger SET amount_lo = 5000")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.execute("DELETE FROM ledger")
    assert await balance(db, ada) == 500


async def test_a_grant_needs_a_reason(db: Database) -> None:
    ada = await profile(db, "ada")

    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        await grant(db, ada, 500, "", None, 1.0)


async def test_a_reversal_cancels_a_row_once(db: Database) -> None:
    ada = await profile(db, "ada")
    entry = await grant(db, ada, 700, "prize", None, 1.0)

    first = await db.write(lambda raw: reverse(raw, entry, "prize given twice", 2.0))
    again = await db.write(lambda raw: reverse(raw, entry, "prize given twice", 3.0))

    assert first is not None and again is None
    assert await balance(db, ada) == 0


async def test_balances_at_least_a_minimum(db: Database) -> None:
    ada, bob = await profile(db, "ada"), await profile(db, "bob")
    await grant(db, ada, 900, "work", None, 1.0)
    await grant(db, bob, 100, "work", None, 1.0)
    await db.write(
        lambda raw: append(
            raw, profile_id=bob, amount=-100, cause=Cause.payout, now=2.0, payout_ref="p1"
        )
    )

    assert await balances_at_least(db, 500) == [(ada, 900)]
    assert await balances_at_least(db, 0) == [(ada, 900)]


def test_no_code_outside_the_migrations_updates_or_deletes_ledger_rows() -> None:
    pattern = re.compile(r"(UPDATE\s+ledger|DELETE\s+FROM\s+ledger)", re.IGNORECASE)
    offenders = [
        str(path.relative_to(REPO))
        for folder in ("bots", "tasks", "wallet", "storage", "scheduler", "microtasks")
        for path in (REPO / folder).rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert offenders == []


def test_amounts_convert_exactly_and_round_down() -> None:
    assert to_units(Decimal("0.05"), 18) == 50_000_000_000_000_000
    assert to_units(Decimal("0.0000001"), 6) == 0
    assert to_units(Decimal("1.239"), 2) == 123
    assert format_amount(50_000_000_000_000_000, 18) == "0.05"
    assert format_amount(3 * 10**18, 18) == "3"


async def test_balances_stay_exact_far_beyond_64_bit_integers(db: Database) -> None:
    ada = await profile(db, "ada")
    one_token = 10**18
    for _ in range(50):
        await grant(db, ada, 3 * one_token + 7, "work", None, 1.0)
    await db.write(
        lambda raw: append(
            raw,
            profile_id=ada,
            amount=-(40 * one_token + 1),
            cause=Cause.payout,
            now=2.0,
            payout_ref="p1",
        )
    )

    assert await balance(db, ada) == 150 * one_token + 350 - 40 * one_token - 1
    assert await balances_at_least(db, 100 * one_token) == [(ada, 110 * one_token + 349)]


async def test_the_leaderboard_orders_by_the_whole_amount(db: Database) -> None:
    """With a 6-decimal token every amount fits in the low column: the order must still be right,
    however many members there are."""
    ids = [await profile(db, f"member{n}") for n in range(12)]
    for n, pid in enumerate(ids):
        await grant(db, pid, 100 * (n + 1), "work", None, 1.0)  # the newest earned most

    board = await earnings_board(db, limit=2)

    assert [(pid, earned) for pid, _, earned in board] == [(ids[11], 1200), (ids[10], 1100)]
