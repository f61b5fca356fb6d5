"""Export memory: stream a batch of 100,000 and one of 1,000,000 answers to a JSONL file and
compare peak memory growth; streaming means ten times the rows takes no more memory.

The answers are inserted directly in bulk with sqlite3 (valid rows: foreign keys on, every answer
with its own `answered` lease, counted answers kept within each item's overlap by the schema's
triggers and CHECK).
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sqlite3
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Figure, machine_line, table
from storage import schema
from storage.database import Database
from tasks.export import ExportFormat, write_export

NAME = "export"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = (100_000, 1_000_000)  # answers per batch; the last is the big one
    overlap: int = 10  # answers per item (items = answers / overlap)
    members: int = 1_000
    chunk: int = 50_000  # rows per executemany in the bulk set-up

    @classmethod
    def quick(cls) -> Config:
        return cls(sizes=(2_000, 20_000), members=100)


# Set-up: bulk insert with plain sqlite3


def _batch_row(answers: int, now: float, config: Config) -> dict[str, Any]:
    options = {"labels": ["yes", "no"]}
    return {
        "title": f"Export benchmark, {answers:,} answers",
        "instructions": "Does the text mention an animal?",
        "kind": "choice",
        "options": json.dumps(options),
        "settings": json.dumps({"kind": "choice", **options, "overlap": config.overlap}),
        "overlap": config.overlap,
        "lease_seconds": 600,
        "reward": "0",
        "state": "closed",
        "now": now,
    }


def _chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def fill(path: Path, config: Config) -> list[int]:
    """Insert members, then one closed batch per size with its items, leases and answers.
    Returns the batch ids in the order of `config.sizes`."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-200000")
        conn.execute("BEGIN")
        first_profile = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM profiles").fetchone()[0]
        conn.executemany(
            "INSERT INTO profiles (id, display_name) VALUES (?, ?)",
            ((first_profile + n, f"member {n}") for n in range(config.members)),
        )
        conn.executemany(
            "INSERT INTO accounts (profile_id, platform, external_id) VALUES (?, 'console', ?)",
            ((first_profile + n, f"export-{n}") for n in range(config.members)),
        )
        now = time.time()
        batch_ids = []
        for answers in config.sizes:
            batch_id = conn.execute(
                "INSERT INTO batches (title, instructions, kind, options, settings, overlap,"
                " lease_seconds, reward, state, created_at, state_changed_at) VALUES (:title,"
                " :instructions, :kind, :options, :settings, :overlap, :lease_seconds, :reward,"
                " :state, :now, :now) RETURNING id",
                _batch_row(answers, now, config),
            ).fetchone()[0]
            batch_ids.append(batch_id)
            items = -(-answers // config.overlap)
            first_item = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0]
            conn.executemany(
                "INSERT INTO items (id, batch_id, external_id, payload, meta, overlap, free_slots)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        first_item + n,
                        batch_id,
                        f"item-{n:07d}",
                        json.dumps({"text": f"Item {n}: the quick brown fox jumps over a dog."}),
                        json.dumps({"source": "bench", "row": n}),
                        config.overlap,
                        config.overlap,
                    )
                    for n in range(items)
                ),
            )
            first_lease = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM leases").fetchone()[0]

            def slots(
                batch_id: int = batch_id,
                first_item: int = first_item,
                first_lease: int = first_lease,
                answers: int = answers,
            ) -> Iterator[tuple[Any, ...]]:
                for k in range(answers):
                    item, seat = divmod(k, config.overlap)
                    leased = now - 86_400 + k * 0.01
                    yield (
                        first_lease + k,
                        first_item + item,
                        batch_id,
                        first_profile + (item + seat) % config.members,
                        leased,
                        ("yes", "no")[k % 2],
                        2.0 + k % 7,
                    )

            for chunk in _chunks(slots(), config.chunk):
                conn.executemany(
                    "INSERT INTO leases (id, token, item_id, batch_id, profile_id, state,"
                    " created_at, expires_at) VALUES (?, 'bench-' || ?, ?, ?, ?, 'answered',"
                    " ?, ? + 600)",
                    ((s[0], s[0], s[1], s[2], s[3], s[4], s[4]) for s in chunk),
                )
                conn.executemany(
                    "INSERT INTO answers (item_id, batch_id, profile_id, lease_id, value,"
                    " counted, seconds, leased_at, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                    (
                        (s[1], s[2], s[3], s[0], json.dumps(s[5]), s[6], s[4], s[4] + s[6])
                        for s in chunk
                    ),
                )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return batch_ids
    finally:
        conn.close()


# Measuring one export


def _status_kib(field: str) -> int | None:
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return int(found[1]) if found else None


def _reset_rss_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class ExportRun:
    answers: int
    rows: int
    seconds: float
    rss_growth: float | None  # bytes: peak RSS during the export minus RSS before it
    heap_peak: float | None  # bytes: tracemalloc peak minus the traced memory before it

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds


