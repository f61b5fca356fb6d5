"""When a dataset built from a batch is used, its contributors keep earning: royalties."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from microtasks.cli import app
from storage.database import Database
from storage.ledger import Cause, balance, entries
from tasks.engine import Member, TaskEngine
from tasks.kinds import Kind
from tasks.problems import InputError
from tasks.royalties import share_royalty, split_by_contribution
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member

TOKEN = 10**18  # the default token has 18 decimals


async def label(engine: TaskEngine, who: Member, answers: int, clock: ManualClock) -> None:
    for _ in range(answers):
        task = await engine.next_task(who)
        assert task is not None
        clock.advance(5)
        await engine.submit(who, task.token, "yes")


@pytest.fixture
async def contributors(db: Database) -> dict[str, int]:
    """ada has 3 accepted answers, bob 2, cy 1; dan answered too fast and was rejected."""
    clock = ManualClock()
    engine = TaskEngine(db, clock=clock)
    await active_batch(db, Kind.choice, items=6, overlap=3, min_seconds=2)
    people = {name: await member(db, name) for name in ("ada", "bob", "cy", "dan")}
    for name, answers in (("ada", 3), ("bob", 2), ("cy", 1)):
        await label(engine, people[name], answers, clock)
    rushed = await engine.next_task(people["dan"])
    assert rushed is not None
    receipt = await engine.submit(people["dan"], rushed.token, "no")
    assert receipt.verdict is not None and receipt.verdict.status == "rejected"
    return {name: who.profile_id for name, who in people.items()}


async def test_a_royalty_is_shared_by_accepted_answers_to_the_last_unit(
    db: Database, contributors: dict[str, int]
) -> None:
    before = {name: await balance(db, pid) for name, pid in contributors.items()}

    shared = await share_royalty(
        db, 1, "licence-7", 10 * TOKEN, "dataset licensed to a lab", created_by=None, now=9.0
    )

    gained = {name: await balance(db, pid) - before[name] for name, pid in contributors.items()}
    assert shared.recorded_now
    assert gained["ada"] == 5 * TOKEN
    assert gained["bob"] == 3_333_333_333_333_333_333
    assert gained["cy"] == 1_666_666_666_666_666_667, "the leftover unit: the largest remainder"
    assert gained["dan"] == 0, "a rejected answer earns no royalty"
    assert sum(gained.values()) == 10 * TOKEN
    [row] = [e for e in await entries(db, contributors["ada"], 10) if e.cause is Cause.royalty]
    assert row.reason == "dataset licensed to a lab"
    notices = await db.fetch_all(
        "SELECT profile_id, params FROM notifications WHERE key = ?", ("royalty.notice",)
    )
    assert {n["profile_id"] for n in notices} == {contributors[n] for n in ("ada", "bob", "cy")}
    assert {json.loads(n["params"])["amount"] for n in notices} == {
        "5 tokens",
        "3.333333 tokens",
        "1.666666 tokens",
    }


async def test_recording_the_same_use_twice_pays_nothing_more(
    db: Database, contributors: dict[str, int]
) -> None:
    await share_royalty(db, 1, "invoice-1", 6 * TOKEN, "sale", created_by=None, now=9.0)
    again = await share_royalty(db, 1, "invoice-1", 6 * TOKEN, "sale", created_by=None, now=10.0)

    assert not again.recorded_now
    assert sum(again.shares.values()) == 6 * TOKEN
    total = await db.fetch_value("SELECT count(*) FROM ledger WHERE cause = 'royalty'")
    assert total == 3
    with pytest.raises(InputError, match="recorded for batch 1 already, with another amount"):
        await share_royalty(db, 1, "invoice-1", 7 * TOKEN, "sale", created_by=None, now=11.0)


async def test_a_batch_without_accepted_answers_has_nobody_to_share_with(db: Database) -> None:
    await active_batch(db, Kind.choice, items=2)

    with pytest.raises(InputError, match="batch 1 has no accepted answers"):
        await share_royalty(db, 1, "r1", TOKEN, "sale", created_by=None, now=1.0)
    with pytest.raises(InputError, match="there is no batch 9"):
        await share_royalty(db, 9, "r1", TOKEN, "sale", created_by=None, now=1.0)


@given(
    amount=st.integers(min_value=1, max_value=10**30),
    counts=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=40),
)
def test_shares_always_add_up_to_the_amount(amount: int, counts: list[int]) -> None:
    contributions = dict(enumerate(counts))
    shares = split_by_contribution(amount, contributions)

    assert sum(shares.values()) == amount
    whole = sum(counts)
    for who, count in contributions.items():
        assert abs(shares[who] - amount * count / whole) < 1 + 1e-9 * amount


async def test_an_admin_records_a_royalty_from_the_command_line(
    db: Database, contributors: dict[str, int]
) -> None:
    def microtasks(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    shared = await asyncio.to_thread(
        microtasks, "ledger", "royalty", "1", "12", "--ref", "lic-9", "--reason", "licence"
    )
    assert shared.exit_code == 0, shared.output
    assert "royalty 'lic-9' for batch 1: 12 tokens" in shared.stdout
    shares = [line.split("│")[2].strip() for line in shared.stdout.splitlines() if "│" in line]
    assert shares == ["6", "4", "2"]
    assert await balance(db, contributors["cy"]) == 2 * TOKEN, "the batch paid nothing per answer"

    again = await asyncio.to_thread(
        microtasks, "ledger", "royalty", "1", "12", "--ref", "lic-9", "--reason", "licence"
    )
    assert "was recorded before: nothing more paid" in again.stdout

    refused = await asyncio.to_thread(
        microtasks, "ledger", "royalty", "3", "250", "--ref", "l-1", "--reason", "licence"
    )
    assert refused.exit_code == 2
    assert "there is no batch 3" in refused.stderr
