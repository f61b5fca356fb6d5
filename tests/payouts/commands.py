"""Running `microtasks` as an operator does: in this process (Typer's runner) or in a process of
its own (a real exit status, SIGKILL included), against the database in the test's folder."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from typer.testing import CliRunner

from microtasks.cli import app
from storage import schema
from storage.database import Database
from tests.payouts.conftest import Member, crowd

T = TypeVar("T")
EMBEDDED_CHAIN_ID = 131277322940537
DATABASE = Path("data/microtasks.db")  # the default DATABASE_URL, in the test's own folder
MICROTASKS = Path(sys.executable).with_name("microtasks")
WIDE = {"COLUMNS": "220"}


def members_owed(amounts: list[int]) -> list[Member]:
    """Members with linked wallets and these balances, in the default database."""

    async def setup() -> list[Member]:
        await schema.upgrade(DATABASE)
        db = await Database.open(DATABASE)
        try:
            return await crowd(db, EMBEDDED_CHAIN_ID, amounts)
        finally:
            await db.close()

    return asyncio.run(setup())


def look(question: Callable[[Database], Awaitable[T]]) -> T:
    """Ask the default database something, as `payouts status` would."""

    async def read() -> T:
        db = await Database.open(DATABASE)
        try:
            return await question(db)
        finally:
            await db.close()

    return asyncio.run(read())


def cli(*args: str, answer: str | None = None, **env: str) -> tuple[int, str]:
    """`microtasks ARGS` in this process: exit status, stdout and stderr together."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        result = CliRunner().invoke(app, list(args), input=answer, env={**WIDE, **env})
    finally:  # the command logs to the runner's stderr, which closes with it
        root.handlers[:], root.level = handlers, level
    return result.exit_code, result.output  # stdout and stderr, as the terminal shows them


def microtasks(*args: str, crash_at: str | None = None, **env: str) -> tuple[int, str]:
    """`microtasks ARGS` in a process of its own; `crash_at` arms MICROTASKS_CRASH_AT
    (wallet/faults.py). Exit status (negative: killed by that signal), stdout and stderr."""
    environment = {k: v for k, v in os.environ.items() if k != "MICROTASKS_CRASH_AT"}
    environment.update(WIDE, **env)
    if crash_at:
        environment["MICROTASKS_CRASH_AT"] = crash_at
    done = subprocess.run(
        [str(MICROTASKS), *args],
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def said(output: str) -> list[str]:
    """The lines meant for the operator: everything but log lines."""
    return [line for line in output.splitlines() if not line.startswith("ts=")]
