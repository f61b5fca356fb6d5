"""What a batch file becomes: its settings, items and draft; the limits on it; its problems,
each at its line, collected so that a file with any problem imports nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tasks.kinds import (
    Kind,
)
from tasks.problems import Problem, counted
from tasks.quality_settings import QualitySettings

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
