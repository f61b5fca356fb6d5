"""`microtasks batch ...`: import, list, show, lifecycle and export of batches."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from microtasks.cli_common import (
    fail,
    plain_console,
    run_command,
    settings_or_exit,
    words_of_others,
)
from microtasks.wiring import open_database
from storage.database import Database
from tasks.aggregation import Method, aggregate
from tasks.batch_file import ImportFailed, read_batch_file
from tasks.batches import BatchService, Transition
from tasks.export import Bundled, ExportFormat, write_aggregated, write_bundle, write_export
from tasks.kinds import Kind
from tasks.problems import counted

T = TypeVar("T")
batch_app = typer.Typer(
    help="Batches of tasks: import, lifecycle, progress, export.", no_args_is_help=True
)
out = plain_console()


def with_services(work: Callable[[Database, BatchService], Awaitable[T]]) -> T:
    settings = settings_or_exit()

    async def main() -> T:
        async with open_database(settings) as db:
            return await work(db, BatchService(db))

    return run_command(main())


Opt = typer.Option


@batch_app.command("import")
def import_batch(
    path: Annotated[Path, typer.Argument(help="a .jsonl batch file, or a .csv items file")],
    activate: Annotated[bool, Opt("--activate", help="activate at once (else a draft)")] = False,
    allow_duplicate: Annotated[
        bool, Opt("--allow-duplicate", help="import a file identical to an imported batch")
    ] = False,
    kind: Annotated[
        str | None, Opt(help="CSV only: choice, multi, rating, compare, text, voice")
    ] = None,
    title: Annotated[str | None, Opt(help="CSV only: the batch title")] = None,
    instructions: Annotated[str | None, Opt(help="CSV only: shown before the first task")] = None,
    labels: Annotated[str | None, Opt(help="CSV only: comma-separated labels")] = None,
    min_choices: Annotated[int | None, Opt(help="CSV only: multi")] = None,
    max_choices: Annotated[int | None, Opt(help="CSV only: multi")] = None,
    scale_min: Annotated[int | None, Opt(help="CSV only: rating")] = None,
    scale_max: Annotated[int | None, Opt(help="CSV only: rating")] = None,
    anchors: Annotated[
        str | None, Opt(help='CSV only: rating captions as JSON, {"1": "bad"}')
    ] = None,
    min_length: Annotated[int | None, Opt(help="CSV only: text")] = None,
    max_length: Annotated[int | None, Opt(help="CSV only: text")] = None,
    min_duration: Annotated[float | None, Opt(help="CSV only: voice, seconds")] = None,
    max_duration: Annotated[float | None, Opt(help="CSV only: voice, seconds")] = None,
    overlap: Annotated[int | None, Opt(help="CSV only: answers needed per item")] = None,
    lease_seconds: Annotated[int | None, Opt(help="CSV only")] = None,
    reward: Annotated[str | None, Opt(help="CSV only: token amount per accepted answer")] = None,
    gold_rate: Annotated[float | None, Opt(help="CSV only")] = None,
    min_seconds: Annotated[float | None, Opt(help="CSV only")] = None,
    daily_cap: Annotated[int | None, Opt(help="CSV only")] = None,
    audience: Annotated[str | None, Opt(help="CSV only: all, or telegram,discord,console")] = None,
    priority: Annotated[int | None, Opt(help="CSV only")] = None,
    activate_at: Annotated[str | None, Opt(help="CSV only: ISO 8601 time with timezone")] = None,
) -> None:
    """Import a batch file; all or nothing. Errors are listed as file:line: what is wrong."""
    flags: dict[str, Any] = {
        "kind": kind,
        "title": title,
        "instructions": instructions,
        "labels": [label.strip() for label in labels.split(",")] if labels else None,
        "min_choices": min_choices,
        "max_choices": max_choices,
        "scale_min": scale_min,
        "scale_max": scale_max,
        "min_length": min_length,
        "max_length": max_length,
        "min_duration": min_duration,
        "max_duration": max_duration,
        "overlap": overlap,
        "lease_seconds": lease_seconds,
        "reward": reward,
        "gold_rate": gold_rate,
        "min_seconds": min_seconds,
        "daily_cap": daily_cap,
        "audience": audience,
        "priority": priority,
        "activate_at": activate_at,
    }
    if anchors is not None:
        try:
            flags["anchors"] = json.loads(anchors)
        except json.JSONDecodeError:
            fail('--anchors must be a JSON object such as {"1": "useless", "5": "excellent"}')
    settings_raw = {key: value for key, value in flags.items() if value is not None}
    settings = settings_or_exit()
    if path.is_dir():
        fail(f"{path} is a folder; give a .jsonl or .csv file")
    if path.exists() and not path.is_file():  # a pipe or a device would be read forever
        fail(f"{path} is not a regular file; give a .jsonl or .csv file")
    try:
        draft = read_batch_file(path, settings_raw=settings_raw, limits=settings.batch_limits)
    except ImportFailed as error:
        for line in error.lines():
            print(line, file=sys.stderr)
        print(f"microtasks: nothing imported from {path.name}", file=sys.stderr)
        raise typer.Exit(2) from None

    async def work(db: Database, batches: BatchService) -> int:
        return await batches.import_draft(
            draft, activate=activate, refuse_duplicate=not allow_duplicate
        )

    batch_id = with_services(work)
    state = "active" if activate else "draft"
    out.print(
        f"imported batch {batch_id} ({draft.settings.kind.value}, "
        f"{counted(len(draft.items), 'item', 'items')}) as {state}: {draft.settings.title}"
    )


@batch_app.command("list")
def list_batches() -> None:
    """Every batch with its state and progress."""

    async def work(db: Database, batches: BatchService) -> list[Any]:
        return [await batches.overview(row.id) for row in await batches.list()]

    overviews = with_services(work)
    table = Table()
    for column in ("id", "title", "kind", "state", "items", "answers", "done"):
        table.add_column(column)
    for view in overviews:
        b, p = view.batch, view.progress
        table.add_row(
            str(b.id),
            words_of_others(b.title),
            b.kind,
            b.state,
            f"{p.items} + {p.gold_items} gold" if p.gold_items else str(p.items),
            f"{p.counted_answers}/{p.wanted_answers}",
            f"{view.percent:.0f}%",
        )
    out.print(table if overviews else "no batches yet: import one with `microtasks batch import`")


@batch_app.command("show")
def show_batch(batch_id: int) -> None:
    """A batch's settings and progress."""
    view = with_services(lambda db, batches: batches.overview(batch_id))
    b, p = view.batch, view.progress
    title = words_of_others(b.title)
    out.print(Text.assemble((f"batch {b.id}", "bold"), ": ", title, f" ({b.kind}, {b.state})"))
    out.print(f"items: {p.items} (+{p.gold_items} gold), complete: {p.complete_items}")
    out.print(
        f"answers: {p.counted_answers} of {p.wanted_answers} wanted ({view.percent:.1f}%),"
        f" surplus {p.surplus_answers}, not accepted {p.rejected_answers},"
        f" waiting for review {p.pending_answers}, tasks in progress {p.live_leases},"
        f" members {p.members}"
    )
    out.print(
        f"overlap {b.overlap}, reward {b.reward} per answer, lease {b.lease_seconds}s,"
        f" priority {b.priority}, audience {','.join(b.audience) or 'all'}"
    )


