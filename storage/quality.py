"""SQL for quality control: answer decisions, gold scores, bans, reviews, exams, appeals."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class AnswerFacts:
    id: int
    item_id: int
    batch_id: int
    profile_id: int
    value: Any
    counted: bool
    status: str
    reason: str | None
    decided_by: int | None
    seconds: float
    is_gold: bool
    gold: Any
    review_of: int | None


def answer_facts(raw: sqlite3.Connection, answer_id: int) -> AnswerFacts | None:
    row = raw.execute(
        "SELECT a.id, a.item_id, a.batch_id, a.profile_id, a.value, a.counted, a.status,"
        " a.reason, a.decided_by, a.seconds, i.is_gold, i.gold, i.review_of"
        " FROM answers a JOIN items i ON i.id = a.item_id WHERE a.id = ?",
        (answer_id,),
    ).fetchone()
    if row is None:
        return None
    return AnswerFacts(
        row[0],
        row[1],
        row[2],
        row[3],
        json.loads(row[4]),
        bool(row[5]),
        row[6],
        row[7],
        row[8],
        row[9],
        bool(row[10]),
        None if row[11] is None else json.loads(row[11]),
        row[12],
    )


def decide(
    raw: sqlite3.Connection,
    answer_id: int,
    status: str,
    *,
    now: float,
    reason: str | None = None,
    decided_by: int | None = None,
    counted: bool | None = None,
) -> None:
    """Set an answer's status (and whether it counts toward its item's overlap)."""
    raw.execute(
        "UPDATE answers SET status = ?, reason = ?, decided_by = ?, decided_at = ?,"
        " counted = coalesce(?, counted) WHERE id = ?",
        (status, reason, decided_by, now, None if counted is None else int(counted), answer_id),
    )


def item_has_room(raw: sqlite3.Connection, item_id: int) -> bool:
    row = raw.execute("SELECT free_slots FROM items WHERE id = ?", (item_id,)).fetchone()
    return row is not None and row[0] > 0


def set_text_key(raw: sqlite3.Connection, answer_id: int, key: str) -> None:
    raw.execute("UPDATE answers SET text_key = ? WHERE id = ?", (key, answer_id))


def exact_duplicate(raw: sqlite3.Connection, batch_id: int | None, key: str) -> bool:
    """Whether any earlier text answer (in the batch, or anywhere when None) has this key."""
    params: tuple[object, ...]
    if batch_id is None:
        sql, params = "SELECT EXISTS (SELECT 1 FROM answers WHERE text_key = ?)", (key,)
    else:
        sql = "SELECT EXISTS (SELECT 1 FROM answers WHERE batch_id = ? AND text_key = ?)"
        params = (batch_id, key)
    return raw.execute(sql, params).fetchone()[0] == 1


def text_keys(raw: sqlite3.Connection, batch_id: int | None) -> list[str]:
    """Every earlier text answer's key, in the batch or anywhere (None), oldest first."""
    if batch_id is None:
        rows = raw.execute(
            "SELECT text_key FROM answers WHERE text_key IS NOT NULL ORDER BY id"
        ).fetchall()
    else:
        rows = raw.execute(
            "SELECT text_key FROM answers WHERE batch_id = ? AND text_key IS NOT NULL ORDER BY id",
            (batch_id,),
        ).fetchall()
    return [row[0] for row in rows]


def gold_score(
    raw: sqlite3.Connection, profile_id: int, batch_id: int | None = None
) -> tuple[int, int]:
    """(gold answers, correct ones) of a member, in one batch or overall."""
    where = "a.profile_id = ? AND i.is_gold" + (" AND a.batch_id = ?" if batch_id else "")
    params: tuple[int, ...] = (profile_id, batch_id) if batch_id else (profile_id,)
    row = raw.execute(
        f"SELECT count(*), count(*) FILTER (WHERE a.value = i.gold)"
        f" FROM answers a JOIN items i ON i.id = a.item_id WHERE {where}",
        params,
    ).fetchone()
    return row[0], row[1]


