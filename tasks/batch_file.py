"""Read a batch file (JSONL, or CSV with settings given separately) into a checked draft.

Reading is all or nothing: every problem is collected with its line number, and a file with any
problem yields no draft. The format is documented in docs/batch-format.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from tasks.kinds import (
    GOLD_KINDS,
    ITEM_KEYS,
    OPTION_KEYS,
    BadValue,
    Kind,
    clean_gold,
    clean_item,
    clean_options,
)
from tasks.problems import Problem, counted, problem
from tasks.quality_settings import QUALITY_KEYS, QualitySettings, clean_quality
from tasks.setting_checks import setting_amount
from tasks.setting_checks import setting_int as _setting_int
from tasks.setting_checks import setting_number as _setting_number
from tasks.setting_checks import setting_text as _setting_text

ITEM_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PLATFORMS = ("telegram", "discord", "console")
SHOWN_PROBLEMS = 20
# BATCH_MAX_FILE_MB and every size in a message use decimal megabytes: 1 MB is 1,000,000 bytes.
MB = 1_000_000


def megabytes(size: int, *, up: bool = False) -> str:
    """`size` bytes in MB as people read it: "20", "20.04". With `up`, rounded up, so a size over
    a limit never reads as equal to it."""
    places = 2
    while places < 6 and 0 < size * 10**places < MB:  # a small size keeps a digit, not "0"
        places += 1
    scale = 10**places
    scaled = -(-size * scale // MB) if up else round(size * scale / MB)
    return f"{scaled / scale:.{places}f}".rstrip("0").rstrip(".")


COMMON_SETTINGS = frozenset(
    {
        "title",
        "instructions",
        "kind",
        "overlap",
        "lease_seconds",
        "reward",
        "gold_rate",
        "min_seconds",
        "daily_cap",
        "audience",
        "priority",
        "activate_at",
    }
)


@dataclass(frozen=True)
class BatchSettings:
    title: str
    instructions: str
    kind: Kind
    options: dict[str, Any]
    overlap: int = 3
    lease_seconds: int = 600
    reward: Decimal = Decimal(0)
    gold_rate: float = 0.0
    min_seconds: float = 0.0
    daily_cap: int | None = None
    audience: tuple[str, ...] = ()
    priority: int = 0
    activate_at: float | None = None
    quality: QualitySettings = field(default_factory=QualitySettings)

    def as_json(self) -> dict[str, Any]:
        """Every setting in the form a batch header takes (stored with the batch)."""
        return {
            "title": self.title,
            "instructions": self.instructions,
            "kind": self.kind.value,
            **self.options,
            "overlap": self.overlap,
            "lease_seconds": self.lease_seconds,
            "reward": str(self.reward),
            "gold_rate": self.gold_rate,
            "min_seconds": self.min_seconds,
            "daily_cap": self.daily_cap,
            "audience": list(self.audience) or "all",
            "priority": self.priority,
            "activate_at": self.activate_at,
            **self.quality.as_json(),
        }


@dataclass(frozen=True)
class ItemDraft:
    external_id: str
    payload: dict[str, Any]
    gold: Any = None
    meta: dict[str, Any] | None = None

    @property
    def is_gold(self) -> bool:
        return self.gold is not None


@dataclass(frozen=True)
class BatchDraft:
    settings: BatchSettings
    items: list[ItemDraft]
    source: str


@dataclass(frozen=True)
class LineProblem:
    line: int
    problem: Problem
    setting: str | None = None  # a CSV batch's setting, given as a command option

    def where(self, source: str) -> str:
        if self.setting is not None:
            return "--" + self.setting.replace("_", "-")
        return source if self.line == 0 else f"{source}:{self.line}"  # 0: the file as a whole


@dataclass
class ImportFailed(Exception):
    """The file was refused; nothing was imported."""

    source: str
    problems: list[LineProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self, shown: int = SHOWN_PROBLEMS) -> list[str]:
        ordered = sorted(self.problems, key=lambda p: p.line)
        out = [f"{p.where(self.source)}: {p.problem.text}" for p in ordered[:shown]]
        if len(self.problems) > shown:
            out.append(f"and {counted(len(self.problems) - shown, 'more error', 'more errors')}")
        return out


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 20 * MB
    max_items: int = 100_000


class _Collector:
    def __init__(self, source: str):
        self.failed = ImportFailed(source)

    def add(self, line: int, found: Problem, setting: str | None = None) -> None:
        self.failed.problems.append(LineProblem(line, found, setting))

    def check(self) -> None:
        if self.failed.problems:
            raise self.failed


# Settings


def _audience(raw: Mapping[str, Any]) -> tuple[str, ...]:
    value = raw.get("audience", "all")
    if value == "all":
        return ()
    names = value.split(",") if isinstance(value, str) else value
    if (
        not isinstance(names, list)
        or not names
        or any(not isinstance(n, str) or n.strip() not in PLATFORMS for n in names)
    ):
        raise BadValue(
            problem(
                "settings.audience",
                '"audience" must be "all" or a list of {platforms}',
                platforms=", ".join(PLATFORMS),
            )
        )
    return tuple(dict.fromkeys(n.strip() for n in names))


def _activate_at(raw: Mapping[str, Any]) -> float | None:
    value = raw.get("activate_at")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadValue(
            problem(
                "settings.activate_at",
                "activate_at must be an ISO 8601 time with a timezone, such as "
                '"2026-12-01T09:00:00Z", got {value!r}',
                value=value,
            )
        )
    return moment.timestamp()


def clean_settings(raw: Mapping[str, Any]) -> tuple[BatchSettings | None, list[Problem]]:
    """Check a batch header; returns the settings, or None with every problem found."""
    settings, named = _check_settings(raw)
    return settings, [found for _, found in named]


# The setting a problem is about, when its parameters name no setting of the header.
_PROBLEM_SETTINGS = {
    "options.labels": "labels",
    "options.labels_repeat": "labels",
    "options.choices_range": "max_choices",
    "options.scale_missing": "scale_min",
    "options.scale_range": "scale_max",
    "options.anchors": "anchors",
    "options.anchor_point": "anchors",
    "options.length_range": "max_length",
    "options.duration_range": "max_duration",
    "settings.requires": "requires",
    "settings.language": "language",
    "settings.language_kind": "language",
    "settings.exam_kind": "exam_size",
}
_FIELD_SETTINGS = {"a label": "labels", "an anchor caption": "anchors"}


def _setting_of(found: Problem, check: str) -> str:
    """The setting a problem is about: the check's own, or the one its parameters name."""
    if check not in ("options", "quality"):
        return check
    named = found.params.get("name") or found.params.get("key")
    by_field = _FIELD_SETTINGS.get(named, named) if named else None
    return _PROBLEM_SETTINGS.get(found.key) or by_field or check


