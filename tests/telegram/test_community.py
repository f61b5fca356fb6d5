"""The community group: announcements carry a deep link that opens the private chat on the
batch; in the group the bot answers only commands addressed to it, pointing to the private chat."""

from __future__ import annotations

from storage.database import Database
from tasks.kinds import Kind
from tests.support.telegram_api import FakeTelegramServer, keyboard
from tests.tasks.builders import active_batch
from tests.telegram.member import text_of


async def test_an_announcement_opens_the_private_chat_on_its_batch(
    db: Database, bot, member, server: FakeTelegramServer
) -> None:
    await active_batch(db, Kind.choice, items=2, priority=9, title="Busy batch")
    batch_id = await active_batch(db, Kind.rating, items=2, title="Rate the answers")
    ada = member("Ada")

    message_id = await bot.announce("New batch: Rate the answers. 2 items.", batch_id)

    (post,) = server.bot_messages(server.group)
    assert post["message_id"] == message_id
    assert post["text"] == "New batch: Rate the answers. 2 items."
    (button,) = keyboard(post)[0]
    assert (button.text, button.url) == (
        "Start labelling",
        f"https://t.me/microtasks_bot?start={batch_id}",
    )

    await ada.opens_deep_link(button.url.rsplit("=", 1)[1])
    task = await ada.press("I agree")
    assert text_of(task).startswith("📋 Rate the answers"), "the linked batch, not the busiest"


async def test_in_the_group_only_commands_addressed_to_the_bot_are_answered(
    bot, member, server: FakeTelegramServer
) -> None:
    ivan = member("Ivan", language="ru")

    server.user_sends_in_group(ivan.user, "/task")  # for every bot in the group: not ours
    server.user_sends_in_group(ivan.user, "/start@other_bot")
    server.user_sends_in_group(ivan.user, "/start@microtasks_bot 7")
    await server.wait_for("sendMessage", lambda call: call.params["chat_id"] == server.group.id)

    (pointer,) = server.bot_messages(server.group)
    assert pointer["text"] == "Задания выполняются в личном чате со мной — нажмите кнопку ниже."
    (button,) = keyboard(pointer)[0]
    assert button.url == "https://t.me/microtasks_bot?start=7"
    assert server.bot_messages(ivan.user) == [], "nothing is done in the group itself"
