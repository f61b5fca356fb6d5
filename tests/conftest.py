"""Shared fixtures: every test gets its own working folder, environment and database file."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from microtasks.settings import Settings
from storage import schema
from storage.database import Database

# Every setting the bot reads, by its environment name: none may leak in from the developer's.
SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a fresh folder with no operator settings, so no `.env` or variable leaks in."""
    for name in list(os.environ):
        if name.upper() in SETTING_NAMES:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "microtasks.db"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    await schema.upgrade(db_path)
    database = await Database.open(db_path)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def upgraded_database(db_path: Path) -> Path:
    """The empty database `microtasks db upgrade` makes, as an operator has before a command."""
    asyncio.run(schema.upgrade(db_path))
    return db_path
