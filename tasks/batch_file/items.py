"""The items of a batch file, checked against their batch's kind and settings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tasks.batch_file.model import (
    ITEM_ID,
    BatchSettings,
    ItemDraft,
    Limits,
    _Collector,
)
from tasks.kinds import (
    ITEM_KEYS,
    BadValue,
    clean_gold,
    clean_item,
)
from tasks.problems import problem


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
