"""The connection strategy: one writer connection with group commit, one reader connection.

- Both connections are aiosqlite connections to one SQLite file in WAL mode, with
  `foreign_keys=ON`, `busy_timeout=5000` and `synchronous=NORMAL` (a commit survives a process
  crash; a power cut may lose the last few commits but never corrupts the file).
- Every write is a *job*: a plain function of a `sqlite3.Connection` that runs on the writer
  connection's own thread. A single writer task takes every job queued at that moment, runs them
  in one transaction, each inside its own SAVEPOINT (a failing job rolls back alone and its caller
  gets the exception), and commits once. Callers are answered only after that commit, so an
  acknowledged write is durable, and concurrent members share one commit instead of queueing for
  one each. A whole group costs one hop to the database thread.
- Reads go to the reader connection, which sees every committed write (WAL readers never block
  the writer).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], T]
Params = Sequence[Any] | dict[str, Any]

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
    "PRAGMA temp_store=MEMORY",
)
READ_ONLY_PRAGMAS = ("PRAGMA query_only=ON", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000")
MAX_GROUP = 512
logger = logging.getLogger("microtasks.storage")


class DatabaseUnavailable(Exception):
    """The database file cannot be opened (a missing or read-only folder, a folder as the file)."""


class DatabaseLost(DatabaseUnavailable):
    """The database file was deleted or replaced while open: nothing more is written to it."""


def _identity(path: Path) -> tuple[int, int] | None:
    """The file's device and inode, or None when no file is there."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def unwritable(path: Path) -> str | None:
    """Why SQLite could not write this database (the file, or the folder where it keeps its
    -wal and -shm files, is read-only), or None when it can."""
    folder = path.parent
    if folder.is_dir() and os.statvfs(folder).f_flag & os.ST_RDONLY:
        return f"the folder {folder} is on a file system mounted read-only"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {path} is read-only"
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return f"the folder {folder} is read-only (SQLite writes its -wal and -shm files there)"
    return None


async def connect(
    path: Path, *, create: bool = False, writable: bool = True
) -> aiosqlite.Connection:
    """Open one connection with the project's pragmas; autocommit, so transactions are explicit.

    A missing file is created only with `create` (the bot's start and `db upgrade`), in its last
    folder at most, so a mistyped path is an error. Not `writable`: read-only (SQLite's `mode=ro`;
    in a read-only folder with no write-ahead log to read, `immutable`).
    """
    if path.is_dir():  # noqa: ASYNC240 - a few stats, once per connection
        raise DatabaseUnavailable(f"cannot open the database {path}: it is a folder, not a file")
    if not path.exists():  # noqa: ASYNC240
        if not create:
            raise DatabaseUnavailable(
                f"there is no database at {path}: `microtasks db upgrade` or starting the bot "
                "creates it (check DATABASE_URL if one should be there)"
            )
        try:
            path.parent.mkdir(exist_ok=True)  # only the last folder: a mistyped path is an error
        except FileNotFoundError:
            raise DatabaseUnavailable(
                f"cannot open the database {path}: the folder {path.parent.parent} does not exist"
            ) from None
        except OSError as error:
            raise DatabaseUnavailable(
                f"cannot open the database {path}: cannot create its folder ({error.strerror})"
            ) from None
    if writable and (reason := unwritable(path)) is not None:
        raise DatabaseUnavailable(f"cannot write to the database {path}: {reason}")
    try:
        conn = await _open(path, writable)
    except sqlite3.Error as error:
        raise DatabaseUnavailable(f"cannot open the database {path}: {error}") from None
    conn.row_factory = sqlite3.Row
    try:
        for pragma in PRAGMAS if writable else READ_ONLY_PRAGMAS:
            await conn.execute(pragma)
    except sqlite3.Error as error:
        await conn.close()
        raise DatabaseUnavailable(f"cannot open the database {path}: {error}") from None
    return conn


async def _open(path: Path, writable: bool) -> aiosqlite.Connection:
    if writable:
        return await aiosqlite.connect(path, isolation_level=None)
    uri = f"{path.resolve().as_uri()}?mode=ro"  # noqa: ASYNC240 - once per connection
    conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    try:
        await conn.execute("SELECT count(*) FROM sqlite_schema")
        return conn
    except sqlite3.OperationalError:
        await conn.close()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise  # immutable would not read the log's committed pages
    # A read-only folder where SQLite cannot make its -shm file: nothing can write here either.
    return await aiosqlite.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)