def ban(raw: sqlite3.Connection, batch_id: int, profile_id: int, reason: str, now: float) -> bool:
    row = raw.execute(
        "INSERT INTO batch_bans (batch_id, profile_id, reason, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING batch_id",
        (batch_id, profile_id, reason, now),
    ).fetchone()
    return row is not None


def is_banned(raw: sqlite3.Connection, batch_id: int, profile_id: int) -> bool:
    return (
        raw.execute(
            "SELECT EXISTS (SELECT 1 FROM batch_bans WHERE batch_id = ? AND profile_id = ?)",
            (batch_id, profile_id),
        ).fetchone()[0]
        == 1
    )


def live_answers_in_batch(raw: sqlite3.Connection, profile_id: int, batch_id: int) -> list[int]:
    """Ids of a member's answers in a batch that are not rejected yet."""
    rows = raw.execute(
        "SELECT id FROM answers WHERE profile_id = ? AND batch_id = ? AND status <> 'rejected'",
        (profile_id, batch_id),
    ).fetchall()
    return [row[0] for row in rows]


def counted_values(raw: sqlite3.Connection, item_id: int) -> list[str]:
    rows = raw.execute(
        "SELECT value FROM answers WHERE item_id = ? AND counted = 1", (item_id,)
    ).fetchall()
    return [row[0] for row in rows]


def item_overlap(raw: sqlite3.Connection, item_id: int) -> tuple[int, int]:
    """(overlap, counted answers) of an item."""
    row = raw.execute("SELECT overlap, answers FROM items WHERE id = ?", (item_id,)).fetchone()
    return row[0], row[1]


def set_item_overlap(raw: sqlite3.Connection, item_id: int, overlap: int) -> None:
    raw.execute("UPDATE items SET overlap = ? WHERE id = ?", (overlap, item_id))


def add_review_item(
    raw: sqlite3.Connection,
    review_batch_id: int,
    answer_id: int,
    author_id: int,
    payload: dict[str, Any],
    overlap: int,
) -> int:
    row = raw.execute(
        "INSERT INTO items (batch_id, external_id, payload, overlap, free_slots, review_of,"
        " author_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
        (
            review_batch_id,
            f"answer-{answer_id}",
            json.dumps(payload, ensure_ascii=False),
            overlap,
            overlap,
            answer_id,
            author_id,
        ),
    ).fetchone()
    return row[0] if row else 0


def retire_review_item(raw: sqlite3.Connection, answer_id: int) -> None:
    """Stop serving the review item of a decided answer: its live leases are released and it
    asks for no more reviews than it has (so it leaves the open-items index)."""
    row = raw.execute("SELECT id FROM items WHERE review_of = ?", (answer_id,)).fetchone()
    if row is None:
        return
    raw.execute(
        "UPDATE leases SET state = 'released' WHERE item_id = ? AND state = 'live'", (row[0],)
    )
    raw.execute("UPDATE items SET overlap = answers WHERE id = ? AND overlap > answers", (row[0],))


