"""Reading batch files: JSONL (header and items) and CSV (items, with the settings as flags),
strict about damaged files, within the size and item limits."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tasks.batch_file.items import (
    _add_items,
)
from tasks.batch_file.model import (
    BatchDraft,
    BatchSettings,
    ImportFailed,
    Limits,
    LineProblem,
    _Collector,
    megabytes,
)
from tasks.batch_file.settings import (
    _check_settings,
    clean_settings,
)
from tasks.kinds import (
    ITEM_KEYS,
    Kind,
)
from tasks.problems import Problem, problem


def _too_large(size: int, limits: Limits) -> Problem:
    return problem(
        "file.too_large",
        "the file is {size} MB; the most is {limit} MB (the BATCH_MAX_FILE_MB setting)",
        size=megabytes(size, up=True),
        limit=megabytes(limits.max_file_bytes),
    )


def _refused(source: str, line: int, found: Problem) -> ImportFailed:
    return ImportFailed(source, [LineProblem(line, found)])


def check_size(size: int, source: str, limits: Limits) -> None:
    """Refuse a batch file of `size` bytes before reading it (an upload, before its download)."""
    if size > limits.max_file_bytes:
        raise _refused(source, 1, _too_large(size, limits))


def _read_text(data: bytes, source: str, limits: Limits) -> str:
    """The file's text; `ImportFailed` when it is too large or not UTF-8."""
    check_size(len(data), source, limits)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _refused(
            source, line, problem("file.not_utf8", "the file is not UTF-8 text")
        ) from None


def read_jsonl(
    data: bytes, source: str, *, base: Path | None = None, limits: Limits | None = None
) -> BatchDraft:
    """A JSONL batch: a header line `{"batch": {...}}`, then one item per line."""
    limits = limits or Limits()
    text = _read_text(data, source, limits)
    collector = _Collector(source)
    settings: BatchSettings | None = None
    rows: list[tuple[int, Mapping[str, Any]]] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            collector.add(
                number,
                problem(
                    "file.bad_json",
                    "not valid JSON at column {column}: {reason}",
                    column=error.colno,
                    reason=error.msg.removesuffix(" at"),  # "starting at" that column
                ),
            )
            header_seen = True
            continue
        if not isinstance(value, dict):
            collector.add(number, problem("file.not_object", "each line must be a JSON object"))
            header_seen = True
            continue
        if not header_seen:
            header_seen = True
            if set(value) != {"batch"} or not isinstance(value["batch"], dict):
                collector.add(
                    number,
                    problem(
                        "file.no_header",
                        'the first line must be the header {{"batch": {{...settings...}}}}',
                    ),
                )
                continue
            settings, problems = clean_settings(value["batch"])
            for found in problems:
                collector.add(number, found)
            continue
        rows.append((number, value))
    if not header_seen:
        collector.add(1, problem("file.empty", "the file is empty"))
    if settings is not None:
        items = _add_items(collector, settings, rows, base, limits)
    collector.check()
    assert settings is not None
    return BatchDraft(settings, items, source)


def read_csv(
    data: bytes,
    source: str,
    settings_raw: Mapping[str, Any],
    *,
    base: Path | None = None,
    limits: Limits | None = None,
) -> BatchDraft:
    """A CSV batch: a header row of item columns; the batch settings come from `settings_raw`."""
    limits = limits or Limits()
    text = _read_text(data, source, limits)
    collector = _Collector(source)
    settings, named = _check_settings(settings_raw)
    for setting, found in named:
        collector.add(0, found, setting)
    collector.check()
    assert settings is not None
    nul = text.find("\0")
    if nul >= 0:
        raise _refused(
            source,
            text.count("\n", 0, nul) + 1,
            problem("csv.nul", "the line holds a NUL byte: save the file as plain CSV text"),
        )
    records = _strict_rows(text, source)
    columns = next(records, (1, []))[1]
    allowed = ITEM_KEYS[settings.kind] | {"id", "gold"}
    for column in columns:
        if column not in allowed:
            collector.add(
                1,
                problem(
                    "csv.unknown_column",
                    'unknown column "{column}" for a {kind} batch (allowed: {allowed})',
                    column=column,
                    kind=settings.kind.value,
                    allowed=", ".join(sorted(allowed)),
                ),
            )
    collector.check()
    rows: list[tuple[int, Mapping[str, Any]]] = []
    for line, cells in records:
        if len(cells) != len(columns):
            collector.add(
                line,
                problem(
                    "csv.wrong_cell_count",
                    "the row has {count} cell; the header has {columns}",
                    plural="the row has {count} cells; the header has {columns}",
                    count=len(cells),
                    columns=len(columns),
                ),
            )
            continue
        fields: dict[str, Any] = {k: v for k, v in zip(columns, cells, strict=True) if v != ""}
        if not fields:
            continue
        if "gold" in fields:
            fields["gold"] = _csv_gold(settings.kind, fields["gold"])
        rows.append((line, fields))
    items = _add_items(collector, settings, rows, base, limits)
    collector.check()
    return BatchDraft(settings, items, source)


