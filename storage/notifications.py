"""The notification outbox: messages owed to people, delivered by whichever adapter reaches them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.database import Database


@dataclass(frozen=True)
class Notification:
    id: int
    profile_id: int
    key: str
    params: dict[str, Any]
    created_at: float


def enqueue(
    raw: sqlite3.Connection, profile_id: int, key: str, params: dict[str, Any], now: float
) -> int:
    """Owe `profile_id` the message `key`; call inside the transaction that caused it."""
    return raw.execute(
        "INSERT INTO notifications (profile_id, key, params, created_at) VALUES (?, ?, ?, ?)"
        " RETURNING id",
        (profile_id, key, json.dumps(params, ensure_ascii=False), now),
    ).fetchone()[0]


async def notify(
    db: Database, profile_id: int, key: str, params: dict[str, Any], now: float
) -> int:
    return await db.write(lambda raw: enqueue(raw, profile_id, key, params, now))


async def unsent(
    db: Database, platform: str, limit: int = 100, *, external_id: str | None = None
) -> list[Notification]:
    """Unsent messages for people who have an account on `platform` (only the person with
    `external_id` there, when given), oldest first."""
    rows = await db.fetch_all(
        "SELECT n.id, n.profile_id, n.key, n.params, n.created_at FROM notifications n"
        " WHERE n.sent_at IS NULL AND EXISTS (SELECT 1 FROM accounts a"
        " WHERE a.profile_id = n.profile_id AND a.platform = ?"
        " AND (? IS NULL OR a.external_id = ?)) ORDER BY n.id LIMIT ?",
        (platform, external_id, external_id, limit),
    )
    return [
        Notification(r["id"], r["profile_id"], r["key"], json.loads(r["params"]), r["created_at"])
        for r in rows
    ]


async def mark_sent(db: Database, notification_id: int, platform: str, now: float) -> bool:
    """Record delivery; False if another adapter delivered it first."""
    changed = await db.execute(
        "UPDATE notifications SET sent_at = ?, sent_via = ? WHERE id = ? AND sent_at IS NULL",
        (now, platform, notification_id),
    )
    return changed == 1
