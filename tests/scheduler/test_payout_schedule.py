"""Scheduled payouts on the embedded chain: once at their time, once after a restart that missed
them, and never twice when two schedulers share the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from microtasks.settings import Settings
from storage import ledger
from storage.database import Database
from storage.scheduler import claim_run, job_states, take_lock
from tests.clock import ManualClock
from tests.scheduler.conftest import at, owed_member, payout_debits, runner


async def test_a_cron_payout_fires_once_at_its_time(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    ann = await owed_member(db, "ann", 5)
    bot = runner(settings, db, clock)
    await bot.prepare()

    assert "payouts" not in [o.job for o in await bot.tick()]  # 11:00: not yet
    assert await ledger.balance(db, ann) == 5 * 10**18

    clock.now = at("2026-06-01 12:00:30")
    ran = {o.job: o for o in await bot.tick()}
    assert ran["payouts"].ok, ran["payouts"].summary
    assert await ledger.balance(db, ann) == 0
    assert await payout_debits(db, ann) == 1

    await owed_member(db, "ben", 3)  # owed after the run: waits for tomorrow
    clock.now = at("2026-06-01 12:05")
    assert "payouts" not in [o.job for o in await bot.tick()]
    state = (await job_states(db))["payouts"]
    assert state.last_outcome == "ok" and state.anchor == at("2026-06-01 12:00:30")
    assert "paid 1" in (state.last_summary or "")


async def test_payouts_missed_while_the_bot_was_down_run_once_on_start(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    ann = await owed_member(db, "ann", 5)
    await runner(settings, db, clock).prepare()  # the bot ran at 11:00, then stopped

    clock.now = at("2026-06-04 09:00")  # three noons later it starts again
    restarted = runner(settings, db, clock)
    assert "payouts" in await restarted.due()
    ran = [o.job for o in await restarted.tick()]

    assert ran.count("payouts") == 1
    assert await payout_debits(db, ann) == 1
    assert "payouts" not in await restarted.due()  # the next one is today at noon
    clock.now = at("2026-06-04 12:00")
    assert "payouts" in await restarted.due()


async def test_two_schedulers_on_one_database_never_both_pay(
    db: Database, settings: Settings, clock: ManualClock, db_path: Path
) -> None:
    people = [await owed_member(db, name, 2) for name in ("ann", "ben", "cy")]
    first = runner(settings, db, clock, holder="bot-1")
    await first.prepare()
    async with await Database.open(db_path) as other_db:  # a second process's connections
        second = runner(settings, other_db, clock, holder="bot-2")
        clock.now = at("2026-06-01 12:00:10")

        one, two = await asyncio.gather(first.run_due("payouts"), second.run_due("payouts"))

    assert sorted([one.ran, two.ran]) == [False, True]
    assert [await payout_debits(db, p) for p in people] == [1, 1, 1]


async def test_a_dead_leaders_payout_is_taken_over_once_its_lock_expires(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    ann = await owed_member(db, "ann", 5)
    survivor = runner(settings, db, clock, holder="bot-2")
    await survivor.prepare()
    clock.now = at("2026-06-01 12:00:05")
    # bot-1 led, claimed the noon run, and died before paying anything.
    state = (await job_states(db))["payouts"]
    assert await take_lock(db, "leader", "bot-1", clock.now, clock.now + 120)
    assert await claim_run(
        db,
        "payouts",
        holder="bot-1",
        now=clock.now,
        until=clock.now + 120,
        seen_anchor=state.anchor,
    )

    clock.now = at("2026-06-01 12:01")
    assert (await survivor.run_due("payouts")).ran is False  # bot-1's claim still holds
    assert await ledger.balance(db, ann) == 5 * 10**18

    clock.now = at("2026-06-01 12:03")  # bot-1 renewed nothing for two minutes
    outcome = await survivor.run_due("payouts")
    assert outcome.ran and outcome.ok, outcome.summary
    assert await payout_debits(db, ann) == 1
    assert (await survivor.run_due("payouts")).ran is False
