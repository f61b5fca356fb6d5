"""Aggregation memory: the digest's and `batch export --aggregated`'s aggregation of a batch of
100,000 items read from a real database, its peak memory, and the memory of reading its answers
as columns (now) against one list of row tuples (before).

The answers are inserted in bulk with sqlite3 by the export benchmark's set-up (bench/export.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import export
from bench.report import Figure, machine_line, table
from storage import schema
from storage.database import Database
from storage.exports import AnswerColumns, aggregation_rows
from tasks.aggregation import Method, aggregate
from tasks.kinds import Kind

NAME = "aggregation_memory"
MiB = 1024 * 1024

FORMER_READ = (  # how the answers were read before: every row object at once
    "SELECT i.external_id, a.profile_id, a.value, i.meta FROM answers a"
    " JOIN items i ON i.id = a.item_id"
    " WHERE a.batch_id = ? AND a.counted = 1 AND a.status = 'accepted' AND NOT i.is_gold"
    " ORDER BY i.id, a.id"
)


@dataclass(frozen=True)
class Config:
    items: int = 100_000
    overlap: int = 3
    members: int = 2_000

    @classmethod
    def quick(cls) -> Config:
        return cls(items=3_000, members=200)


async def heap_peak(work: Callable[[], Awaitable[object]]) -> float:
    """Bytes: the tracemalloc peak during `work` over the memory traced before it (tracemalloc
    follows every thread, so the aggregation's worker thread is counted)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    try:
        await work()
        return float(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()


async def rss_growth(work: Callable[[], Awaitable[object]]) -> float | None:
    """Bytes: the peak RSS during `work` over the RSS before it (Linux), or None."""
    if not export._reset_rss_peak():
        await work()
        return None
    before = export._status_kib("VmRSS")
    await work()
    peak = export._status_kib("VmHWM")
    return None if before is None or peak is None else float(max(0, peak - before) * 1024)


def accept_all(path: Path, batch_id: int) -> None:
    """Quality control's verdict on every answer: accepted, so all of them are aggregated."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("UPDATE answers SET status = 'accepted' WHERE batch_id = ?", (batch_id,))
    finally:
        conn.close()


async def run(folder: Path, config: Config) -> dict[str, Any]:
    path = folder / "aggregation.db"
    await schema.upgrade(path)
    answers = config.items * config.overlap
    fill = export.Config(sizes=(answers,), overlap=config.overlap, members=config.members)
    began = time.perf_counter()
    (batch_id,) = await asyncio.to_thread(export.fill, path, fill)
    await asyncio.to_thread(accept_all, path, batch_id)
    print(f"  set-up: {answers:,} answers inserted in {time.perf_counter() - began:.1f} s")
    import crowdkit.aggregation  # noqa: F401  (loaded once, before anything is measured)

    db = await Database.open(path)
    try:

        async def read_rows() -> object:
            return await db.read(lambda raw: raw.execute(FORMER_READ, (batch_id,)).fetchall())

        async def read_columns() -> object:
            return await db.read(lambda raw: aggregation_rows(raw, batch_id))

        def aggregation(method: Method) -> Callable[[], Awaitable[object]]:
            return lambda: aggregate(db, batch_id, Kind.choice, method)

        read = await read_columns()
        if not isinstance(read, AnswerColumns) or len(read) != answers:
            raise RuntimeError(f"read {len(read)} answers of {answers:,}")  # type: ignore[arg-type]
        del read
        rows_heap = await heap_peak(read_rows)
        columns_heap = await heap_peak(read_columns)
        figures = [
            Figure("read_rows_heap_mib", rows_heap / MiB, "MiB"),
            Figure(
                "read_columns_heap_mib",
                columns_heap / MiB,
                "MiB",
                "< the list of rows",
                columns_heap < rows_heap,
            ),
        ]
        import pandas as pd
        from crowdkit.metrics.data import alpha_krippendorff

        columns = await read_columns()
        assert isinstance(columns, AnswerColumns)
        frame = pd.DataFrame(
            {"task": columns.items, "worker": columns.members, "label": columns.values}
        )
        del columns

        async def alpha(frame: pd.DataFrame = frame) -> object:
            return await asyncio.to_thread(alpha_krippendorff, frame)

        figures.append(Figure("alpha_heap_mib", await heap_peak(alpha) / MiB, "MiB"))
        del frame, alpha
        for method in (Method.mv, Method.ds):
            rss = await rss_growth(aggregation(method))
            heap = await heap_peak(aggregation(method))
            figures.append(Figure(f"{method.value}_heap_mib", heap / MiB, "MiB"))
            figures.append(Figure(f"{method.value}_rss_growth_mib", (rss or 0) / MiB, "MiB"))
            print(
                f"  {method.value}: heap peak {heap / MiB:.1f} MiB, "
                f"RSS growth {(rss or 0) / MiB:.1f} MiB",
                flush=True,
            )
    finally:
        await db.close()
    settings = {"items": config.items, "overlap": config.overlap, "members": config.members}
    return {"figures": figures, "settings": settings}


EXPLANATION = """\
## Aggregation memory

A separate file database gets a `choice` batch of {items:,} items, each answered by {overlap}
of {members:,} members ({answers:,} answers, inserted in bulk as in the export benchmark).
Reading the answers for aggregation is measured under `tracemalloc` (peak of Python allocations
over what was held before) the former way, one list of row tuples, and the present way,
`storage.exports.aggregation_rows` (chunks of rows into columns, repeated texts held once).
Then the whole `tasks.aggregation.aggregate` (read, models on a worker thread, Krippendorff's
alpha) with majority vote (the daily digest) and Dawid-Skene (`batch export --aggregated`,
the default), once for the peak RSS growth (Linux `VmHWM`, reset just before; near zero when
the process reuses memory it already holds) and once under `tracemalloc` (numpy's and
pandas's arrays included). crowd-kit is imported before anything is measured. The
"alpha alone" row is crowd-kit's Krippendorff's alpha alone on a frame of the same answers, the
largest part of either method's peak.
"""

TITLES = {
    "read_rows_heap_mib": "reading the answers as one list of rows (before): heap peak",
    "read_columns_heap_mib": "reading the answers in chunks into columns (now): heap peak",
    "alpha_heap_mib": "crowd-kit's Krippendorff's alpha alone: heap peak",
    "mv_heap_mib": "majority vote (the digest), whole `aggregate`: heap peak",
    "mv_rss_growth_mib": "majority vote (the digest), whole `aggregate`: peak RSS growth",
    "ds_heap_mib": "Dawid-Skene (export --aggregated), whole `aggregate`: heap peak",
    "ds_rss_growth_mib": "Dawid-Skene (export --aggregated), whole `aggregate`: peak RSS growth",
}


def markdown(
    figures: list[Figure], settings: dict[str, Any], machine: dict[str, Any], date: str
) -> str:
    intro = EXPLANATION.format(
        answers=settings["items"] * settings["overlap"],
        **settings,
    )
    return "\n\n".join([intro.strip(), machine_line(machine, date), table(figures, TITLES)])
