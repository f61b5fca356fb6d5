"""The batch header's settings, checked: each problem names the setting it is about."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tasks.batch_file.model import (
    COMMON_SETTINGS,
    PLATFORMS,
    BatchSettings,
)
from tasks.kinds import (
    GOLD_KINDS,
    OPTION_KEYS,
    BadValue,
    Kind,
    clean_options,
)
from tasks.problems import Problem, problem
from tasks.quality_settings import QUALITY_KEYS, clean_quality
from tasks.setting_checks import setting_amount
from tasks.setting_checks import setting_int as _setting_int
from tasks.setting_checks import setting_number as _setting_number
from tasks.setting_checks import setting_text as _setting_text


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