def _transition(transition: Transition) -> Callable[[int], None]:
    def command(batch_id: int) -> None:
        state = with_services(lambda db, batches: batches.change(batch_id, transition))
        out.print(f"batch {batch_id} is now {state.value}")

    command.__doc__ = {
        Transition.activate: "Start serving a draft batch.",
        Transition.pause: "Stop serving an active batch for now.",
        Transition.resume: "Serve a paused batch again.",
        Transition.close: "Stop a batch for good (its answers stay).",
    }[transition]
    return command


for _step in Transition:
    batch_app.command(_step.value)(_transition(_step))


def _export_bundle(batch_id: int, output: Path, fmt: ExportFormat, with_platform_ids: bool) -> None:
    """`-o FILE.zip`: the answers and the recordings they name, in one file."""

    async def work(db: Database, batches: BatchService) -> Bundled:
        await batches.get(batch_id)
        return await write_bundle(db, batch_id, output, fmt, with_platform_ids=with_platform_ids)

    try:
        bundled = with_services(work)
    except OSError as error:
        output.unlink(missing_ok=True)  # a half-written bundle is no bundle
        fail(f"cannot write {output}: {error.strerror or error}")
    answers = counted(bundled.rows, "answer", "answers")
    recordings = counted(bundled.recordings, "recording", "recordings")
    out.print(f"wrote {answers} and {recordings} to {output}")
    for name in bundled.missing:
        print(
            f"microtasks: the recording {name} was not found: its row is in, the file not",
            file=sys.stderr,
        )


