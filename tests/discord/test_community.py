"""The bot speaks to the community: announcements with a Start button, owed DMs, Russian."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bots.conversation.core import Conversation
from bots.discord.adapter import DiscordAdapter
from bots.discord.announcements import AnnounceError
from bots.discord.config import DiscordConfig
from storage.database import Database
from storage.identity import Platform, find_account
from storage.notifications import notify
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.discord.conftest import WATCHED
from tests.discord.people import press, run
from tests.support.discord_harness import DiscordHarness
from tests.tasks.builders import active_batch


async def test_an_announcement_has_a_start_button_that_gives_a_task_of_its_batch(
    conversation: Conversation, config: DiscordConfig, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=2, priority=9, title="Other batch")
    batch_id = await active_batch(db, Kind.rating, items=2, title="Rate answers")
    harness = DiscordHarness(DiscordAdapter(conversation, config).client, watch_loggers=WATCHED)
    async with harness as chat:
        announcing = replace(config, announce_channel_id=chat.channel_id("announcements"))
        adapter = DiscordAdapter(conversation, announcing)
        await chat.restart(adapter.client)
        bob = chat.add_user("bob")

        await adapter.announce("New batch: Rate answers", batch_id)
        [post] = chat.channel_messages("announcements")
        assert post.content == "New batch: Rate answers" and not post.ephemeral
        assert [b.label for b in post.buttons] == ["Get a task"]

        prompt = await press(chat, bob, post, "Get a task", later=0)
        assert "Do you agree?" in prompt.content and prompt.ephemeral
        task = await press(chat, bob, prompt, "I agree")

        assert "📋 Rate answers" in task.content
        assert chat.current_message(post).content == "New batch: Rate answers", "not edited"


async def test_announcing_without_a_channel_says_which_setting_is_missing(
    adapter: DiscordAdapter,
) -> None:
    with pytest.raises(AnnounceError, match="DISCORD_ANNOUNCE_CHANNEL_ID"):
        await adapter.announce("New batch", 1)


async def test_owed_notifications_arrive_by_direct_message_once(
    discord_chat: DiscordHarness, adapter: DiscordAdapter, db: Database, clock: ManualClock
) -> None:
    bob = discord_chat.add_user("bob")
    await run(discord_chat, bob, "me")
    account = await find_account(db, Platform.discord, str(bob.id))
    assert account is not None
    await notify(db, account.profile_id, "notification.generic", {}, clock())

    assert await adapter.deliver_owed() == 1
    assert await adapter.deliver_owed() == 0

    [dm] = discord_chat.dm_messages(bob)
    assert dm.content.startswith("You have a new message from microtasks.")
    assert await db.fetch_value("SELECT sent_via FROM notifications") == "discord"


async def test_a_member_with_closed_dms_is_not_retried(
    discord_chat: DiscordHarness, adapter: DiscordAdapter, db: Database, clock: ManualClock
) -> None:
    bob = discord_chat.add_user("bob")
    await run(discord_chat, bob, "me")
    account = await find_account(db, Platform.discord, str(bob.id))
    assert account is not None
    await notify(db, account.profile_id, "notification.generic", {}, clock())
    discord_chat.fail_next(
        "message_send", status=403, code=50007, message="Cannot send messages to this user"
    )

    assert await adapter.deliver_owed() == 0
    assert await adapter.deliver_owed() == 0

    assert len(discord_chat.calls_of("message_send")) == 1, "tried once, then left alone"
    assert discord_chat.dm_messages(bob) == []
    assert await db.fetch_value("SELECT count(*) FROM notifications WHERE sent_at IS NULL") == 0
    assert await db.fetch_value("SELECT sent_via FROM notifications") == "discord:forbidden"


async def test_a_russian_member_is_answered_in_russian(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1)
    ivan = discord_chat.add_user("ivan", locale="ru")

    prompt = await run(discord_chat, ivan, "task")
    assert "Вы согласны?" in prompt.content
    task = await press(discord_chat, ivan, prompt, "Согласен(а)")

    assert discord_chat.current_message(prompt).content.startswith("Спасибо")
    assert "Нажмите «✏️ Написать ответ» ниже" in task.content
    assert [b.label for b in task.buttons] == ["✏️ Написать ответ", "Пропустить"]
    refused = await run(discord_chat, ivan, "batch list")
    assert refused.content == "Извините, это доступно только модераторам."
