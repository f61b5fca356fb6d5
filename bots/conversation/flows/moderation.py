"""Moderators run batches from the chat: import an uploaded file, list, lifecycle, export."""

from __future__ import annotations

import asyncio
from tempfile import SpooledTemporaryFile
from typing import BinaryIO, TextIO, cast

from bots.conversation.context import Person, Services
from bots.conversation.flows.labelling import start_button
from bots.conversation.replies import OutFile, Reply
from bots.conversation.saving import folder, saving
from tasks.batch_file import ImportFailed, check_size, read_batch_bytes
from tasks.batches import DuplicateBatch, Transition
from tasks.export import ExportFormat, write_export

SPOOL_BYTES = 1024 * 1024  # an export larger than this waits in a file under data_dir/exports
EXPORTS = "exports"


class ExportTooLarge(Exception):
    """The export passed the size a chat may carry."""


class _CappedWriter:
    """Text written as UTF-8 into `sink`, stopping as soon as it would pass `limit` bytes."""

    def __init__(self, sink: BinaryIO, limit: int):
        self.sink = sink
        self.limit = limit
        self.size = 0

    def write(self, text: str) -> int:
        data = text.encode()
        self.size += len(data)
        if self.size > self.limit:
            raise ExportTooLarge
        self.sink.write(data)
        return len(text)


def refused(p: Person) -> list[Reply]:
    return [Reply(p.t("moderator.only"))]


def _batch_id(p: Person, args: str, command: str) -> int | None:
    first = args.split()[0] if args.split() else ""
    return int(first) if first.isdigit() else None


def _needs_id(p: Person, command: str) -> list[Reply]:
    return [Reply(p.t("moderator.needs_id", command=command))]


def _import_failed(p: Person, filename: str, failed: ImportFailed) -> list[Reply]:
    lines = [p.t("import.failed", filename=filename)]
    ordered = sorted(failed.problems, key=lambda found: found.line)
    lines += [f"{filename}:{f.line}: {p.t.problem(f.problem)}" for f in ordered[:20]]
    if len(ordered) > 20:
        lines.append(p.t.count("import.more_errors", len(ordered) - 20))
    return [Reply("\n".join(lines))]


def upload_refused(s: Services, p: Person, filename: str, size: int | None) -> list[Reply] | None:
    """Why an upload of `size` bytes would be refused, before anything is downloaded; or None."""
    if not p.is_moderator:
        return refused(p)
    if size is None:
        return None
    try:
        check_size(size, filename, s.batch_limits)
    except ImportFailed as failed:
        return _import_failed(p, filename, failed)
    return None


async def import_upload(s: Services, p: Person, filename: str, content: bytes) -> list[Reply]:
    try:
        draft = read_batch_bytes(content, filename, limits=s.batch_limits)
    except ImportFailed as failed:
        return _import_failed(p, filename, failed)
    try:
        batch_id = await s.batches.import_draft(
            draft, created_by=p.profile.id, refuse_duplicate=True
        )
    except DuplicateBatch as duplicate:
        return [Reply(p.t("import.duplicate", filename=filename, id=duplicate.existing))]
    return [
        Reply(
            p.t.count(
                "import.done",
                len(draft.items),
                id=batch_id,
                kind=draft.settings.kind.value,
                title=draft.settings.title,
            )
        )
    ]


async def list_batches(s: Services, p: Person) -> list[Reply]:
    rows = await s.batches.list()
    if not rows:
        return [Reply(p.t("batches.empty"))]
    lines = [p.t("batches.title")]
    for row in rows:
        view = await s.batches.overview(row.id)
        lines.append(
            p.t(
                "batches.row",
                id=row.id,
                title=row.title,
                kind=row.kind,
                state=p.t(f"state.{row.state}"),
                percent=f"{view.percent:.0f}",
            )
        )
    return [Reply("\n".join(lines))]


async def progress(s: Services, p: Person, args: str) -> list[Reply]:
    batch_id = _batch_id(p, args, "progress")
    if batch_id is None:
        return _needs_id(p, "progress")
    view = await s.batches.overview(batch_id)
    b, pr = view.batch, view.progress
    return [
        Reply(
            p.t(
                "progress.text",
                id=b.id,
                title=b.title,
                state=p.t(f"state.{b.state}"),
                items=pr.items,
                gold=pr.gold_items,
                gold_answers=pr.gold_answers,
                complete=pr.complete_items,
                counted=pr.counted_answers,
                wanted=pr.wanted_answers,
                percent=f"{view.percent:.0f}",
                surplus=pr.surplus_answers,
                rejected=pr.rejected_answers,
                pending=pr.pending_answers,
                live=pr.live_leases,
                members=pr.members,
            )
        )
    ]


async def change(s: Services, p: Person, args: str, transition: Transition) -> list[Reply]:
    batch_id = _batch_id(p, args, transition.value)
    if batch_id is None:
        return _needs_id(p, transition.value)
    state = await s.batches.change(batch_id, transition)
    reply = Reply(p.t("batch.changed", id=batch_id, state=p.t(f"state.{state.value}")))
    if transition in (Transition.activate, Transition.resume):
        reply = Reply(reply.text, buttons=((start_button(p, batch_id),),))
    return [reply]


async def export(s: Services, p: Person, args: str) -> list[Reply]:
    batch_id = _batch_id(p, args, "export")
    if batch_id is None:
        return _needs_id(p, "export")
    extra = [word.lower() for word in args.split()[1:]]
    formats = {f.value: f for f in ExportFormat}
    if len(extra) > 1 or (extra and extra[0] not in formats):
        return [Reply(p.t("export.bad_format", id=batch_id, given=" ".join(extra)))]
    fmt = formats[extra[0]] if extra else ExportFormat.jsonl
    await s.batches.get(batch_id)
    spool_dir = await asyncio.to_thread(folder, s.data_dir / EXPORTS)
    # a spool past SPOOL_BYTES goes to disk: failing to write it is CannotSave too
    with (
        saving(f"the export of batch {batch_id}"),
        SpooledTemporaryFile(max_size=SPOOL_BYTES, dir=str(spool_dir)) as spool,
    ):
        sink = cast(BinaryIO, spool)
        try:
            writer = _CappedWriter(sink, s.max_export_bytes)
            count = await write_export(s.db, batch_id, cast(TextIO, writer), fmt)
        except ExportTooLarge:
            return [Reply(p.t("export.too_large", id=batch_id))]
        sink.seek(0)
        data = sink.read()
    return [
        Reply(
            p.t.count("export.done", count, id=batch_id),
            files=(OutFile(f"batch-{batch_id}.{fmt.value}", data),),
        )
    ]
