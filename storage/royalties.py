"""Royalties: an amount for a use of a batch's data, shared among its contributors."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage.database import Database
from storage.ledger import join, split


@dataclass(frozen=True)
class Royalty:
    id: int
    batch_id: int
    ref: str
    amount: int
    reason: str
    created_at: float


def _royalty(row: sqlite3.Row) -> Royalty:
    return Royalty(
        row["id"],
        row["batch_id"],
        row["ref"],
        join(row["amount_hi"], row["amount_lo"]),
        row["reason"],
        row["created_at"],
    )


def batch_title(raw: sqlite3.Connection, batch_id: int) -> str | None:
    row = raw.execute("SELECT title FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return None if row is None else row[0]


def accepted_answers_by_member(raw: sqlite3.Connection, batch_id: int) -> dict[int, int]:
    """Accepted answers in a batch, counted per member (profile id)."""
    rows = raw.execute(
        "SELECT profile_id, count(*) FROM answers WHERE batch_id = ? AND status = 'accepted'"
        " GROUP BY profile_id",
        (batch_id,),
    ).fetchall()
    return {profile_id: count for profile_id, count in rows}


def insert_royalty(
    raw: sqlite3.Connection,
    batch_id: int,
    ref: str,
    amount: int,
    reason: str,
    created_by: int | None,
    now: float,
) -> int | None:
    """The new royalty's id, or None when this batch already has a royalty with this ref."""
    row = raw.execute(
        "INSERT INTO royalties (batch_id, ref, amount_hi, amount_lo, reason, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        (batch_id, ref, *split(amount), reason, created_by, now),
    ).fetchone()
    return None if row is None else row[0]


def find_royalty(raw: sqlite3.Connection, batch_id: int, ref: str) -> Royalty | None:
    row = raw.execute(
        "SELECT * FROM royalties WHERE batch_id = ? AND ref = ?", (batch_id, ref)
    ).fetchone()
    return None if row is None else _royalty(row)


def shares(raw: sqlite3.Connection, royalty_id: int) -> dict[int, int]:
    """What each member was credited from one royalty (profile id: units)."""
    rows = raw.execute(
        "SELECT profile_id, amount_hi, amount_lo FROM ledger WHERE royalty_id = ?", (royalty_id,)
    ).fetchall()
    return {row[0]: join(row[1], row[2]) for row in rows}


async def royalties_of_batch(db: Database, batch_id: int) -> list[Royalty]:
    rows = await db.fetch_all("SELECT * FROM royalties WHERE batch_id = ? ORDER BY id", (batch_id,))
    return [_royalty(row) for row in rows]
