"""Discord's own rules: answer within 3 seconds, sync commands, apologise, shard, start lazily."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import discord
from pydantic import SecretStr

from bots.conversation.core import Conversation
from bots.discord.adapter import DiscordAdapter, build_client
from bots.discord.config import DiscordConfig
from microtasks.runtime import build_adapters
from microtasks.settings import Settings
from storage.database import Database
from tasks.kinds import Kind
from tests.discord.conftest import WATCHED
from tests.discord.people import agree
from tests.support.discord_harness import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    DiscordHarness,
)
from tests.tasks.builders import active_batch


async def test_a_slow_answer_is_deferred_first_then_delivered(
    conversation: Conversation, config: DiscordConfig, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    patient = DiscordAdapter(conversation, replace(config, reply_budget=0.0))
    async with DiscordHarness(patient.client, watch_loggers=WATCHED) as chat:
        ada = chat.add_user("ada")

        sent = await chat.slash(ada, "me")
        assert (await chat.wait_for("callback", interaction=sent)).response_type == (
            CALLBACK_DEFERRED_MESSAGE
        )
        await chat.wait_for("followup", interaction=sent)
        shown = chat.last_response(ada)
        assert "Answers: 0" in shown.content, "the placeholder became the answer"
        assert shown.ephemeral and not shown.loading

        sent = await chat.slash(ada, "task")
        await chat.wait_for("callback", interaction=sent)
        await chat.wait_for("followup", interaction=sent)
        prompt = chat.last_response(ada)
        sent = await chat.click(ada, prompt, "I agree")
        assert (await chat.wait_for("callback", interaction=sent)).response_type == (
            CALLBACK_DEFERRED_UPDATE
        )
        await chat.wait_for("edit_original", interaction=sent)
        await chat.wait_for("followup", interaction=sent)
        assert chat.current_message(prompt).content == "Thank you! Let's begin."
        assert chat.last_response(ada).buttons[0].label == "yes"


async def test_a_quick_answer_is_the_first_response_itself(discord_chat: DiscordHarness) -> None:
    ada = discord_chat.add_user("ada")

    sent = await discord_chat.slash(ada, "help")

    answer = await discord_chat.wait_for("callback", interaction=sent)
    assert answer.response_type == CALLBACK_MESSAGE and answer.ephemeral
    text = discord_chat.last_response(ada).content
    assert "/task — get a task" in text and "/batch" not in text


async def test_a_moderators_help_names_the_discord_commands(discord_chat: DiscordHarness) -> None:
    mod = discord_chat.add_user("mod", roles=["Moderator"])

    sent = await discord_chat.slash(mod, "help")
    await discord_chat.wait_for("callback", interaction=sent)

    text = discord_chat.last_response(mod).content
    assert "/batch activate — start a draft batch: /batch activate 3" in text
    assert "/activate" not in text.replace("/batch activate", "")


async def test_direct_messages_get_ordinary_messages(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = discord_chat.add_user("ada")

    sent = await discord_chat.slash(ada, "task", where="dm")
    await discord_chat.wait_for("callback", interaction=sent)
    prompt = discord_chat.last_response(ada)
    assert not prompt.ephemeral
    sent = await discord_chat.click(ada, prompt, "I agree")
    await discord_chat.wait_for("callback", interaction=sent)
    await discord_chat.wait_for("followup", interaction=sent)

    assert [m.content.split("\n")[0] for m in discord_chat.dm_messages(ada)] == [
        "Thank you! Let's begin.",
        "📋 choice batch",
    ]


async def test_commands_sync_globally_with_russian_descriptions(
    discord_chat: DiscordHarness,
) -> None:
    [sync] = discord_chat.calls_of("command_sync")

    assert sync.method == "PUT" and sync.path.endswith("/commands") and "/guilds/" not in sync.path
    commands = {command["name"]: command for command in sync.json}
    assert sorted(commands) == sorted(
        [
            *("task", "skip", "stop", "me", "history", "leaderboard", "appeal", "notify"),
            *("remind", "lang", "help", "wallet", "voice", "batch", "review", "member"),
        ]
    )
    assert commands["task"]["description"] == "get a task (or see the one you hold)"
    assert commands["task"]["description_localizations"]["ru"].startswith("получить задание")
    remind = commands["remind"]
    assert remind["description"] == "turn streak reminders on or off"
    assert remind["description_localizations"]["ru"] == "включить или выключить напоминания о серии"
    assert [choice["value"] for choice in remind["options"][0]["choices"]] == ["on", "off"]
    batch_commands = [option["name"] for option in commands["batch"]["options"]]
    assert batch_commands == [
        "import",
        "list",
        "show",
        "activate",
        "pause",
        "resume",
        "close",
        "export",
    ]
    review_commands = [option["name"] for option in commands["review"]["options"]]
    assert review_commands == ["list", "accept", "reject", "uphold", "overturn"]
    member = commands["member"]
    assert [option["name"] for option in member["options"]] == ["ban", "unban"]
    ban = member["options"][0]
    assert [(o["name"], o["required"]) for o in ban["options"]] == [
        ("user", True),
        ("reason", True),
    ]
    assert ban["description"].startswith("ban a member, saying why: /member ban 12 reason")
    assert ban["description_localizations"]["ru"].startswith("отстранить участника")


async def test_commands_sync_to_the_configured_guilds(
    conversation: Conversation, config: DiscordConfig
) -> None:
    guilds = DiscordAdapter(conversation, replace(config, guild_ids=(111, 222)))
    async with DiscordHarness(guilds.client, watch_loggers=WATCHED) as chat:
        paths = [call.path for call in chat.calls_of("command_sync")]
    application = chat.bot_user.id
    assert paths == [
        f"/applications/{application}/guilds/111/commands",
        f"/applications/{application}/guilds/222/commands",
    ]


async def test_when_discord_refuses_a_reply_the_member_gets_a_short_apology(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = discord_chat.add_user("ada")
    prompt = await agree(discord_chat, ada)
    discord_chat.fail_next("followup", status=400, code=50035, message="Invalid Form Body")

    sent = await discord_chat.click(ada, prompt, "yes")

    logged = await discord_chat.wait_for_error()
    assert "discord.interaction_failed" in logged and "not-a-real-token" not in logged
    await discord_chat.wait_for("callback", interaction=sent)
    apology = await discord_chat.wait_for("followup", interaction=sent)
    assert apology.message is not None and apology.message.content.startswith("Sorry,")
    assert await db.fetch_value("SELECT count(*) FROM answers") == 1, "the answer was kept"


async def test_large_servers_can_use_the_auto_sharded_client(
    conversation: Conversation, config: DiscordConfig
) -> None:
    client = build_client(conversation, replace(config, sharded=True))  # not logged in

    assert isinstance(client, discord.AutoShardedClient)
    assert client.tree.get_command("task") is not None


def test_a_discord_token_adds_the_discord_adapter(conversation: Conversation) -> None:
    settings = Settings(discord_bot_token=SecretStr("not-a-real-token"), sample_batches=False)

    [adapter] = build_adapters(settings, conversation)

    assert isinstance(adapter, DiscordAdapter) and adapter.name == "discord"


def test_the_cli_starts_without_loading_discord() -> None:
    probe = "import sys, microtasks.cli, microtasks.runtime; print('discord' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
