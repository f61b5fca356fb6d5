"""The storage layer keeps every acknowledged write, even with many members writing at once."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from storage.database import Database


async def test_connections_use_wal_and_enforce_foreign_keys(db: Database) -> None:
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1

    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await db.execute(
            "INSERT INTO accounts (profile_id, platform, external_id) VALUES (999, 'console', 'x')"
        )


async def test_concurrent_writes_are_all_committed_before_they_are_acknowledged(
    db: Database, db_path: Path
) -> None:
    async def member_writes(n: int) -> int:
        return await db.write(
            lambda raw: raw.execute(
                "INSERT INTO profiles (display_name) VALUES (?) RETURNING id", (f"m{n}",)
            ).fetchone()[0]
        )

    ids = await asyncio.gather(*(member_writes(n) for n in range(300)))

    assert len(set(ids)) == 300
    # A separate connection sees every acknowledged row: they were committed, not just queued.
    count = sqlite3.connect(db_path).execute("SELECT count(*) FROM profiles").fetchone()[0]
    assert count == 300


async def test_a_failing_write_rolls_back_alone(db: Database) -> None:
    def half_then_fail(raw: sqlite3.Connection) -> None:
        raw.execute("INSERT INTO profiles (display_name) VALUES ('half-done')")
        raise ValueError("the job changed its mind")

    async def good(name: str) -> None:
        await db.execute("INSERT INTO profiles (display_name) VALUES (?)", (name,))

    results = await asyncio.gather(
        good("before"), db.write(half_then_fail), good("after"), return_exceptions=True
    )

    assert isinstance(results[1], ValueError)
    names = [row[0] for row in await db.fetch_all("SELECT display_name FROM profiles")]
    assert sorted(names) == ["after", "before"]


async def test_streaming_reads_rows_in_chunks(db: Database) -> None:
    await db.write(
        lambda raw: raw.executemany(
            "INSERT INTO profiles (display_name) VALUES (?)", [(f"p{i}",) for i in range(2500)]
        )
    )

    names = [
        row["display_name"]
        async for row in db.stream("SELECT display_name FROM profiles ORDER BY id", chunk=1000)
    ]

    assert len(names) == 2500 and names[0] == "p0" and names[-1] == "p2499"


async def test_a_closed_database_refuses_writes(db_path: Path) -> None:
    from storage import schema
    from storage.database import DatabaseClosed

    await schema.upgrade(db_path)
    database = await Database.open(db_path)
    await database.close()

    with pytest.raises(DatabaseClosed):
        await database.execute("INSERT INTO profiles (display_name) VALUES ('late')")