async def run_on_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn` on the connection's own thread: a whole job costs one hop, not one per statement.

    aiosqlite has no public call for this; `_execute` is the one it uses for every statement
    (aiosqlite is pinned below 0.23 in pyproject.toml).
    """
    return await conn._execute(fn, *args)


def run_in_transaction(raw: sqlite3.Connection, job: Job[T]) -> T:
    """Run one job in its own transaction (used for migrations and maintenance)."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        result = job(raw)
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return result


@dataclass
class _Outcome:
    value: Any = None
    error: BaseException | None = None


def _run_group(raw: sqlite3.Connection, jobs: list[Job[Any]]) -> list[_Outcome]:
    outcomes: list[_Outcome] = []
    raw.execute("BEGIN IMMEDIATE")
    try:
        for job in jobs:
            raw.execute("SAVEPOINT job")
            try:
                outcomes.append(_Outcome(value=job(raw)))
            except Exception as error:
                raw.execute("ROLLBACK TO job")
                outcomes.append(_Outcome(error=error))
            raw.execute("RELEASE job")
        raw.execute("COMMIT")
    except BaseException:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise
    return outcomes


@dataclass
class _Pending:
    job: Job[Any]
    future: asyncio.Future[Any] = field(repr=False)


class DatabaseClosed(RuntimeError):
    pass


class Database:
    """The application's handle on SQLite. Open with `await Database.open(path)`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writer_task: asyncio.Task[None] | None = None
        self._closed = False
        self._identity = _identity(path)
        self.lost: str | None = None  # why writes stopped, once the file went away
        self.read_only: str | None = None  # why nothing can be written, when opened read-only

    @classmethod
    async def open(cls, path: Path, *, create: bool = False) -> Database:
        """With `create` (the bot), a missing file is created and it must be writable. Without,
        the file must exist, and one that cannot be written opens read-only: every read works
        and every write is refused saying why."""
        read_only = None if create else unwritable(path)
        writer = await connect(path, create=create, writable=read_only is None)
        reader = await connect(path, writable=read_only is None)
        await reader.execute("PRAGMA query_only=ON")
        db = cls(path, writer, reader)
        db.read_only = read_only
        db._writer_task = asyncio.create_task(db._write_loop(), name="database-writer")
        return db

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._queue.put(None)
        if self._writer_task:
            await self._writer_task
        await self._reader.close()
        await self._writer.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # Writes

    async def write(self, job: Job[T]) -> T:
        """Run `job` in a transaction shared with other queued jobs; returns after the commit."""
        if self._closed:
            raise DatabaseClosed("the database is closed")
        if self.read_only is not None:
            raise DatabaseUnavailable(f"cannot write to the database {self.path}: {self.read_only}")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(job, future))
        return await future

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One write statement; returns the number of rows it changed."""
        return await self.write(lambda raw: raw.execute(sql, params).rowcount)

    async def _write_loop(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP and not self._queue.empty():
                pending = self._queue.get_nowait()
                if pending is None:
                    await self._settle(group)
                    return
                group.append(pending)
            await self._settle(group)

    def _check_file(self) -> None:
        """Refuse to write once the file was deleted or replaced: those writes would be lost."""
        if self.lost is None and _identity(self.path) != self._identity:
            self.lost = (
                f"the database {self.path} was deleted or replaced while in use: "
                "nothing more is written; restart to use the file now there"
            )
            logger.error("database.lost", extra={"fields": {"path": str(self.path)}})
        if self.lost is not None:
            raise DatabaseLost(self.lost)

    async def _settle(self, group: list[_Pending]) -> None:
        try:
            self._check_file()  # one stat per group of writes
            outcomes = await run_on_thread(
                self._writer, _run_group, self._writer._conn, [p.job for p in group]
            )
        except BaseException as error:
            for pending in group:
                if not pending.future.done():
                    pending.future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for pending, outcome in zip(group, outcomes, strict=True):
            if pending.future.done():
                continue
            if outcome.error is not None:
                pending.future.set_exception(outcome.error)
            else:
                pending.future.set_result(outcome.value)

    # Reads

    async def read(self, job: Job[T]) -> T:
        """Run a read-only job on the reader connection's thread, in one call.

        The job must finish every statement it starts (fetch all rows, or close its cursor).
        """
        return await run_on_thread(self._reader, job, self._reader._conn)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await self.read(lambda raw: _fetch(raw, sql, params, many=True))

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await self.read(lambda raw: _fetch(raw, sql, params, many=False))

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def stream(
        self, sql: str, params: Params = (), chunk: int = 1000
    ) -> AsyncGenerator[sqlite3.Row, None]:
        """Rows one chunk at a time from a connection of its own, so memory stays flat."""
        conn = await connect(self.path, writable=self.read_only is None)
        try:
            await conn.execute("PRAGMA query_only=ON")
            async with conn.execute(sql, params) as cursor:
                while rows := await cursor.fetchmany(chunk):
                    for row in rows:
                        yield row
        finally:
            await conn.close()


def _fetch(raw: sqlite3.Connection, sql: str, params: Params, *, many: bool) -> Any:
    """Run a query to completion and close its cursor in the same call.

    Reads on the shared reader connection must never leave a statement open: an open statement
    keeps the connection's read transaction, and with it a stale WAL snapshot, alive.
    """
    cursor = raw.execute(sql, params)
    try:
        return cursor.fetchall() if many else cursor.fetchone()
    finally:
        cursor.close()


def rows_to_dicts(rows: Iterable[sqlite3.Row]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]
