"""Where benchmark results go: `bench/results.json` (merged by benchmark name) and a marked
section of `docs/benchmarks.md` per benchmark (rewritten in place, the rest of the file kept)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
DOC = BENCH_DIR.parent / "docs" / "benchmarks.md"

DOC_HEADER = """# Benchmarks

Run them with `make bench` (or `python -m bench [NAME ...]`). Each benchmark rewrites only its
own section below, between its `bench:NAME` markers; the figures also go to `bench/results.json`,
keyed by benchmark name. Text outside the markers is kept. `python -m bench --quick` runs every
benchmark on small sizes in a few seconds and records nothing (`--json FILE` writes that run's
figures to FILE).
"""


@dataclass(frozen=True)
class Figure:
    """One measured number, with the target it is held to (if any)."""

    name: str
    value: float
    unit: str
    target: str | None = None
    met: bool | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": round(self.value, 3), "unit": self.unit}
        if self.target is not None:
            out["target"] = self.target
            out["met"] = self.met
        if self.note:
            out["note"] = self.note
        return out


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        aiosqlite_version = metadata.version("aiosqlite")
    except metadata.PackageNotFoundError:
        aiosqlite_version = "?"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiosqlite": aiosqlite_version,
    }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def result_entry(
    figures: list[Figure], settings: dict[str, Any], machine: dict[str, Any], date: str
) -> dict[str, Any]:
    return {
        "date": date,
        "machine": machine,
        "settings": settings,
        "figures": {figure.name: figure.as_json() for figure in figures},
    }


def merge_results(name: str, entry: dict[str, Any], path: Path = RESULTS) -> None:
    """Set `name` in the results file, keeping every other benchmark's key."""
    results: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        if isinstance(loaded, dict):
            results = loaded
    results[name] = entry
    _write_atomic(path, json.dumps(results, indent=2, sort_keys=True) + "\n")


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def write_section(name: str, body: str, path: Path = DOC) -> None:
    """Replace the text between `name`'s markers (appending the section if it has none)."""
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.exists() else DOC_HEADER
    block = f"{start}\n{body.strip()}\n{end}"
    head, found, rest = text.partition(start)
    if found:
        _, found_end, tail = rest.partition(end)
        if not found_end:
            raise ValueError(f"{path}: {start} has no matching {end}")
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    _write_atomic(path, text)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fmt(value: float, unit: str) -> str:
    if unit in ("ms", "s"):
        return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.2f} {unit}"
    if unit in ("MiB",):
        return f"{value:.1f} {unit}"
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "points":
        return f"{value:+.1f} {unit}"
    return f"{value:,.0f} {unit}"


def table(figures: list[Figure], titles: dict[str, str]) -> str:
    """A markdown table: what, measured, target, met."""
    lines = ["| figure | measured | target | met |", "| --- | ---: | --- | :---: |"]
    for figure in figures:
        met = "" if figure.met is None else ("yes" if figure.met else "**no**")
        lines.append(
            f"| {titles.get(figure.name, figure.name)} | {fmt(figure.value, figure.unit)} "
            f"| {figure.target or ''} | {met} |"
        )
    return "\n".join(lines)


def machine_line(machine: dict[str, Any], date: str) -> str:
    return (
        f"Measured {date} on {machine['cores']} cores ({machine['cpu'] or 'unknown CPU'}), "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, "
        f"aiosqlite {machine['aiosqlite']}."
    )
