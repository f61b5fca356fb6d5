"""`microtasks run` with a Discord token: log in, connect to the gateway, serve, stop cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from pydantic import SecretStr

from bots.discord.adapter import DiscordAdapter
from microtasks.runtime import build_adapters, run_adapters
from microtasks.settings import Settings
from microtasks.wiring import build_conversation
from storage.database import Database
from storage.identity import Platform, ensure_account
from storage.notifications import notify
from tasks.kinds import Kind
from tests.discord.conftest import WATCHED
from tests.discord.people import run
from tests.support.discord_harness import DiscordHarness
from tests.tasks.builders import active_batch

TOKEN = "not-a-real-token"
GUILDS_INTENT = 1


def settings_with_token(tmp_path: Path, **more: object) -> Settings:
    return Settings(
        discord_bot_token=SecretStr(TOKEN),
        sample_batches=False,
        data_dir=tmp_path / "data",
        **more,  # type: ignore[arg-type]
    )


async def test_run_logs_in_connects_serves_members_and_stops_on_sigterm(
    db: Database, tmp_path: Path
) -> None:
    settings = settings_with_token(tmp_path)
    conversation = build_conversation(settings, db)
    [adapter] = build_adapters(settings, conversation)
    assert isinstance(adapter, DiscordAdapter)
    await active_batch(db, Kind.choice, items=2, overlap=1)

    async with DiscordHarness(adapter.client, login=False, watch_loggers=WATCHED) as chat:
        bob = chat.add_user("bob")  # labelled here before; a payout notice waits for him
        known = await ensure_account(db, Platform.discord, str(bob.id), display_name="bob")
        await notify(db, known.profile_id, "notification.generic", {}, 0.0)
        running = chat.run(run_adapters([adapter]))
        session = await chat.wait_until_connected()

        assert session.identify["token"] == TOKEN
        assert session.identify["intents"] == GUILDS_INTENT, "no privileged intents needed"
        assert [call.kind for call in chat.calls[:2]] == ["login", "login"]
        assert chat.calls_of("command_sync"), "commands synced at start-up"

        await chat.wait_for("message_send")
        [owed] = chat.dm_messages(bob)
        assert owed.content.startswith("You have a new message from microtasks.")

        ada = chat.add_user("ada")
        prompt = await run(chat, ada, "task")  # arrives as INTERACTION_CREATE on the socket
        assert "Do you agree?" in prompt.content and prompt.ephemeral

        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(running, timeout=5)

        assert session.closed, "the gateway connection was closed"
        assert adapter.client.is_closed()


async def test_the_sharded_client_asks_discord_for_its_shards_and_identifies_as_one(
    db: Database, tmp_path: Path
) -> None:
    settings = settings_with_token(tmp_path, discord_sharded=True)
    [adapter] = build_adapters(settings, build_conversation(settings, db))
    assert isinstance(adapter, DiscordAdapter)
    stop = asyncio.Event()

    async with DiscordHarness(adapter.client, login=False, watch_loggers=WATCHED) as chat:
        running = chat.run(adapter.run(stop))
        session = await chat.wait_until_connected()

        assert [call.path for call in chat.calls_of("gateway")] == ["/gateway/bot"]
        assert session.identify["shard"] == [0, 1]
        shown = await run(chat, chat.add_user("ada"), "help")
        assert "/task — get a task" in shown.content

        stop.set()
        await asyncio.wait_for(running, timeout=5)
        assert session.closed