async def export_once(
    db: Database, batch_id: int, out: Path, answers: int, *, traced: bool
) -> ExportRun:
    """One export to `out`: timed and RSS-measured, or (traced) heap-measured with tracemalloc,
    which slows Python down too much for its timing to count."""
    rss_growth = heap_peak = None
    if traced:
        tracemalloc.start()
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
    else:
        resettable = _reset_rss_peak()
        rss_before = _status_kib("VmRSS")
        maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    with out.open("w", encoding="utf-8") as handle:
        rows = await write_export(db, batch_id, handle, ExportFormat.jsonl)
    seconds = time.perf_counter() - began
    if traced:
        heap_peak = float(tracemalloc.get_traced_memory()[1] - before)
        tracemalloc.stop()
    elif resettable and rss_before is not None:
        peak = _status_kib("VmHWM")
        rss_growth = None if peak is None else float(max(0, peak - rss_before) * 1024)
    else:  # no resettable mark: growth of the process-wide peak, a lower bound
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss_growth = float(max(0, maxrss - maxrss_before) * 1024)
    await asyncio.to_thread(out.unlink)
    return ExportRun(answers, rows, seconds, rss_growth, heap_peak)


async def run(folder: Path, config: Config) -> dict[str, Any]:
    path = folder / "export.db"
    await schema.upgrade(path)
    began = time.perf_counter()
    batch_ids = await asyncio.to_thread(fill, path, config)
    print(
        f"  set-up: {sum(config.sizes):,} answers (with their leases) inserted in "
        f"{time.perf_counter() - began:.1f} s",
        flush=True,
    )
    timed: list[ExportRun] = []
    traced: list[ExportRun] = []
    db = await Database.open(path)
    try:
        for batch_id, answers in zip(batch_ids, config.sizes, strict=True):
            out = folder / f"export-{batch_id}.jsonl"
            run_t = await export_once(db, batch_id, out, answers, traced=False)
            run_m = await export_once(db, batch_id, out, answers, traced=True)
            if run_t.rows != answers or run_m.rows != answers:
                raise RuntimeError(f"exported {run_t.rows:,} rows of {answers:,}")
            timed.append(run_t)
            traced.append(run_m)
            print(
                f"  {answers:,} answers: {run_t.rows_per_s:,.0f} rows/s, RSS growth "
                f"{(run_t.rss_growth or 0) / MiB:.1f} MiB, heap peak "
                f"{(run_m.heap_peak or 0) / MiB:.2f} MiB",
                flush=True,
            )
    finally:
        await db.close()

    small_t, big_t = timed[0], timed[-1]
    small_m, big_m = traced[0], traced[-1]
    small, big = f"{small_t.answers // 1000:,}k", f"{big_t.answers // 1000:,}k"
    if big_t.answers >= 1_000_000:
        big = f"{big_t.answers // 1_000_000:,}M"
    heap_ratio = (big_m.heap_peak or 0) / max(small_m.heap_peak or 1, 1)
    figures = [
        Figure(f"rows_per_s_{small}", small_t.rows_per_s, "rows/s"),
        Figure(f"rows_per_s_{big}", big_t.rows_per_s, "rows/s"),
        Figure(f"heap_peak_mib_{small}", (small_m.heap_peak or 0) / MiB, "MiB"),
        Figure(
            f"heap_peak_mib_{big}",
            (big_m.heap_peak or 0) / MiB,
            "MiB",
            f"<= 2x the {small} peak (flat)",
            heap_ratio <= 2.0,
        ),
        Figure(f"rss_growth_mib_{small}", (small_t.rss_growth or 0) / MiB, "MiB"),
        Figure(f"rss_growth_mib_{big}", (big_t.rss_growth or 0) / MiB, "MiB"),
    ]
    settings = {
        "sizes": list(config.sizes),
        "overlap": config.overlap,
        "members": config.members,
        "format": "jsonl",
        "heap_peak_ratio": round(heap_ratio, 3),
    }
    return {"figures": figures, "settings": settings}


EXPLANATION = """\
## Export memory

A separate file database gets {members:,} members and one closed `choice` batch per size
({sizes}), each answer inserted directly in bulk with sqlite3 (foreign keys on, every answer
with its own `answered` lease; overlap {overlap}, so a batch of N answers has N / {overlap}
items). Each batch is then exported with `tasks.export.write_export` as JSONL to a file in the
same temporary folder, twice: once timed, with the process's peak RSS mark (Linux `VmHWM`,
reset just before) compared with its RSS before the export; once under `tracemalloc`, for the
peak of Python allocations during the export (its timing is not used: tracing slows Python
down). RSS growth reads near zero when an export reuses memory the process already holds. A
streaming export needs the same memory for ten times the rows. Target: the heap peak at
the largest size at most twice the one at the smallest.
"""


def markdown(
    figures: list[Figure], settings: dict[str, Any], machine: dict[str, Any], date: str
) -> str:
    titles: dict[str, str] = {}
    for figure in figures:
        what, size = figure.name.rsplit("_", 1)
        titles[figure.name] = {
            "rows_per_s": f"export speed, {size} answers",
            "heap_peak_mib": f"Python heap peak (tracemalloc), {size} answers",
            "rss_growth_mib": f"peak RSS growth, {size} answers",
        }[what]
    intro = EXPLANATION.format(
        members=settings["members"],
        sizes=" and ".join(f"{size:,} answers" for size in settings["sizes"]),
        overlap=settings["overlap"],
    )
    return "\n\n".join(
        [
            intro.strip(),
            machine_line(machine, date),
            table(figures, titles),
            f"The heap peak at the largest size is {settings['heap_peak_ratio']:.2f} times the "
            "one at the smallest.",
        ]
    )
