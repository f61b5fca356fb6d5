"""Rows for exports, streamed so memory stays flat however large the batch."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import AsyncGenerator, Iterable, Iterator
from dataclasses import dataclass, field

from storage.database import Database

ANSWER_ROWS = """
SELECT a.id AS answer_id, b.id AS batch_id, b.title AS batch_title, b.kind AS kind,
       i.external_id AS item_id, i.is_gold AS is_gold, i.meta AS meta, i.payload AS payload,
       a.value AS value, a.counted AS counted, a.status AS status, a.reason AS reason,
       a.seconds AS seconds, a.leased_at AS leased_at,
       a.created_at AS answered_at, a.profile_id AS profile_id,
       (SELECT json_group_array(json(v.value)) FROM items r JOIN answers v ON v.item_id = r.id
         WHERE r.review_of = a.id ORDER BY v.id) AS review_votes,
       (SELECT group_concat(c.platform || ':' || c.external_id, ';')
          FROM accounts c WHERE c.profile_id = a.profile_id) AS platform_ids
FROM answers a
JOIN items i ON i.id = a.item_id
JOIN batches b ON b.id = a.batch_id
WHERE a.batch_id = ?
ORDER BY a.id
"""


def stream_answers(db: Database, batch_id: int) -> AsyncGenerator[sqlite3.Row, None]:
    return db.stream(ANSWER_ROWS, (batch_id,))


async def instance_key(db: Database, name: str) -> bytes:
    """A random secret made on first use and kept in the database (e.g. for pseudonyms); once
    made, reading it writes nothing, so a read-only database still exports."""
    known = await db.fetch_value("SELECT value FROM instance_keys WHERE name = ?", (name,))
    if known is not None:
        return bytes(known)

    def job(raw: sqlite3.Connection) -> bytes:
        raw.execute(
            "INSERT OR IGNORE INTO instance_keys (name, value) VALUES (?, ?)",
            (name, secrets.token_bytes(32)),
        )
        return raw.execute("SELECT value FROM instance_keys WHERE name = ?", (name,)).fetchone()[0]

    return await db.write(job)


@dataclass(frozen=True)
class AnswerColumns:
    """The answers to aggregate as one list per column (item id, member, answer JSON, item meta
    JSON); a text that repeats (an item's id and meta, a common answer) is held once per
    chunk read, not once per answer."""

    items: list[str] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    metas: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[tuple[str, int, str, str | None]]:
        return zip(self.items, self.members, self.values, self.metas, strict=True)

    def extend(self, rows: Iterable[tuple[str, int, str, str | None]]) -> None:
        texts: dict[str, str] = {}
        for item, member, value, meta in rows:
            self.items.append(texts.setdefault(item, item))
            self.members.append(member)
            self.values.append(texts.setdefault(value, value))
            self.metas.append(None if meta is None else texts.setdefault(meta, meta))

    @classmethod
    def of(cls, rows: Iterable[tuple[str, int, str, str | None]]) -> AnswerColumns:
        columns = cls()
        columns.extend(rows)
        return columns


AGGREGATION_CHUNK = 10_000  # rows fetched at a time: only this many row objects exist at once


def aggregation_rows(raw: sqlite3.Connection, batch_id: int) -> AnswerColumns:
    """The counted, accepted answers to a batch's ordinary (not gold) items, read in chunks
    into columns."""
    cursor = raw.execute(
        "SELECT i.external_id, a.profile_id, a.value, i.meta FROM answers a"
        " JOIN items i ON i.id = a.item_id"
        " WHERE a.batch_id = ? AND a.counted = 1 AND a.status = 'accepted' AND NOT i.is_gold"
        " ORDER BY i.id, a.id",
        (batch_id,),
    )
    columns = AnswerColumns()
    while chunk := cursor.fetchmany(AGGREGATION_CHUNK):
        columns.extend(chunk)
    return columns