def _check_settings(
    raw: Mapping[str, Any],
) -> tuple[BatchSettings | None, list[tuple[str, Problem]]]:
    """`clean_settings`, with each problem paired with the setting it is about."""
    problems: list[tuple[str, Problem]] = []
    kind_name = raw.get("kind")
    if kind_name not in {k.value for k in Kind}:
        found = problem(
            "settings.kind",
            "kind must be one of {kinds}, got {value!r}",
            kinds=", ".join(k.value for k in Kind),
            value=kind_name,
        )
        return None, [("kind", found)]
    kind = Kind(kind_name)
    for key in sorted(set(raw) - COMMON_SETTINGS - QUALITY_KEYS - OPTION_KEYS[kind]):
        found = problem(
            "settings.unknown",
            'unknown setting "{key}" for a {kind} batch',
            key=key,
            kind=kind.value,
        )
        problems.append((key, found))
    values: dict[str, Any] = {}
    checks = {
        "title": lambda: _setting_text(raw, "title", 120),
        "instructions": lambda: _setting_text(raw, "instructions", 2000),
        "options": lambda: clean_options(kind, {k: raw[k] for k in OPTION_KEYS[kind] if k in raw}),
        "overlap": lambda: _setting_int(raw, "overlap", 3, 1, 50),
        "lease_seconds": lambda: _setting_int(raw, "lease_seconds", 600, 30, 86400),
        "reward": lambda: setting_amount(raw, "reward"),
        "gold_rate": lambda: _setting_number(raw, "gold_rate", 0.0, 0.0, 1.0),
        "min_seconds": lambda: _setting_number(raw, "min_seconds", 0.0, 0.0, 3600.0),
        "daily_cap": lambda: (
            None
            if raw.get("daily_cap") is None
            else _setting_int(raw, "daily_cap", 0, 1, 1_000_000)
        ),
        "audience": lambda: _audience(raw),
        "priority": lambda: _setting_int(raw, "priority", 0, -1000, 1000),
        "activate_at": lambda: _activate_at(raw),
    }

    for name, check in checks.items():
        try:
            values[name] = check()
        except BadValue as error:
            problems.append((_setting_of(error.problem, name), error.problem))
    if "overlap" in values:
        try:
            values["quality"] = clean_quality(raw, kind, values["overlap"])
        except BadValue as error:
            problems.append((_setting_of(error.problem, "quality"), error.problem))
    if problems:
        return None, problems
    if values["gold_rate"] > 0 and kind not in GOLD_KINDS:
        found = problem(
            "settings.gold_kind",
            "gold_rate must be 0: {kind} batches have no gold items",
            kind=kind.value,
        )
        return None, [("gold_rate", found)]
    return BatchSettings(kind=kind, **values), []