def _stdout_closed() -> None:
    """After stdout refused a write, what is still buffered goes nowhere (not to a traceback at
    exit): the failure has been said on stderr."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _check_writable(output: Path) -> None:
    """Refuse, before any work, an export target that cannot be a file."""
    if output.is_dir():
        fail(f"cannot write {output}: it is a folder")
    folder = output.parent
    if not folder.is_dir():
        fail(f"cannot write {output}: the folder {folder} does not exist")


@batch_app.command("export")
def export_batch(
    batch_id: int,
    fmt: Annotated[ExportFormat, Opt("--format", help="jsonl or csv")] = ExportFormat.jsonl,
    output: Annotated[
        Path | None,
        Opt(
            "--output",
            "-o",
            help="file to write (default: stdout); FILE.zip bundles the recordings too",
        ),
    ] = None,
    with_platform_ids: Annotated[
        bool, Opt("--with-platform-ids", help="add raw Telegram/Discord ids (personal data)")
    ] = False,
    aggregated: Annotated[
        bool, Opt("--aggregated", help="one row per item: its final answer and confidence")
    ] = False,
    method: Annotated[Method, Opt(help="with --aggregated: ds (Dawid-Skene) or mv")] = Method.ds,
) -> None:
    """Every answer of a batch (or, aggregated, every item's final answer)."""

    async def write(db: Database, batch_id: int, handle: TextIO) -> int:
        if not aggregated:
            return await write_export(
                db, batch_id, handle, fmt, with_platform_ids=with_platform_ids
            )
        batch = await BatchService(db).get(batch_id)
        result = await aggregate(db, batch_id, Kind(batch.kind), method)
        write_aggregated(result, handle, fmt)
        return len(result.items)

    async def work(db: Database, batches: BatchService) -> int:
        await batches.get(batch_id)
        try:
            if output is None:
                count = await write(db, batch_id, sys.stdout)
                sys.stdout.flush()
                return count
            with output.open("w", encoding="utf-8", newline="") as handle:
                return await write(db, batch_id, handle)
        except OSError as error:  # a full disk, a device that takes nothing
            if output is None:
                _stdout_closed()
            elif output.is_file():
                output.unlink()  # a half-written export is no export
            fail(f"cannot write {output or 'the standard output'}: {error.strerror or error}")

    if output is not None:
        _check_writable(output)
    if output is not None and output.suffix.lower() == ".zip":
        if aggregated:
            fail("--aggregated writes one file: give -o FILE.jsonl or FILE.csv")
        _export_bundle(batch_id, output, fmt, with_platform_ids)
        return
    count = with_services(work)
    if output is not None:
        one, other = ("item", "items") if aggregated else ("answer", "answers")
        out.print(f"wrote {counted(count, one, other)} to {output}")
