"""A moderator exports a batch in chat; one too large for a chat message gets told where to go."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bots.conversation.core import Conversation
from bots.conversation.events import Sender
from bots.conversation.throttle import Throttle
from storage.database import Database
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.conversation.conftest import services_for
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch


async def chat_with_export_limit(
    db: Database, clock: ManualClock, data_dir: Path, limit: int
) -> tuple[ChatUser, ...]:
    services = services_for(db, clock, data_dir)
    services.max_export_bytes = limit
    conversation = Conversation(services, throttle=Throttle(rate=1000, burst=1000))
    return tuple(
        ChatUser(conversation, Sender("telegram", name, display_name=name, language="en"))
        for name in ("900", "ada", "bob", "cy")
    )


async def answer_one_each(*members: ChatUser) -> None:
    for member in members:
        await member.send("/start")
        await member.press("I agree")
        await member.press("yes")


async def test_an_export_within_the_limit_arrives_whole(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=10, overlap=1)
    mod, *members = await chat_with_export_limit(db, clock, tmp_path / "chat", 10_000)
    await answer_one_each(*members)

    await mod.send(f"/export {batch_id}")

    assert mod.text == f"Batch #{batch_id}: 3 answers."
    (exported,) = mod.last.files
    rows = [json.loads(line) for line in exported.content.decode().splitlines()]
    assert [row["value"] for row in rows] == ["yes", "yes", "yes"]
    assert len({row["item_id"] for row in rows}) == 3
    assert list((tmp_path / "chat" / "exports").iterdir()) == []  # the spooled export is gone


async def test_an_export_past_the_limit_stops_with_a_message(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=10, overlap=1)
    mod, *members = await chat_with_export_limit(db, clock, tmp_path / "whole", 10_000)
    await answer_one_each(*members)
    await mod.send(f"/export {batch_id}")
    size = len(mod.last.files[0].content)

    for limit, files in ((size, 1), (size - 1, 0)):
        mod, *_ = await chat_with_export_limit(db, clock, tmp_path / "chat", limit)
        await mod.send(f"/export {batch_id}")
        assert len(mod.last.files) == files

    assert mod.text == (
        f"Batch #{batch_id} is too large to send in chat. "
        f"Export it with: microtasks batch export {batch_id}"
    )


async def test_a_chat_csv_export_quotes_a_title_that_would_run_as_a_formula(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=10, overlap=1, title="=1+2 titles")
    mod, *members = await chat_with_export_limit(db, clock, tmp_path / "chat", 10_000)
    await answer_one_each(*members)

    await mod.send(f"/export {batch_id} csv")

    (exported,) = mod.last.files
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert {row["batch_title"] for row in rows} == {"'=1+2 titles"}
    assert {row["counted"] for row in rows} == {"true"}
