"""Export a batch's answers as JSONL or CSV, one row per answer, streamed.

Contributors appear as a pseudonymous id: a keyed hash (HMAC-SHA256) of their profile, stable
across exports of one installation and meaningless elsewhere. Raw platform ids are included only
when asked for explicitly.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Any, TextIO

from storage.database import Database
from storage.exports import instance_key, stream_answers
from tasks.aggregation import BatchResult
from tasks.quality import SURPLUS_REASON

PSEUDONYM_KEY = "export-pseudonyms"
COLUMNS = [
    "batch_id",
    "batch_title",
    "kind",
    "item_id",
    "is_gold",
    "input",
    "value",
    "language",
    "voice_file",
    "status",
    "counted",
    "reason",
    "review_votes",
    "seconds",
    "leased_at",
    "answered_at",
    "contributor",
    "meta",
]


# OWASP's rule against formula injection: a cell starting with one of these gets a leading '.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
STATUS_NAMES = {"pending": "pending review", "accepted": "accepted", "rejected": "rejected"}


def csv_cell(value: Any) -> Any:
    """A value safe to put in a CSV cell opened by a spreadsheet: text that would start a
    formula is prefixed with a single quote; booleans are `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def answer_status(status: str, counted: bool, reason: str | None) -> str:
    """pending review, accepted, rejected or surplus (arrived when its item was full: kept, not
    counted, whether the check at submit or a later acceptance found the item full)."""
    if reason == SURPLUS_REASON or (status == "accepted" and not counted):
        return "surplus"
    return STATUS_NAMES[status]


def _language(kind: str, value: Any) -> str | None:
    if kind != "text" or not isinstance(value, str):
        return None
    from tasks.language import detected_language

    return detected_language(value)


def _voice_file(value: Any) -> str | None:
    """A recording's name in an export bundle (recordings are stored under unique names)."""
    if isinstance(value, dict) and isinstance(value.get("file"), str):
        return "voice/" + PurePath(value["file"]).name
    return None


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def pseudonym(key: bytes, profile_id: int) -> str:
    return hmac.new(key, str(profile_id).encode(), hashlib.sha256).hexdigest()[:20]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


async def answer_records(
    db: Database, batch_id: int, *, with_platform_ids: bool = False
) -> AsyncGenerator[dict[str, Any], None]:
    key = await instance_key(db, PSEUDONYM_KEY)
    async with aclosing(stream_answers(db, batch_id)) as rows:
        async for row in rows:
            value = json.loads(row["value"])
            status = answer_status(row["status"], bool(row["counted"]), row["reason"])
            record: dict[str, Any] = {
                "batch_id": row["batch_id"],
                "batch_title": row["batch_title"],
                "kind": row["kind"],
                "item_id": row["item_id"],
                "is_gold": bool(row["is_gold"]),
                "input": json.loads(row["payload"]),
                "value": value,
                "language": _language(row["kind"], value),
                "voice_file": _voice_file(value),
                "status": status,
                "counted": status == "accepted",
                "reason": row["reason"],
                "review_votes": json.loads(row["review_votes"] or "[]"),
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


@dataclass(frozen=True)
class Bundled:
    rows: int
    recordings: int
    missing: tuple[str, ...]  # recordings a row names that were not found on disk


async def write_bundle(
    db: Database,
    batch_id: int,
    target: Path,
    fmt: ExportFormat = ExportFormat.jsonl,
    *,
    with_platform_ids: bool = False,
) -> Bundled:
    """A zip: the answers (`answers.jsonl` or `answers.csv`) and each recording a row names,
    at the path its `voice_file` gives (`voice/<name>`)."""
    recordings: dict[str, Path] = {}

    async def noting_recordings() -> AsyncGenerator[dict[str, Any], None]:
        records = answer_records(db, batch_id, with_platform_ids=with_platform_ids)
        async with aclosing(records) as rows:
            async for record in rows:
                if record["voice_file"] is not None:
                    recordings[record["voice_file"]] = Path(record["value"]["file"])
                yield record

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open(f"answers.{fmt.value}", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            rows = await _write_records(
                noting_recordings(), text, fmt, with_platform_ids=with_platform_ids
            )
            text.flush()
            text.detach()
        missing = []
        for name, source in recordings.items():
            if source.is_file():
                bundle.write(source, name, zipfile.ZIP_STORED)  # audio is compressed already
            else:
                missing.append(name)
    return Bundled(rows, len(recordings) - len(missing), tuple(missing))


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
        for name in ("input", "value", "review_votes", "meta"):
            record[name] = _flat(record[name])
        writer.writerow({name: csv_cell(cell) for name, cell in record.items()})
        count += 1
    return count


def _flat(value: Any) -> Any:
    """A CSV cell of a JSON value: text and numbers as they are, nothing as empty, else JSON."""
    if value is None:
        return ""
    if isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False)


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
        cells = [item.item_id, answer, f"{item.confidence:.4f}", item.answers]
        writer.writerow([csv_cell(cell) for cell in cells])
