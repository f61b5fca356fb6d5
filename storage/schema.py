"""Schema migrations: numbered SQL files in `storage/migrations/`, applied in order.

A file is named `NNNN_what_it_does.sql`. Each one is applied inside one transaction together with
the row that records it in `schema_migrations`, so a failing migration leaves no trace. A database
whose newest recorded version is above the newest file this code knows is refused: an older build
must not write to a schema it does not understand.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from storage.database import connect, run_in_transaction, run_on_thread, unwritable

logger = logging.getLogger("microtasks.storage")
FILENAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


class SchemaError(Exception):
    """The database cannot be used with this code; the message says what to do."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class AppliedMigration:
    version: int
    name: str
    checksum: str
    applied_at: str


@dataclass(frozen=True)
class SchemaStatus:
    path: Path
    applied: list[AppliedMigration]
    pending: list[Migration]
    newest_known: int
    changed: list[int]

    @property
    def current(self) -> int:
        return max((m.version for m in self.applied), default=0)

    @property
    def too_new(self) -> bool:
        return self.current > self.newest_known


def known_migrations(folder: Path | None = None) -> list[Migration]:
    """The migrations shipped with this code, in version order."""
    source = folder or Path(str(resources.files("storage") / "migrations"))
    migrations = []
    for path in sorted(source.glob("*.sql")):
        match = FILENAME.match(path.name)
        if not match:
            raise SchemaError(f"{path}: migration files are named NNNN_name.sql")
        migrations.append(
            Migration(int(match["version"]), match["name"], path.read_text(encoding="utf-8"))
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise SchemaError(f"{source}: two migration files share a version number")
    return migrations


def split_statements(sql: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies (with their inner `;`) whole."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not current.strip().startswith("--"):
        raise SchemaError(f"unterminated SQL statement: {current.strip()[:80]}")
    return statements


def _applied(raw: sqlite3.Connection) -> list[AppliedMigration]:
    raw.execute(CREATE_LEDGER)
    rows = raw.execute(
        "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
    ).fetchall()
    return [AppliedMigration(*row) for row in rows]


def _status(raw: sqlite3.Connection, path: Path, known: list[Migration]) -> SchemaStatus:
    applied = _applied(raw)
    done = {m.version: m for m in applied}
    by_version = {m.version: m for m in known}
    return SchemaStatus(
        path=path,
        applied=applied,
        pending=[m for m in known if m.version not in done],
        newest_known=max(by_version, default=0),
        changed=[
            v for v, m in done.items() if v in by_version and by_version[v].checksum != m.checksum
        ],
    )


def _apply(raw: sqlite3.Connection, migration: Migration) -> None:
    for statement in split_statements(migration.sql):
        raw.execute(statement)
    raw.execute(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
        (
            migration.version,
            migration.name,
            migration.checksum,
            datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )


def too_new_message(status: SchemaStatus) -> str:
    return (
        f"the database {status.path} is at schema version {status.current}, but this microtasks "
        f"knows versions up to {status.newest_known}: install the newer microtasks that wrote it"
    )


async def schema_status(path: Path, known: list[Migration] | None = None) -> SchemaStatus:
    """The schema's version and its applied and pending migrations, read without writing."""
    conn = await connect(path, writable=False)
    try:
        migrations = known if known is not None else known_migrations()
        return await run_on_thread(conn, _status, conn._conn, path, migrations)
    finally:
        await conn.close()


async def upgrade(path: Path, known: list[Migration] | None = None) -> list[Migration]:
    """Apply every pending migration in order; returns those applied (none: already current).

    A database not there yet is created, its path logged."""
    migrations = known if known is not None else known_migrations()
    created = not path.exists()  # noqa: ASYNC240 - one stat per upgrade
    conn = await connect(path, create=True)
    if created:
        logger.info("database.created", extra={"fields": {"path": str(path)}})
    try:
        status = await run_on_thread(conn, _status, conn._conn, path, migrations)
        if status.too_new:
            raise SchemaError(too_new_message(status))
        for migration in status.pending:
            try:
                await run_on_thread(
                    conn, run_in_transaction, conn._conn, lambda raw, m=migration: _apply(raw, m)
                )
            except sqlite3.Error as error:
                raise SchemaError(
                    f"migration {migration.version:04d}_{migration.name} failed and was rolled "
                    f"back: {error}"
                ) from error
        return status.pending
    finally:
        await conn.close()


async def ensure_current(path: Path, *, auto_upgrade: bool, create: bool = False) -> SchemaStatus:
    """Make sure the code may use this database; upgrade it first if allowed (never one that
    cannot be written). With `create` (the bot's start), a missing database is created."""
    there = path.exists()  # noqa: ASYNC240 - one stat per command
    if (create and not there) or (auto_upgrade and there and not unwritable(path)):
        await upgrade(path)
    status = await schema_status(path)
    if status.too_new:
        raise SchemaError(too_new_message(status))
    if status.pending:
        raise SchemaError(
            f"the database {path} needs {len(status.pending)} "
            f"{'migration' if len(status.pending) == 1 else 'migrations'}: run "
            "`microtasks db upgrade`"
        )
    return status