def review_verdicts(raw: sqlite3.Connection, review_item_id: int) -> list[str]:
    rows = raw.execute(
        "SELECT value FROM answers WHERE item_id = ? AND status <> 'rejected' ORDER BY id",
        (review_item_id,),
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def batch_links(raw: sqlite3.Connection, batch_id: int) -> tuple[int | None, int | None]:
    """(its review batch, the batch it reviews)."""
    row = raw.execute(
        "SELECT review_batch_id, reviews_batch_id FROM batches WHERE id = ?", (batch_id,)
    ).fetchone()
    return row[0], row[1]


def link_review_batch(raw: sqlite3.Connection, batch_id: int, review_batch_id: int) -> None:
    raw.execute("UPDATE batches SET review_batch_id = ? WHERE id = ?", (review_batch_id, batch_id))
    raw.execute("UPDATE batches SET reviews_batch_id = ? WHERE id = ?", (batch_id, review_batch_id))


def set_batch_name(raw: sqlite3.Connection, batch_id: int, name: str) -> None:
    raw.execute("UPDATE batches SET name = ? WHERE id = ?", (name, batch_id))


def batch_id_by_name(raw: sqlite3.Connection, name: str) -> int | None:
    row = raw.execute("SELECT id FROM batches WHERE name = ?", (name,)).fetchone()
    return None if row is None else row[0]


# Exams


def answers_since(
    raw: sqlite3.Connection, profile_id: int, batch_id: int, since: float
) -> list[tuple[Any, Any]]:
    """(value, gold) of a member's answers in a batch after `since`."""
    rows = raw.execute(
        "SELECT a.value, i.gold FROM answers a JOIN items i ON i.id = a.item_id"
        " WHERE a.profile_id = ? AND a.batch_id = ? AND a.created_at > ? ORDER BY a.id",
        (profile_id, batch_id, since),
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def items_left_for(raw: sqlite3.Connection, profile_id: int, batch_id: int) -> int:
    """Items of a batch the member has neither answered nor skipped."""
    return raw.execute(
        "SELECT count(*) FROM items i WHERE i.batch_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.item_id = i.id AND a.profile_id = ?)"
        " AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.item_id = i.id AND s.profile_id = ?)",
        (batch_id, profile_id, profile_id),
    ).fetchone()[0]


def last_attempt(raw: sqlite3.Connection, profile_id: int, batch_id: int) -> sqlite3.Row | None:
    return raw.execute(
        "SELECT correct, total, passed, finished_at FROM exam_attempts"
        " WHERE profile_id = ? AND batch_id = ? ORDER BY id DESC LIMIT 1",
        (profile_id, batch_id),
    ).fetchone()


def record_attempt(
    raw: sqlite3.Connection,
    profile_id: int,
    batch_id: int,
    correct: int,
    total: int,
    passed: bool,
    now: float,
) -> None:
    raw.execute(
        "INSERT INTO exam_attempts (batch_id, profile_id, correct, total, passed, finished_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (batch_id, profile_id, correct, total, int(passed), now),
    )


def passed_exam(raw: sqlite3.Connection, profile_id: int, batch_id: int) -> bool:
    return (
        raw.execute(
            "SELECT EXISTS (SELECT 1 FROM exam_attempts WHERE profile_id = ? AND batch_id = ?"
            " AND passed = 1)",
            (profile_id, batch_id),
        ).fetchone()[0]
        == 1
    )


# Levels


def work_record(raw: sqlite3.Connection, profile_id: int) -> tuple[int, int, int, int]:
    """(accepted answers, rejected answers, gold answers, correct gold answers) overall."""
    row = raw.execute(
        "SELECT count(*) FILTER (WHERE a.status = 'accepted'),"
        " count(*) FILTER (WHERE a.status = 'rejected'),"
        " count(*) FILTER (WHERE i.is_gold),"
        " count(*) FILTER (WHERE i.is_gold AND a.value = i.gold)"
        " FROM answers a JOIN items i ON i.id = a.item_id WHERE a.profile_id = ?",
        (profile_id,),
    ).fetchone()
    return row[0], row[1], row[2], row[3]


def item_payload(raw: sqlite3.Connection, item_id: int) -> dict[str, Any]:
    return json.loads(
        raw.execute("SELECT payload FROM items WHERE id = ?", (item_id,)).fetchone()[0]
    )


def batch_title_and_reward(raw: sqlite3.Connection, batch_id: int) -> tuple[str, Decimal]:
    row = raw.execute("SELECT title, reward FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return row[0], Decimal(row[1])


# Moderators' queue and appeals


@dataclass(frozen=True)
class QueueEntry:
    answer_id: int
    batch_title: str
    kind: str
    profile_id: int
    value: Any
    status: str
    reason: str | None
    appeal: str | None  # the member's appeal message, when one is open


def review_queue(raw: sqlite3.Connection, limit: int) -> list[QueueEntry]:
    """Text and voice answers waiting for review, then rejected answers with open appeals."""
    rows = raw.execute(
        "SELECT a.id, b.title, b.kind, a.profile_id, a.value, a.status, a.reason, p.message"
        " FROM answers a JOIN batches b ON b.id = a.batch_id"
        " LEFT JOIN appeals p ON p.answer_id = a.id AND p.decided_at IS NULL"
        " WHERE (a.status = 'pending' AND b.kind IN ('text', 'voice') AND a.counted = 1)"
        "    OR p.answer_id IS NOT NULL"
        " ORDER BY p.answer_id IS NULL, a.id LIMIT ?",
        (limit,),
    ).fetchall()
    return [QueueEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7]) for r in rows]


def add_appeal(
    raw: sqlite3.Connection, answer_id: int, profile_id: int, message: str, now: float
) -> bool:
    row = raw.execute(
        "INSERT INTO appeals (answer_id, profile_id, message, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING answer_id",
        (answer_id, profile_id, message, now),
    ).fetchone()
    return row is not None


def open_appeal(raw: sqlite3.Connection, answer_id: int) -> sqlite3.Row | None:
    return raw.execute(
        "SELECT answer_id, profile_id, message FROM appeals"
        " WHERE answer_id = ? AND decided_at IS NULL",
        (answer_id,),
    ).fetchone()


def close_appeal(
    raw: sqlite3.Connection, answer_id: int, moderator_id: int, outcome: str, now: float
) -> None:
    raw.execute(
        "UPDATE appeals SET decided_by = ?, decided_at = ?, outcome = ? WHERE answer_id = ?",
        (moderator_id, now, outcome, answer_id),
    )


# A member's history


@dataclass(frozen=True)
class HistoryRow:
    answer_id: int
    batch_title: str
    kind: str
    value: Any
    status: str
    reason: str | None
    created_at: float
    ledger: list[tuple[str, int, str | None]]  # (cause, amount, payout reference)
    paid_tx: str | None = None  # the payout transaction that covered this answer's credit


def history(raw: sqlite3.Connection, profile_id: int, limit: int) -> list[HistoryRow]:
    rows = raw.execute(
        "SELECT a.id, b.title, b.kind, a.value, a.status, a.reason, a.created_at"
        " FROM answers a JOIN batches b ON b.id = a.batch_id WHERE a.profile_id = ?"
        " ORDER BY a.id DESC LIMIT ?",
        (profile_id, limit),
    ).fetchall()
    out = []
    for r in rows:
        entries = raw.execute(
            "SELECT cause, amount_hi, amount_lo, payout_ref FROM ledger WHERE answer_id = ?"
            " ORDER BY id",
            (r[0],),
        ).fetchall()
        ledger_rows = [(e[0], e[1] * 10**12 + e[2], e[3]) for e in entries]
        out.append(HistoryRow(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5], r[6], ledger_rows))
    return out


def active_days(raw: sqlite3.Connection, profile_id: int, since: float) -> list[int]:
    """Days (unix day numbers, UTC) on which the member had work accepted, newest first."""
    rows = raw.execute(
        "SELECT DISTINCT CAST(created_at / 86400 AS INTEGER) AS day FROM answers"
        " WHERE profile_id = ? AND status = 'accepted' AND created_at >= ? ORDER BY day DESC",
        (profile_id, since),
    ).fetchall()
    return [row[0] for row in rows]


def answer_counts(raw: sqlite3.Connection, profile_id: int) -> tuple[int, int, int]:
    """(accepted, pending, rejected) answers of a member."""
    row = raw.execute(
        "SELECT count(*) FILTER (WHERE status = 'accepted'),"
        " count(*) FILTER (WHERE status = 'pending'),"
        " count(*) FILTER (WHERE status = 'rejected') FROM answers WHERE profile_id = ?",
        (profile_id,),
    ).fetchone()
    return row[0], row[1], row[2]
