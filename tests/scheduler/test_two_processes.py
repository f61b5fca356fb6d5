"""Two real bot processes on one database file, woken for the same noon payout: one pays."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from microtasks.settings import Settings
from storage.database import Database
from tests.clock import ManualClock
from tests.scheduler.conftest import at, owed_member, payout_debits, runner

ROOT = Path(__file__).resolve().parents[2]


def start_bot(db_path: Path, data_dir: Path, now: float, holder: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.scheduler.bot_process",
            str(db_path),
            str(data_dir),
            repr(now),
            holder,
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


async def test_two_bot_processes_sharing_a_database_never_both_pay(
    db: Database, db_path: Path, settings: Settings, clock: ManualClock
) -> None:
    people = [await owed_member(db, name, 2) for name in ("ann", "ben")]
    await runner(settings, db, clock).prepare()  # the schedule counts from 11:00
    noon = at("2026-06-01 12:00:01")

    bots = [start_bot(db_path, settings.data_dir, noon, f"bot-{n}") for n in (1, 2)]
    try:
        for bot in bots:
            assert bot.stdout is not None
            assert bot.stdout.readline().strip() == "ready"
        for bot in bots:
            assert bot.stdin is not None
            bot.stdin.write("go\n")
            bot.stdin.flush()
        outcomes = [
            json.loads(bot.communicate(timeout=120)[0].strip().splitlines()[-1]) for bot in bots
        ]
    finally:
        for bot in bots:
            if bot.poll() is None:
                bot.kill()

    assert sorted(o["ran"] for o in outcomes) == [False, True]
    paid = next(o for o in outcomes if o["ran"])
    assert paid["ok"], paid["summary"]
    assert [await payout_debits(db, p) for p in people] == [1, 1]
