"""On Discord too, an attachment is downloaded only once the core wants it: a batch file from a
moderator within the size limit, a recording for a voice task. A refused recording is deleted."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bots.conversation.core import Conversation
from bots.conversation.i18n import catalog
from bots.discord.adapter import DiscordAdapter
from bots.discord.config import DiscordConfig
from storage.database import Database
from tasks.batch_file import Limits
from tasks.kinds import Kind
from tests.discord.conftest import WATCHED
from tests.discord.people import agree, run, run_slow
from tests.discord.test_labelling import recording
from tests.discord.test_moderation import GOOD
from tests.support.discord_harness import DiscordHarness
from tests.tasks.builders import active_batch


async def test_a_members_batch_file_is_refused_without_being_downloaded(
    discord_chat: DiscordHarness, db: Database
) -> None:
    bob = discord_chat.add_user("bob")

    refused = await run_slow(discord_chat, bob, "batch import", file=("pets.jsonl", GOOD))

    assert refused.content == "Sorry, only moderators can do that." and refused.ephemeral
    assert discord_chat.calls_of("attachment") == [], "the attachment was never fetched"
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0


async def test_a_batch_file_over_the_size_limit_is_refused_before_the_download(
    conversation: Conversation, config: DiscordConfig, db: Database
) -> None:
    small = replace(conversation.services, batch_limits=Limits(max_file_bytes=1_000_000))
    limited = DiscordAdapter(Conversation(small, throttle=conversation.throttle), config)
    async with DiscordHarness(limited.client, watch_loggers=WATCHED) as chat:
        mod = chat.add_user("mod", roles=["Moderator"])
        big = GOOD + b"\n" * 1_500_000

        refused = await run_slow(chat, mod, "batch import", file=("big.jsonl", big))
        assert chat.calls_of("attachment") == []
        imported = await run_slow(chat, mod, "batch import", file=("pets.jsonl", GOOD))

    assert refused.content.splitlines() == [
        "Nothing was imported from big.jsonl:",
        "big.jsonl:1: the file is 1.51 MB; the most is 1 MB (the BATCH_MAX_FILE_MB setting)",
    ]
    assert imported.content.startswith("Imported batch 1 (choice, 2 items)")
    assert len(chat.calls_of("attachment")) == 1, "only the file within the limit"


async def test_a_recording_nobody_asked_for_is_neither_downloaded_nor_stored(
    discord_chat: DiscordHarness, db: Database, tmp_path: Path
) -> None:
    await active_batch(db, Kind.choice, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    await agree(discord_chat, ada)  # she holds a task, but not one answered by voice

    stray = await run_slow(discord_chat, ada, "voice", recording=("take.wav", recording(2.0)))

    assert stray.content == "You have no task waiting for a voice message. Use /task to get one."
    assert discord_chat.calls_of("attachment") == []
    assert not (tmp_path / "data" / "voice").exists()


async def test_a_refused_recording_is_deleted_and_the_accepted_one_kept(
    discord_chat: DiscordHarness, db: Database, tmp_path: Path
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    await agree(discord_chat, ada)
    folder = tmp_path / "data" / "voice" / "discord" / str(ada.id)

    too_long = await run_slow(discord_chat, ada, "voice", recording=("take.wav", recording(25)))
    assert too_long.content == "your recording lasts 25 s; it must last 1 to 20 s"
    assert list(folder.iterdir()) == [], "downloaded, refused, deleted"

    await run_slow(discord_chat, ada, "voice", later=1, recording=("take.wav", recording(2.5)))

    [kept] = folder.iterdir()
    answer = json.loads(await db.fetch_value("SELECT value FROM answers"))
    assert answer == {"file": str(kept), "duration": 2.5}


async def test_a_recording_that_cannot_be_stored_is_refused_and_the_bot_keeps_serving(
    adapter: DiscordAdapter, db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "voice").write_bytes(b"a file where the folder must be")
    # the error logged here is expected: only discord.py's own errors fail this test
    async with DiscordHarness(adapter.client, watch_loggers=("discord",)) as chat:
        ada = chat.add_user("ada")
        await agree(chat, ada)
        refused = await run_slow(chat, ada, "voice", recording=("take.wav", recording(2.5)))
        helped = await run(chat, ada, "help")

    assert refused.content == catalog("en")["error.cannot_save"]
    assert "conversation.cannot_save" in [r.getMessage() for r in caplog.records]
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0
    assert "/task" in helped.content, "the bot still answers"
