"""Where the database writer's time goes in the claim + submit cycle.

`python -m bench.writer_profile [--rounds N] [--seconds S] [--items N]` runs the assignment
benchmark's closed-loop workloads (one member, then the crowd, several rounds) on a fresh file
database in a temporary folder, with cProfile enabled on the writer connection's own thread (a
write job turns it on and off, so every job in between is profiled). For each run it prints the
writer's time in transactions per cycle and, per cycle, the time of the SQL statements run by
each function. Profiling slows everything down: compare the rows with each other, not with
`make bench`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.assignment import Config, draft, make_members, saturate
from storage import schema
from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import Member, TaskEngine

EXECUTE = "<method 'execute' of 'sqlite3.Connection' objects>"


def statement_costs(profiler: cProfile.Profile) -> tuple[float, dict[str, float]]:
    """The writer's time in transactions (the groups of jobs), and the time in SQL statements
    by calling function. The thread's idle waits for work are left out."""
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[3] for (_, _, name), entry in raw.items() if name == "_run_group")
    by_caller: dict[str, float] = {}
    for (_, _, name), (_, _, _, _, callers) in raw.items():
        if name != EXECUTE:
            continue
        for (path, line, caller), (_, _, own, _) in callers.items():
            where = f"{Path(path).parent.name}/{Path(path).name}:{line} {caller}"
            by_caller[where] = by_caller.get(where, 0.0) + own
    return total, by_caller


async def profiled(
    db: Database, engine: TaskEngine, members: list[Member], config: Config
) -> tuple[float, float, dict[str, float]]:
    profiler = cProfile.Profile()
    await db.write(lambda raw: profiler.enable())
    try:
        rate = await saturate(engine, members, config)
    finally:
        await db.write(lambda raw: profiler.disable())
    total, by_caller = statement_costs(profiler)
    return rate, total, by_caller


def report(label: str, cycles: float, total: float, by_caller: dict[str, float], top: int) -> None:
    """Print the writer's time per cycle: all of it, then the SQL of the costliest callers."""
    cycles = max(cycles, 1.0)
    print(f"{label}: {total / cycles * 1e6:.0f} us of writer transactions per cycle")
    ranked = sorted(by_caller.items(), key=lambda pair: pair[1], reverse=True)
    for where, spent in ranked[:top]:
        print(f"  {spent / cycles * 1e6:7.0f} us  SQL run by {where}")


async def main_async(rounds: int, seconds: float, top: int, items: int) -> None:
    config = replace(Config(), items=items, warmup=0.0, saturation_seconds=seconds)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        path = Path(tmp) / "profile.db"
        await schema.upgrade(path)
        db = await Database.open(path)
        try:
            await BatchService(db).import_draft(draft(config), activate=True)
            crowd = await make_members(db, "crowd", config.crowd)
            for n in range(rounds):
                solo = await make_members(db, f"solo{n}", 1)
                for members, who in ((solo, "1 member"), (crowd, f"{config.crowd} members")):
                    rate, total, by_caller = await profiled(db, TaskEngine(db), members, config)
                    label = f"round {n + 1}, {who}, {rate:,.0f} cycles/s (profiled)"
                    report(label, rate * seconds, total, by_caller, top)
        finally:
            await db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.writer_profile", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 1 member then the crowd")
    parser.add_argument("--seconds", type=float, default=2.0, help="length of each run")
    parser.add_argument("--top", type=int, default=8, help="functions to list per run")
    parser.add_argument("--items", type=int, default=Config.items, help="items in the batch")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.rounds, args.seconds, args.top, args.items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
