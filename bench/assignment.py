"""The claim + submit cycle: saturation against the raw aiosqlite ceiling, and latency under a
human-like open-loop load.

Everything runs on a file database in a temporary folder holding one active batch of 100,000
`choice` items with overlap 3 (300,000 answer slots, far more than a run uses).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosqlite

from bench.report import Figure, machine_line, table
from storage import schema
from storage.database import Database
from storage.identity import Platform, ensure_account
from tasks.batch_file import BatchDraft, BatchSettings, ItemDraft
from tasks.batches import BatchService
from tasks.engine import Member, TaskEngine
from tasks.kinds import Kind

NAME = "assignment"
LABELS = ["yes", "no"]


@dataclass(frozen=True)
class Config:
    items: int = 100_000
    overlap: int = 3
    lease_seconds: int = 600
    reward: Decimal = Decimal("0.01")  # each accepted answer is credited on the ledger
    rounds: int = 3  # saturation rounds, each: baseline, 1 member, the crowd; medians reported
    warmup: float = 0.5  # seconds of each saturation run left out of the count
    saturation_seconds: float = 2.5  # counted seconds of each run in a round
    crowd: int = 200  # concurrent members of the second saturation run
    human_members: int = 1_000
    human_period: float = 1.0  # each member answers once per period...
    human_jitter: float = 0.2  # ...at a time drawn within +-jitter/2 of its slot
    human_warmup: float = 3.0
    human_seconds: float = 20.0
    seed: int = 20_240_601

    @classmethod
    def quick(cls) -> Config:
        return cls(
            items=5_000,
            rounds=1,
            warmup=0.2,
            saturation_seconds=0.5,
            human_members=100,
            human_warmup=0.5,
            human_seconds=1.5,
        )


def draft(config: Config) -> BatchDraft:
    settings = BatchSettings(
        title="Benchmark batch",
        instructions="Does the text mention an animal?",
        kind=Kind.choice,
        options={"labels": LABELS},
        overlap=config.overlap,
        lease_seconds=config.lease_seconds,
        reward=config.reward,
    )
    items = [
        ItemDraft(f"item-{n:06d}", {"text": f"Item {n}: the quick brown fox jumps over a dog."})
        for n in range(config.items)
    ]
    return BatchDraft(settings, items, source="bench")


async def make_members(db: Database, prefix: str, count: int) -> list[Member]:
    accounts = await asyncio.gather(
        *(ensure_account(db, Platform.console, f"{prefix}-{n}") for n in range(count))
    )
    return [Member(account.profile_id, Platform.console.value) for account in accounts]


# Baseline: the raw aiosqlite ceiling


BASELINE_TABLE = """
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, batch_id INTEGER NOT NULL,
    profile_id INTEGER NOT NULL, lease_id INTEGER NOT NULL, value TEXT NOT NULL,
    counted INTEGER NOT NULL, seconds REAL NOT NULL, leased_at REAL NOT NULL,
    created_at REAL NOT NULL)
"""
BASELINE_INSERT = (
    "INSERT INTO answers (item_id, batch_id, profile_id, lease_id, value, counted, seconds,"
    " leased_at, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)"
)


async def baseline(path: Path, config: Config) -> float:
    """Sequential single-row commits per second: one answer-sized INSERT, then COMMIT, each
    awaited, on one plain aiosqlite connection (WAL, synchronous=NORMAL)."""
    conn = await aiosqlite.connect(path)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(BASELINE_TABLE)
        await conn.commit()
        loop = asyncio.get_running_loop()
        start = loop.time()
        counted_from = start + config.warmup
        until = counted_from + config.saturation_seconds
        done, n = 0, 0
        while (now := loop.time()) < until:
            n += 1
            stamp = time.time()
            await conn.execute(
                BASELINE_INSERT, (n, 1, n % 200 + 1, n, '"yes"', 1.5, stamp - 1.5, stamp)
            )
            await conn.commit()
            if now >= counted_from:
                done += 1
        return done / config.saturation_seconds
    finally:
        await conn.close()


# Saturation: members answering as fast as they can


async def saturate(engine: TaskEngine, members: list[Member], config: Config) -> float:
    """Claim + submit cycles per second completed by `members`, each in a closed loop."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    counted_from = start + config.warmup
    until = counted_from + config.saturation_seconds
    done = 0

    async def member_loop(member: Member, rng: random.Random) -> None:
        nonlocal done
        while loop.time() < until:
            assignment = await engine.next_task(member)
            if assignment is None:
                raise RuntimeError("the benchmark batch ran out of open items")
            await engine.submit(member, assignment.token, rng.choice(LABELS))
            if loop.time() >= counted_from:
                done += 1

    await asyncio.gather(
        *(member_loop(m, random.Random(config.seed + m.profile_id)) for m in members)
    )
    return done / config.saturation_seconds


