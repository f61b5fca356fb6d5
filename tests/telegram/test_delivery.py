"""Nothing is lost on the way: a 429 is waited out, a failure gets an apology and a log line,
owed notifications reach people, and the command menu is set in every language."""

from __future__ import annotations

import logging

import pytest

from bots.conversation.i18n import catalog
from storage.database import Database
from storage.identity import Platform, ensure_account
from storage.notifications import notify
from tests.support.telegram_api import FakeTelegramServer
from tests.telegram.member import text_of

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_a_429_on_send_message_is_waited_out_and_the_reply_arrives(
    bot, member, server: FakeTelegramServer
) -> None:
    ada = member("Ada")
    await ada.send("/start")
    await ada.press("I agree")
    server.fail_next("sendMessage", 429, retry_after=1)

    reply = await ada.send("/notify off")

    refused, delivered = server.calls("sendMessage")[-2:]
    assert refused.error_code == 429 and delivered.ok
    assert delivered.time - refused.time >= 1.0
    assert text_of(reply) == "🔕 You will not hear about new batches."


async def test_a_failure_in_a_handler_is_logged_and_the_member_gets_an_apology(
    db: Database, bot, mo, server: FakeTelegramServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_next("getFile", 400, "Bad Request: wrong file_id or the file is unavailable")

    apology = await mo.upload("pets.jsonl", b'{"batch": {}}')

    assert text_of(apology) == "Sorry, something went wrong on our side. Please try again."
    (line,) = [r for r in caplog.records if r.getMessage() == "telegram.update_failed"]
    assert line.levelno == logging.ERROR and line.exc_info is not None
    assert line.fields["user_id"] == mo.id and line.fields["update_kind"] == "message"
    assert line.fields["error_type"] == "BadRequest"


async def test_the_command_menu_is_set_in_english_and_russian(
    bot, mo, server: FakeTelegramServer
) -> None:
    english, russian = catalog("en"), catalog("ru")

    menu = server.commands()
    assert menu == server.commands("en")
    assert {"command": "task", "description": english["help.task"]} in menu
    assert "export" not in [command["command"] for command in menu], "members' menu"
    assert {"command": "wallet", "description": english["help.wallet"]} in menu
    assert {"command": "task", "description": russian["help.task"]} in server.commands("ru")
    moderators = server.commands("ru", scope={"type": "chat", "chat_id": mo.id})
    assert {"command": "export", "description": russian["help.export"]} in moderators


async def test_owed_notifications_reach_people_in_their_language(
    db: Database, start_bot, member, server: FakeTelegramServer
) -> None:
    ivan = member("Ivan", language="ru", started=True)
    gone = member("Gone", started=True)
    server.chat(gone.user).blocked = True
    profiles = []
    for person in (ivan, gone):
        account = await ensure_account(
            db, Platform.telegram, str(person.id), platform_language=person.user.language_code
        )
        profiles.append(account.profile_id)
        await notify(db, account.profile_id, "notification.generic", {}, 1.0)

    async with start_bot(outbox_interval=0.05):
        await server.wait_until(lambda: len(server.sent_messages(ivan.user)) == 1)
        assert server.sent_messages(ivan.user) == [catalog("ru")["notification.generic"]]

        await notify(db, profiles[0], "leaderboard.empty", {}, 2.0)  # owed while running
        await server.wait_until(lambda: len(server.sent_messages(ivan.user)) == 2)

    assert server.sent_messages(ivan.user)[1] == catalog("ru")["leaderboard.empty"]
    rows = await db.fetch_all("SELECT sent_via FROM notifications ORDER BY id")
    assert [row["sent_via"] for row in rows] == ["telegram", "telegram:forbidden", "telegram"]
    assert len([c for c in server.calls("sendMessage") if c.params["chat_id"] == gone.id]) == 1
