"""Run every benchmark, or those named: `python -m bench [NAME ...] [--quick]`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import aggregation, aggregation_memory, assignment, export, payouts, startup
from bench.report import (
    DOC,
    RESULTS,
    machine_info,
    merge_results,
    now_iso,
    result_entry,
    write_section,
)


@dataclass(frozen=True)
class Benchmark:
    run: Callable[[Path, Any], Awaitable[dict[str, Any]]]
    config_class: Any  # its defaults are the recorded run; `quick()` makes a short one
    markdown: Callable[..., str]

    def config(self, quick: bool) -> Any:
        return self.config_class.quick() if quick else self.config_class()


BENCHMARKS: dict[str, Benchmark] = {
    module.NAME: Benchmark(module.run, module.Config, module.markdown)
    for module in (assignment, export, aggregation, aggregation_memory, payouts, startup)
}


async def run_one(name: str, quick: bool, folder: Path | None, write: bool) -> dict[str, Any]:
    """Run one benchmark and return its entry (date, machine, settings, figures); with `write`,
    also record it in `bench/results.json` and `docs/benchmarks.md`."""
    bench = BENCHMARKS[name]
    print(f"{name}:", flush=True)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-", dir=folder) as tmp:
        outcome = await bench.run(Path(tmp), bench.config(quick))
    machine, date = machine_info(), now_iso()
    figures = outcome["figures"]
    entry = result_entry(figures, outcome["settings"], machine, date)
    if write:
        merge_results(name, entry)
        write_section(name, bench.markdown(figures, outcome["settings"], machine, date))
    missed = [f.name for f in figures if f.met is False]
    print(
        f"{name}: done in {time.perf_counter() - began:.0f} s; "
        + (f"targets missed: {', '.join(missed)}" if missed else "every target met"),
        flush=True,
    )
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default: all of {', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a small, short run to check the benchmarks work; records nothing",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where to make the temporary database folder (default: the system's temp folder)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write this run's entries to FILE (results.json's shape)",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = list(dict.fromkeys(args.names)) or list(BENCHMARKS)
    write = not args.quick
    entries = {name: asyncio.run(run_one(name, args.quick, args.dir, write)) for name in names}
    if args.json is not None:
        args.json.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if write:
        print(f"results: {RESULTS}\ntable: {DOC}")
    # Missing a target is a finding to report, not a failure of the run.
    return 0


if __name__ == "__main__":
    sys.exit(main())