# Latency: an open-loop, human-like load


@dataclass
class Latencies:
    claim: list[float] = field(default_factory=list)
    submit: list[float] = field(default_factory=list)
    cycle: list[float] = field(default_factory=list)
    late_start: list[float] = field(default_factory=list)  # dispatch lag behind the timetable
    errors: Counter[str] = field(default_factory=Counter)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def human_load(
    engine: TaskEngine, members: list[Member], config: Config
) -> tuple[Latencies, float, int]:
    """Each member has a fixed timetable: one arrival per period at `phase + k * period`, moved
    by a random jitter. An arrival submits the answer to the task the member holds (if any),
    then claims the next task. Arrivals fire on schedule however long earlier requests took
    (each is its own task), and the first call's latency is counted from the scheduled time,
    so a backlog shows up in the figures instead of slowing the load down.

    Returns the latencies of arrivals after the warm-up, the achieved cycles per second and
    the number of arrivals measured."""
    loop = asyncio.get_running_loop()
    rng = random.Random(config.seed)
    start = loop.time() + 0.5
    measure_from = start + config.human_warmup
    until = measure_from + config.human_seconds
    held: dict[int, str] = {}
    stats = Latencies()
    tasks: set[asyncio.Task[None]] = set()
    measured = 0

    async def arrival(member: Member, due: float, label: str) -> None:
        counted = due >= measure_from
        began = loop.time()
        try:
            token = held.pop(member.profile_id, None)
            if token is not None:
                await engine.submit(member, token, label)
                submitted = loop.time()
                if counted:
                    stats.submit.append(submitted - due)
            else:
                submitted = due
            assignment = await engine.next_task(member)
            claimed = loop.time()
            if assignment is None:
                raise RuntimeError("the benchmark batch ran out of open items")
            held[member.profile_id] = assignment.token
            if counted:
                stats.claim.append(claimed - submitted)
                stats.cycle.append(claimed - due)
                stats.late_start.append(began - due)
        except Exception as error:
            stats.errors[f"{type(error).__name__}: {error}"[:120]] += 1

    def fire(member: Member, due: float, label: str) -> None:
        task = loop.create_task(arrival(member, due, label))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # The whole timetable, scheduled up front on the event loop's clock.
    last_due = until
    for member in members:
        phase = rng.uniform(0, config.human_period)
        k = 0
        while True:
            slot = start + phase + k * config.human_period
            due = slot + rng.uniform(-config.human_jitter / 2, config.human_jitter / 2)
            if slot >= until:
                break
            due = max(due, start)
            loop.call_at(due, fire, member, due, rng.choice(LABELS))
            measured += due >= measure_from
            last_due = max(last_due, due)
            k += 1

    # A late slot's jitter may put its arrival after `until`: wait for every one to fire.
    await asyncio.sleep(last_due - loop.time() + 0.01)
    while tasks:
        await asyncio.gather(*list(tasks))
    achieved = len(stats.cycle) / config.human_seconds
    return stats, achieved, measured


# The benchmark


def median(values: list[float]) -> float:
    return statistics.median(values)


async def saturation_rounds(
    db: Database, folder: Path, config: Config
) -> tuple[list[float], list[float], list[float]]:
    """Baseline, 1 member and the crowd, in turn, `config.rounds` times: interleaving keeps a
    change in the machine's background load from favouring one side of the comparison. Each
    round has a new single member, so the solo figure is that of a member who has answered
    the same few thousand items a round gives (see the notes on the claim scan)."""
    crowd = await make_members(db, "crowd", config.crowd)
    bases: list[float] = []
    ones: list[float] = []
    manys: list[float] = []
    for n in range(config.rounds):
        solo = await make_members(db, f"solo{n}", 1)
        bases.append(await baseline(folder / "baseline.db", config))
        ones.append(await saturate(TaskEngine(db), solo, config))
        manys.append(await saturate(TaskEngine(db), crowd, config))
        print(
            f"  round {n + 1}/{config.rounds}: baseline {bases[-1]:,.0f} commits/s, 1 member "
            f"{ones[-1]:,.0f} cycles/s, {config.crowd} members {manys[-1]:,.0f} cycles/s",
            flush=True,
        )
    return bases, ones, manys


