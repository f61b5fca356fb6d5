"""Build the services from settings: the one place that knows how the parts fit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from microtasks.settings import Settings
from storage import schema
from storage.database import Database


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[Database]:
    """The database, upgraded first if `AUTO_MIGRATE` allows, closed on exit."""
    await schema.ensure_current(settings.database_path, auto_upgrade=settings.auto_migrate)
    db = await Database.open(settings.database_path)
    try:
        yield db
    finally:
        await db.close()
