"""Whatever members do, in any order, the engine's invariants hold.

Property tests drive random sequences of claims, answers, bad answers, double taps, skips and
lease expiries; a load test runs 200 concurrent members on a file database.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import schema
from storage.database import Database
from tasks.engine import Assignment, LeaseGone, Member, TaskEngine
from tasks.kinds import Kind
from tasks.problems import InputError
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member
from tests.tasks.invariants import assert_invariants

ACTIONS = ("claim", "answer", "bad_answer", "double_tap", "skip", "wait", "stop")
step = st.tuples(st.integers(0, 3), st.sampled_from(ACTIONS), st.integers(1, 90))


async def play(db_path: Path, steps: list[tuple[int, str, int]], overlap: int) -> None:
    await schema.upgrade(db_path)
    clock = ManualClock()
    async with await Database.open(db_path) as db:
        await active_batch(db, Kind.choice, items=4, overlap=overlap, lease_seconds=60)
        engine = TaskEngine(db, clock=clock, rng=random.Random(0))
        members = [await member(db, f"m{n}") for n in range(4)]
        held: dict[int, Assignment] = {}
        acknowledged: dict[int, Any] = {}

        async def answer(who: Member, task: Assignment, value: str) -> None:
            try:
                receipt = await engine.submit(who, task.token, value)
            except LeaseGone:
                return
            assert receipt.answer_id is not None
            acknowledged.setdefault(receipt.answer_id, value)

        for index, action, seconds in steps:
            who, task = members[index], held.get(index)
            if action == "claim":
                claimed = await engine.next_task(who)
                if claimed is not None:
                    held[index] = claimed
            elif action == "answer" and task:
                await answer(who, task, "yes")
            elif action == "bad_answer" and task:
                with contextlib.suppress(InputError, LeaseGone):
                    await engine.submit(who, task.token, "perhaps")
            elif action == "double_tap" and task:
                await asyncio.gather(answer(who, task, "no"), answer(who, task, "no"))
            elif action == "skip" and task:
                with contextlib.suppress(LeaseGone):
                    await engine.skip(who, task.token)
            elif action == "wait":
                clock.advance(seconds)
            elif action == "stop":
                await engine.stop(who)
    assert_invariants(db_path, acknowledged)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=40), overlap=st.integers(1, 3))
def test_random_member_behaviour_keeps_every_invariant(
    tmp_path_factory: Any, steps: list[tuple[int, str, int]], overlap: int
) -> None:
    db_path = tmp_path_factory.mktemp("prop") / "microtasks.db"
    asyncio.run(play(db_path, steps, overlap))


async def test_two_hundred_concurrent_members_finish_every_item(db_path: Path) -> None:
    await schema.upgrade(db_path)
    clock = ManualClock()
    acknowledged: dict[int, Any] = {}
    async with await Database.open(db_path) as db:
        await active_batch(db, Kind.choice, items=300, overlap=3, lease_seconds=60)
        engine = TaskEngine(db, clock=clock, rng=random.Random(1))
        members = [await member(db, f"m{n}") for n in range(200)]

        async def work(who: Member, seed: int) -> None:
            rng = random.Random(seed)
            while (task := await engine.next_task(who)) is not None:
                roll = rng.random()
                if roll < 0.05:
                    await engine.skip(who, task.token)
                elif roll < 0.08:
                    return  # walks away holding a lease: it must expire, not starve its item
                else:
                    value = rng.choice(["yes", "no"])
                    receipt = await engine.submit(who, task.token, value)
                    assert receipt.answer_id is not None
                    acknowledged[receipt.answer_id] = value

        await asyncio.gather(*(work(m, n) for n, m in enumerate(members)))
        clock.advance(61)  # abandoned leases expire; the members who stayed pick up the rest
        await asyncio.gather(*(work(m, 1000 + n) for n, m in enumerate(members)))

        unfinished = await db.fetch_value(
            "SELECT count(*) FROM items WHERE NOT is_gold AND answers < overlap"
        )
        assert unfinished == 0, "every item reaches its overlap: none starves"
        assert len(acknowledged) == await db.fetch_value("SELECT count(*) FROM answers") == 900
    assert_invariants(db_path, acknowledged)