async def run(folder: Path, config: Config) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    path = folder / "assignment.db"
    await schema.upgrade(path)
    load_before = os.getloadavg()[0]
    db = await Database.open(path)
    try:
        began = loop.time()
        batch_id = await BatchService(db).import_draft(draft(config), activate=True)
        print(
            f"  set-up: batch {batch_id} of {config.items:,} items imported in "
            f"{loop.time() - began:.1f} s",
            flush=True,
        )
        bases, ones, manys = await saturation_rounds(db, folder, config)

        # The ledger and the answer tables have grown with every saturation round.
        progress = (await BatchService(db).overview(batch_id)).progress
        answers_before_human_load = progress.counted_answers
        humans = await make_members(db, "human", config.human_members)
        offered = config.human_members / config.human_period
        stats, achieved, measured = await human_load(TaskEngine(db), humans, config)
        print(
            f"  latency: {offered:,.0f} cycles/s offered, {achieved:,.0f} completed; claim p99 "
            f"{percentile(stats.claim, 99) * 1000:.2f} ms, submit p99 "
            f"{percentile(stats.submit, 99) * 1000:.2f} ms",
            flush=True,
        )
    finally:
        await db.close()
    load_after = os.getloadavg()[0]

    base, one, many = median(bases), median(ones), median(manys)
    one_pct = median([100 * o / b for o, b in zip(ones, bases, strict=True)])
    many_pct = median([100 * m / b for m, b in zip(manys, bases, strict=True)])
    ms = 1000.0
    p99_claim = percentile(stats.claim, 99) * ms
    p99_submit = percentile(stats.submit, 99) * ms
    crowd = config.crowd
    figures = [
        Figure("baseline_commits_per_s", base, "commits/s"),
        Figure("one_member_cycles_per_s", one, "cycles/s"),
        Figure("one_member_pct_of_baseline", one_pct, "%", ">= 50%", one_pct >= 50),
        Figure(f"members_{crowd}_cycles_per_s", many, "cycles/s"),
        Figure(f"members_{crowd}_pct_of_baseline", many_pct, "%", ">= 100%", many_pct >= 100),
        Figure("human_offered_cycles_per_s", offered, "cycles/s"),
        Figure("human_achieved_cycles_per_s", achieved, "cycles/s"),
        Figure("human_claim_p50_ms", percentile(stats.claim, 50) * ms, "ms"),
        Figure("human_claim_p99_ms", p99_claim, "ms", "< 10 ms", p99_claim < 10),
        Figure("human_submit_p50_ms", percentile(stats.submit, 50) * ms, "ms"),
        Figure("human_submit_p99_ms", p99_submit, "ms", "< 10 ms", p99_submit < 10),
        Figure("human_cycle_p99_ms", percentile(stats.cycle, 99) * ms, "ms"),
        Figure("human_start_lag_p99_ms", percentile(stats.late_start, 99) * ms, "ms"),
        Figure(
            "human_errors",
            sum(stats.errors.values()),
            "errors",
            "0",
            not stats.errors,
            note="; ".join(f"{n} x {kind}" for kind, n in stats.errors.most_common(5)),
        ),
    ]
    settings = {
        "items": config.items,
        "overlap": config.overlap,
        "reward": str(config.reward),
        "rounds": config.rounds,
        "saturation_seconds": config.saturation_seconds,
        "warmup_seconds": config.warmup,
        "crowd": crowd,
        "rounds_baseline_commits_per_s": [round(b) for b in bases],
        "rounds_one_member_cycles_per_s": [round(o) for o in ones],
        f"rounds_members_{crowd}_cycles_per_s": [round(m) for m in manys],
        "human_members": config.human_members,
        "human_period_seconds": config.human_period,
        "human_jitter_seconds": config.human_jitter,
        "human_warmup_seconds": config.human_warmup,
        "human_seconds": config.human_seconds,
        "human_arrivals_measured": measured,
        "answers_before_human_load": answers_before_human_load,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
    }
    return {"figures": figures, "settings": settings}


# The report section

