"""Batches and their items: creation, lifecycle, progress."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.database import Database

GOLD_OVERLAP = 1_000_000  # gold items never fill up: every member may meet each one once

BATCH_COLUMNS = (
    "id, title, instructions, kind, options, settings, overlap, lease_seconds, reward, gold_rate,"
    " min_seconds, daily_cap, audience, priority, state, activate_at, source, created_at,"
    " review_batch_id, reviews_batch_id, name"
)


@dataclass(frozen=True)
class BatchRow:
    id: int
    title: str
    instructions: str
    kind: str
    options: dict[str, Any]
    settings: dict[str, Any]
    overlap: int
    lease_seconds: int
    reward: str
    gold_rate: float
    min_seconds: float
    daily_cap: int | None
    audience: tuple[str, ...]
    priority: int
    state: str
    activate_at: float | None
    source: str | None
    created_at: float
    review_batch_id: int | None = None
    reviews_batch_id: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class NewItem:
    external_id: str
    payload: dict[str, Any]
    gold: Any
    meta: dict[str, Any] | None


@dataclass(frozen=True)
class Progress:
    items: int
    gold_items: int
    complete_items: int
    counted_answers: int
    wanted_answers: int
    surplus_answers: int  # kept, not counted: their item was full when they came
    live_leases: int
    members: int
    gold_answers: int = 0  # answers on gold items: they check members, not part of completion
    rejected_answers: int = 0  # not accepted (quality checks, reviews, moderators)
    pending_answers: int = 0  # waiting for review


def batch_from_row(row: sqlite3.Row) -> BatchRow:
    audience = tuple(a for a in row["audience"].split(",") if a) if row["audience"] != "all" else ()
    return BatchRow(
        id=row["id"],
        title=row["title"],
        instructions=row["instructions"],
        kind=row["kind"],
        options=json.loads(row["options"]),
        settings=json.loads(row["settings"]),
        overlap=row["overlap"],
        lease_seconds=row["lease_seconds"],
        reward=row["reward"],
        gold_rate=row["gold_rate"],
        min_seconds=row["min_seconds"],
        daily_cap=row["daily_cap"],
        audience=audience,
        priority=row["priority"],
        state=row["state"],
        activate_at=row["activate_at"],
        source=row["source"],
        created_at=row["created_at"],
        review_batch_id=row["review_batch_id"],
        reviews_batch_id=row["reviews_batch_id"],
        name=row["name"],
    )


async def create_batch(
    db: Database,
    *,
    fields: dict[str, Any],
    items: Iterable[NewItem],
    created_by: int | None,
    now: float,
    name: str | None = None,
    review_fields: dict[str, Any] | None = None,
) -> int:
    """Insert a batch and all its items in one transaction; returns the batch id.

    With `review_fields`, a review batch is created with it and linked both ways.
    """
    item_list = list(items)

    def insert_batch(raw: sqlite3.Connection, values: dict[str, Any]) -> int:
        return raw.execute(
            "INSERT INTO batches (title, instructions, kind, options, settings, overlap,"
            " lease_seconds, reward, gold_rate, min_seconds, daily_cap, audience, priority,"
            " state, activate_at, source, created_by, created_at, state_changed_at)"
            " VALUES (:title, :instructions, :kind, :options, :settings, :overlap,"
            " :lease_seconds, :reward, :gold_rate, :min_seconds, :daily_cap, :audience,"
            " :priority, :state, :activate_at, :source, :created_by, :now, :now) RETURNING id",
            {**values, "created_by": created_by, "now": now},
        ).fetchone()[0]

    def job(raw: sqlite3.Connection) -> int:
        batch_id = insert_batch(raw, fields)
        if name is not None:
            raw.execute("UPDATE batches SET name = ? WHERE id = ?", (name, batch_id))
        if review_fields is not None:
            review_id = insert_batch(raw, review_fields)
            raw.execute(
                "UPDATE batches SET review_batch_id = ? WHERE id = ?", (review_id, batch_id)
            )
            raw.execute(
                "UPDATE batches SET reviews_batch_id = ? WHERE id = ?", (batch_id, review_id)
            )
        overlap = fields["overlap"]
        raw.executemany(
            "INSERT INTO items (batch_id, external_id, payload, gold, is_gold, meta, overlap,"
            " free_slots) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    batch_id,
                    item.external_id,
                    json.dumps(item.payload, ensure_ascii=False),
                    None if item.gold is None else json.dumps(item.gold, ensure_ascii=False),
                    int(item.gold is not None),
                    None if item.meta is None else json.dumps(item.meta, ensure_ascii=False),
                    GOLD_OVERLAP if item.gold is not None else overlap,
                    GOLD_OVERLAP if item.gold is not None else overlap,
                )
                for item in item_list
            ),
        )
        return batch_id

    return await db.write(job)


async def identical_batch(
    db: Database, *, fields: dict[str, Any], items: Iterable[NewItem]
) -> int | None:
    """The first batch (not a review batch) with the same settings and the very same items, in
    the same order, as `fields` and `items` would make; None when there is none."""
    wanted = [
        (
            item.external_id,
            json.dumps(item.payload, ensure_ascii=False),
            None if item.gold is None else json.dumps(item.gold, ensure_ascii=False),
            None if item.meta is None else json.dumps(item.meta, ensure_ascii=False),
        )
        for item in items
    ]

    def job(raw: sqlite3.Connection) -> int | None:
        candidates = raw.execute(
            "SELECT b.id FROM batches b WHERE b.reviews_batch_id IS NULL AND b.title = ?"
            " AND b.instructions = ? AND b.kind = ? AND b.options = ? AND b.settings = ?"
            " AND (SELECT count(*) FROM items i WHERE i.batch_id = b.id) = ? ORDER BY b.id",
            (
                fields["title"],
                fields["instructions"],
                fields["kind"],
                fields["options"],
                fields["settings"],
                len(wanted),
            ),
        ).fetchall()
        for (batch_id,) in candidates:
            stored = raw.execute(
                "SELECT external_id, payload, gold, meta FROM items WHERE batch_id = ? ORDER BY id",
                (batch_id,),
            ).fetchall()
            if [tuple(row) for row in stored] == wanted:
                return int(batch_id)
        return None

    return await db.read(job)


async def get_batch(db: Database, batch_id: int) -> BatchRow | None:
    row = await db.fetch_one(f"SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,))
    return None if row is None else batch_from_row(row)


async def list_batches(db: Database, states: Iterable[str] | None = None) -> list[BatchRow]:
    wanted = list(states or [])
    where = f"WHERE state IN ({', '.join('?' for _ in wanted)})" if wanted else ""
    rows = await db.fetch_all(
        f"SELECT {BATCH_COLUMNS} FROM batches {where} ORDER BY priority DESC, id", wanted
    )
    return [batch_from_row(row) for row in rows]


async def change_state(
    db: Database, batch_id: int, allowed_from: Iterable[str], to: str, now: float
) -> str | None:
    """Move a batch to `to` if its state is one of `allowed_from`; returns the state it had.

    Returns None when there is no such batch. When the move is not allowed, nothing changes and
    the current state is returned, so the caller can explain.
    """
    sources = list(allowed_from)

    def job(raw: sqlite3.Connection) -> str | None:
        row = raw.execute("SELECT state FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            return None
        if row[0] in sources:
            raw.execute(
                "UPDATE batches SET state = ?, state_changed_at = ? WHERE id = ?",
                (to, now, batch_id),
            )
            changed = [batch_id]
            if to != "closed":  # its review batch follows; closed, its answers are still reviewed
                marks = ", ".join("?" for _ in sources)
                changed += [
                    row[0]
                    for row in raw.execute(
                        "UPDATE batches SET state = ?, state_changed_at = ?"
                        f" WHERE reviews_batch_id = ? AND state IN ({marks}) RETURNING id",
                        (to, now, batch_id, *sources),
                    )
                ]
            if to != "active":
                # Leases on a batch that stops serving end now, as if their time were up: an
                # answer still arriving is taken (counted if its item has room).
                raw.executemany(
                    "UPDATE leases SET state = 'expired' WHERE batch_id = ? AND state = 'live'",
                    [(changed_id,) for changed_id in changed],
                )
        return row[0]

    return await db.write(job)


def activate_due(raw: sqlite3.Connection, now: float) -> list[int]:
    """Activate drafts whose activation time has come; returns their ids."""
    rows = raw.execute(
        "UPDATE batches SET state = 'active', state_changed_at = ?"
        " WHERE state = 'draft' AND activate_at IS NOT NULL AND activate_at <= ? RETURNING id",
        (now, now),
    ).fetchall()
    activated = [row[0] for row in rows]
    raw.executemany(  # their review batches open with them
        "UPDATE batches SET state = 'active', state_changed_at = ?"
        " WHERE reviews_batch_id = ? AND state = 'draft'",
        [(now, batch_id) for batch_id in activated],
    )
    return activated


async def activate_due_batches(db: Database, now: float) -> list[int]:
    return await db.write(lambda raw: activate_due(raw, now))


async def batch_progress(db: Database, batch_id: int, now: float) -> Progress:
    def job(raw: sqlite3.Connection) -> Progress:
        items = raw.execute(
            "SELECT count(*) FILTER (WHERE NOT is_gold), count(*) FILTER (WHERE is_gold),"
            " count(*) FILTER (WHERE NOT is_gold AND answers >= overlap),"
            " coalesce(sum(answers) FILTER (WHERE NOT is_gold), 0),"
            " coalesce(sum(overlap) FILTER (WHERE NOT is_gold), 0)"
            " FROM items WHERE batch_id = ?",
            (batch_id,),
        ).fetchone()
        answers = raw.execute(
            "SELECT count(*) FILTER (WHERE reason = 'quality.surplus'), count(DISTINCT profile_id),"
            " count(*) FILTER (WHERE item_id IN"
            " (SELECT id FROM items WHERE batch_id = ? AND is_gold)),"
            " count(*) FILTER (WHERE status = 'rejected' AND reason IS NOT 'quality.surplus'),"
            " count(*) FILTER (WHERE status = 'pending')"
            " FROM answers WHERE batch_id = ?",
            (batch_id, batch_id),
        ).fetchone()
        live = raw.execute(
            "SELECT count(*) FROM leases WHERE batch_id = ? AND state = 'live' AND expires_at > ?",
            (batch_id, now),
        ).fetchone()[0]
        return Progress(
            items=items[0],
            gold_items=items[1],
            complete_items=items[2],
            counted_answers=items[3],
            wanted_answers=items[4],
            surplus_answers=answers[0],
            live_leases=live,
            members=answers[1],
            gold_answers=answers[2],
            rejected_answers=answers[3],
            pending_answers=answers[4],
        )

    return await db.read(job)