def _strict_rows(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows of a CSV text with the line each starts on; a quote left open, stray
    text after a closing quote, or a quote inside a cell not quoted as a whole is `ImportFailed`
    at the line of the row it is in."""
    lines = io.StringIO(text).readlines()  # the lines as the reader counts them
    reader = csv.reader(io.StringIO(text), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _refused(
                source,
                start,
                problem(
                    "csv.bad_quote",
                    'a quoted cell on this row is not closed properly: close it with " and '
                    'write a quote inside a cell as ""',
                ),
            ) from None
        raw = _lf("".join(lines[start - 1 : reader.line_num]))
        if any('"' in cell and _as_quoted(_lf(cell)) not in raw for cell in cells):
            raise _refused(
                source,
                start,
                problem(
                    "csv.bare_quote",
                    "a cell on this row has a quote but is not quoted as a whole: write it as "
                    '"she said ""hi"""',
                ),
            )
        if cells:
            yield start, cells


def _as_quoted(cell: str) -> str:
    """A cell as CSV writes it quoted: in quotes, each quote inside doubled."""
    return '"' + cell.replace('"', '""') + '"'


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _csv_gold(kind: Kind, cell: str) -> Any:
    if kind is Kind.multi:
        return [label.strip() for label in cell.split("|")]
    if kind is Kind.rating and re.fullmatch(r"-?\d+", cell.strip()):
        return int(cell)
    return cell


def read_batch_file(
    path: Path, *, settings_raw: Mapping[str, Any] | None = None, limits: Limits | None = None
) -> BatchDraft:
    """Read a `.jsonl` or `.csv` batch file from disk; image paths are relative to its folder."""
    limits = limits or Limits()
    source = path.name
    try:
        size = path.stat().st_size
    except OSError as error:
        reason = error.strerror or str(error)
        raise _refused(
            source, 0, problem("file.unreadable", "cannot read the file: {reason}", reason=reason)
        ) from None
    check_size(size, source, limits)
    return read_batch_bytes(
        path.read_bytes(), source, settings_raw=settings_raw, base=path.parent, limits=limits
    )


def read_batch_bytes(
    data: bytes,
    source: str,
    *,
    settings_raw: Mapping[str, Any] | None = None,
    base: Path | None = None,
    limits: Limits | None = None,
) -> BatchDraft:
    """Read a batch from bytes (an upload); the file name's ending picks the format."""
    if source.lower().endswith(".csv"):
        if not settings_raw:
            raise _refused(
                source,
                0,
                problem(
                    "csv.no_settings",
                    "a CSV file holds items only: give the batch settings as options "
                    "(kind, title, instructions, ...)",
                ),
            )
        return read_csv(data, source, settings_raw, base=base, limits=limits)
    if settings_raw:
        raise _refused(
            source,
            0,
            problem(
                "jsonl.settings_given",
                "a JSONL file carries its settings in its header line; options are for CSV files",
            ),
        )
    if not source.lower().endswith((".jsonl", ".json", ".ndjson")):
        raise _refused(source, 0, problem("file.format", "the file must end in .jsonl or .csv"))
    return read_jsonl(data, source, base=base, limits=limits)