TITLES = {
    "baseline_commits_per_s": "raw aiosqlite ceiling: one INSERT + COMMIT at a time",
    "one_member_cycles_per_s": "saturation, 1 member",
    "one_member_pct_of_baseline": "1 member, share of the ceiling",
    "human_offered_cycles_per_s": "human-like load: cycles offered",
    "human_achieved_cycles_per_s": "human-like load: cycles completed",
    "human_claim_p50_ms": "claim p50",
    "human_claim_p99_ms": "claim p99",
    "human_submit_p50_ms": "submit p50",
    "human_submit_p99_ms": "submit p99",
    "human_cycle_p99_ms": "whole arrival (submit + claim) p99",
    "human_start_lag_p99_ms": "arrival start behind its timetable, p99",
    "human_errors": "failed arrivals",
}

EXPLANATION = """\
## Assignment: claim + submit

One file database (WAL, `synchronous=NORMAL`) in a temporary folder holds an active batch of
{items:,} `choice` items with overlap {overlap} and a reward of {reward} per answer. A *cycle* is
`TaskEngine.next_task` (claim a lease) followed by `TaskEngine.submit` (store the answer, judge
it and credit the reward on the ledger), through the real engine and the group-committing
writer.

- **Ceiling**: on its own aiosqlite connection to another file in the same folder (WAL,
  `synchronous=NORMAL`), one answer-sized `INSERT` then `COMMIT`, each awaited, one at a time.
- **Saturation**: members in closed loops, answering as fast as they can: 1 member, then
  {crowd} members at once. Baseline, 1 member and {crowd} members run in turn, {rounds} rounds
  of {seconds:g} s each (after {warmup:g} s of warm-up), so that a change in the machine's
  background load hits every side; the medians are reported (share of the ceiling: median of
  the rounds' ratios). Targets: 1 member at least 50% of the ceiling, {crowd} members at least
  100%.
- **Latency under a human-like load**: {humans:,} members, each with a fixed timetable of one
  arrival per {period:g} s (random phase, +-{half_jitter:g} s jitter), open loop: an arrival
  fires on time however long earlier requests took. An arrival submits the answer to the task
  the member holds, then claims the next one. The submit is timed from the arrival's scheduled
  time (so a backlog in the event loop counts), the claim from when it starts. {load:g} s of load
  are measured after {human_warmup:g} s of warm-up. Target: p99 under 10 ms for both.

The machine is shared: its load average was {load_before:.2f} before and {load_after:.2f} after
the run, and figures from a busy machine read low.
"""


def markdown(
    figures: list[Figure], settings: dict[str, Any], machine: dict[str, Any], date: str
) -> str:
    crowd = settings["crowd"]
    rounds = "; ".join(
        f"{b:,} / {o:,} / {m:,}"
        for b, o, m in zip(
            settings["rounds_baseline_commits_per_s"],
            settings["rounds_one_member_cycles_per_s"],
            settings[f"rounds_members_{crowd}_cycles_per_s"],
            strict=True,
        )
    )
    intro = EXPLANATION.format(
        items=settings["items"],
        overlap=settings["overlap"],
        reward=settings["reward"],
        crowd=crowd,
        rounds=settings["rounds"],
        seconds=settings["saturation_seconds"],
        warmup=settings["warmup_seconds"],
        humans=settings["human_members"],
        period=settings["human_period_seconds"],
        half_jitter=settings["human_jitter_seconds"] / 2,
        load=settings["human_seconds"],
        human_warmup=settings["human_warmup_seconds"],
        load_before=settings["load_average_before"],
        load_after=settings["load_average_after"],
    )
    titles = {
        **TITLES,
        f"members_{crowd}_cycles_per_s": f"saturation, {crowd} members",
        f"members_{crowd}_pct_of_baseline": f"{crowd} members, share of the ceiling",
    }
    errors = next(f for f in figures if f.name == "human_errors")
    notes = [
        f"Rounds (ceiling / 1 member / {crowd} members): {rounds}. "
        f"{settings['human_arrivals_measured']:,} arrivals were measured under the human-like "
        f"load, which began with {settings['answers_before_human_load']:,} answers (each with its "
        "ledger credit) already stored by the saturation rounds."
    ]
    if errors.note:
        notes.append(f"Failed arrivals: {errors.note}.")
    return "\n\n".join([intro.strip(), machine_line(machine, date), table(figures, titles), *notes])