# Items


def _clean_item(settings: BatchSettings, fields: Mapping[str, Any], base: Path | None) -> ItemDraft:
    kind = settings.kind
    external_id = fields.get("id")
    if not isinstance(external_id, str) or not ITEM_ID.match(external_id):
        raise BadValue(
            problem(
                "item.id",
                "id must be 1-64 letters, digits, '.', '_' or '-', got {value!r}",
                value=external_id,
            )
        )
    allowed = ITEM_KEYS[kind] | {"id", "gold", "meta"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise BadValue(
            problem(
                "item.unknown",
                'unknown field "{key}" for a {kind} item (allowed: {allowed})',
                key=unknown[0],
                kind=kind.value,
                allowed=", ".join(sorted(allowed)),
            )
        )
    payload = clean_item(kind, fields, base)
    gold = None
    if fields.get("gold") is not None:
        gold = clean_gold(kind, fields["gold"], settings.options)
    meta = fields.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise BadValue(problem("item.meta", "meta must be an object"))
    return ItemDraft(external_id, payload, gold, meta)


def _add_items(
    collector: _Collector,
    settings: BatchSettings,
    rows: list[tuple[int, Mapping[str, Any]]],
    base: Path | None,
    limits: Limits,
) -> list[ItemDraft]:
    if len(rows) > limits.max_items:
        collector.add(
            rows[limits.max_items][0],
            problem(
                "file.too_many_items",
                "the file has {count} item; the most one batch may have is {limit} "
                "(the BATCH_MAX_ITEMS setting)",
                plural="the file has {count} items; the most one batch may have is {limit} "
                "(the BATCH_MAX_ITEMS setting)",
                count=len(rows),
                limit=limits.max_items,
            ),
        )
        return []
    items: list[ItemDraft] = []
    first_seen: dict[str, int] = {}
    for line, fields in rows:
        external_id = fields.get("id")
        if isinstance(external_id, str) and external_id in first_seen:
            collector.add(
                line,
                problem(
                    "item.duplicate_id",
                    'duplicate item id "{id}" (first on line {first})',
                    id=external_id,
                    first=first_seen[external_id],
                ),
            )
            continue
        if isinstance(external_id, str):
            first_seen[external_id] = line
        try:
            items.append(_clean_item(settings, fields, base))
        except BadValue as error:
            collector.add(line, error.problem)
    if not rows and not collector.failed.problems:  # lines that failed are said as such
        collector.add(1, problem("file.no_items", "the file has no items"))
    elif settings.gold_rate > 0 and not any(item.is_gold for item in items):
        collector.add(
            1,
            problem(
                "settings.gold_without_items", "gold_rate is above 0 but no item has a gold answer"
            ),
        )
    return items


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
