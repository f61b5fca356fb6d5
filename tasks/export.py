"""Export a batch's answers as JSONL or CSV, one row per answer, streamed.

Contributors appear as a pseudonymous id: a keyed hash (HMAC-SHA256) of their profile, stable
across exports of one installation and meaningless elsewhere. Raw platform ids are included only
when asked for explicitly.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO

from storage.database import Database
from storage.exports import instance_key, stream_answers
from tasks.aggregation import BatchResult

PSEUDONYM_KEY = "export-pseudonyms"
COLUMNS = [
    "batch_id",
    "batch_title",
    "kind",
    "item_id",
    "is_gold",
    "value",
    "counted",
    "seconds",
    "leased_at",
    "answered_at",
    "contributor",
    "meta",
]


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def pseudonym(key: bytes, profile_id: int) -> str:
    return hmac.new(key, str(profile_id).encode(), hashlib.sha256).hexdigest()[:20]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


async def answer_records(
    db: Database, batch_id: int, *, with_platform_ids: bool = False
) -> AsyncIterator[dict[str, Any]]:
    key = await instance_key(db, PSEUDONYM_KEY)
    async with aclosing(stream_answers(db, batch_id)) as rows:
        async for row in rows:
            record: dict[str, Any] = {
                "batch_id": row["batch_id"],
                "batch_title": row["batch_title"],
                "kind": row["kind"],
                "item_id": row["item_id"],
                "is_gold": bool(row["is_gold"]),
                "value": json.loads(row["value"]),
                "counted": bool(row["counted"]),
                "seconds": round(row["seconds"], 3),
                "leased_at": _iso(row["leased_at"]),
                "answered_at": _iso(row["answered_at"]),
                "contributor": pseudonym(key, row["profile_id"]),
                "meta": json.loads(row["meta"]) if row["meta"] else None,
            }
            if with_platform_ids:
                record["platform_ids"] = row["platform_ids"] or ""
            yield record


async def write_export(
    db: Database,
    batch_id: int,
    out: TextIO,
    fmt: ExportFormat = ExportFormat.jsonl,
    *,
    with_platform_ids: bool = False,
) -> int:
    """Write every answer of a batch to `out`; returns the number of rows."""
    async with aclosing(answer_records(db, batch_id, with_platform_ids=with_platform_ids)) as rows:
        return await _write_records(rows, out, fmt, with_platform_ids=with_platform_ids)


async def _write_records(
    records: AsyncIterator[dict[str, Any]],
    out: TextIO,
    fmt: ExportFormat,
    *,
    with_platform_ids: bool,
) -> int:
    count = 0
    if fmt is ExportFormat.jsonl:
        async for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    columns = [*COLUMNS, "platform_ids"] if with_platform_ids else COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    async for record in records:
        value = record["value"]
        record["value"] = (
            value if isinstance(value, str | int) else json.dumps(value, ensure_ascii=False)
        )
        record["meta"] = (
            "" if record["meta"] is None else json.dumps(record["meta"], ensure_ascii=False)
        )
        writer.writerow(record)
        count += 1
    return count


def write_aggregated(result: BatchResult, out: TextIO, fmt: ExportFormat) -> None:
    """Each item's final answer with its confidence; the batch's agreement and ranking in JSONL
    come first as a summary line (`"summary": true`)."""
    if fmt is ExportFormat.jsonl:
        summary = {
            "summary": True,
            "batch_id": result.batch_id,
            "kind": result.kind.value,
            "method": result.method.value,
            "items": len(result.items),
            "agreement_alpha": result.agreement,
            "ranking": result.ranking,
        }
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
        for item in result.items:
            row = {
                "item_id": item.item_id,
                "answer": item.answer,
                "confidence": round(item.confidence, 4),
                "answers": item.answers,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.writer(out)
    writer.writerow(["item_id", "answer", "confidence", "answers"])
    for item in result.items:
        answer = item.answer if isinstance(item.answer, str | int) else json.dumps(item.answer)
        writer.writerow([item.item_id, answer, f"{item.confidence:.4f}", item.answers])
