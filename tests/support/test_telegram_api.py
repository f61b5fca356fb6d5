"""The fake Bot API server, proven against a real python-telegram-bot Application (no mocks)."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, EndPointNotFound, Forbidden
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.telegram_api import (
    FakeTelegramServer,
    FakeUser,
    button_texts,
    callback_data,
    polling,
)

LABELS = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Cat", callback_data="label:cat")],
        [InlineKeyboardButton("Dog", callback_data="label:dog")],
    ]
)


# --- a tiny labelling bot -----------------------------------------------------------------------


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    suffix = f" for {context.args[0]}" if context.args else ""
    await update.effective_message.reply_text(f"Pick a label{suffix}", reply_markup=LABELS)


async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Saved")
    await query.edit_message_text(f"You chose {query.data.removeprefix('label:')}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    document = update.effective_message.document
    file = await document.get_file()
    content = bytes(await file.download_as_bytearray())
    context.bot_data.setdefault("downloads", []).append(content)
    await update.effective_message.reply_text(f"Got {len(content)} bytes of {document.file_name}")


def labelling_bot(
    server: FakeTelegramServer, rate_limiter: AIORateLimiter | None = None
) -> Application:
    builder = server.application_builder()
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    application = builder.build()
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CallbackQueryHandler(on_click))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    return application


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as running:
        yield running


@pytest.fixture
def alice(server: FakeTelegramServer) -> FakeUser:
    return server.add_user("Alice", username="alice", language_code="en")


# --- start-up, commands and buttons -------------------------------------------------------------


async def test_start_up_and_start_command_replies_with_buttons(server, alice):
    async with polling(labelling_bot(server)):
        assert [c.method for c in server.calls()[:2]] == ["getMe", "deleteWebhook"]
        sent = server.user_sends(alice, "/start")
        assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

        call = await server.wait_for("sendMessage")

    assert call.params["chat_id"] == alice.id
    assert call.result["from"]["id"] == server.bot_user.id
    assert button_texts(call.result) == ["Cat", "Dog"]
    assert callback_data(server.last_message(alice)) == ["label:cat", "label:dog"]
    assert server.sent_messages(alice) == ["Pick a label"]


async def test_click_is_answered_then_the_message_is_edited(server, alice):
    async with polling(labelling_bot(server)):
        server.user_sends(alice, "/start")
        question = (await server.wait_for("sendMessage")).result
        query = server.user_clicks(alice, question, "label:dog")

        answer = await server.wait_for("answerCallbackQuery")
        edit = await server.wait_for("editMessageText")

    assert answer.params == {"callback_query_id": query["id"], "text": "Saved"}
    assert answer.index < edit.index
    assert edit.params["message_id"] == question["message_id"]
    current = server.last_message(alice)
    assert current["text"] == "You chose dog"
    assert button_texts(current) == []  # an edit without reply_markup drops the keyboard
    assert server.sent_messages(alice) == ["You chose dog"]


async def test_deep_link_and_group_messages(server, alice):
    bob = server.add_user("Bob", username="bob")
    async with polling(labelling_bot(server)):
        server.user_opens_deep_link(alice, "batch-7")
        private = await server.wait_for("sendMessage")
        asked = server.user_sends_in_group(bob, "/start")
        in_group = await server.wait_for("sendMessage")

    assert private.result["text"] == "Pick a label for batch-7"
    assert in_group.result["chat"] == server.group.to_api()
    # python-telegram-bot quotes the user's message when replying in groups
    assert in_group.result["reply_to_message"]["message_id"] == asked["message_id"]
    assert server.group.members[bob.id] == "member"


async def test_document_upload_is_downloaded_through_get_file(server, alice):
    content = bytes(range(256)) * 40
    application = labelling_bot(server)
    async with polling(application):
        upload = server.user_uploads(alice, "labels.csv", content, "text/csv", caption="mine")
        get_file = await server.wait_for("getFile")
        download = await server.wait_for("download")
        reply = await server.wait_for("sendMessage")

    assert get_file.params["file_id"] == upload["document"]["file_id"]
    assert download.params["file_path"] == get_file.result["file_path"]
    assert application.bot_data["downloads"] == [content]
    assert reply.result["text"] == "Got 10240 bytes of labels.csv"


async def test_commands_are_recorded_per_language(server):
    async with polling(labelling_bot(server)) as application:
        await application.bot.set_my_commands([("start", "Start labelling")])
        await application.bot.set_my_commands([("start", "Loslegen")], language_code="de")
        german = await application.bot.get_my_commands(language_code="de")
        await application.bot.delete_my_commands()

    assert [(c.command, c.description) for c in german] == [("start", "Loslegen")]
    assert server.commands("de") == [{"command": "start", "description": "Loslegen"}]
    assert server.commands() == []


# --- failures -----------------------------------------------------------------------------------


# python-telegram-bot warns about RetryAfter.retry_after becoming a timedelta in a future version
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_is_waited_out_by_the_rate_limiter(server, alice):
    server.fail_next("sendMessage", status=429, retry_after=1)
    application = labelling_bot(server, rate_limiter=AIORateLimiter(max_retries=1))
    async with polling(application):
        server.user_sends(alice, "/start")
        delivered = await server.wait_for("sendMessage", lambda call: call.ok)

    refused, retried = server.calls("sendMessage")
    assert refused.error_code == 429
    assert refused.description == "Too Many Requests: retry after 1"
    assert retried is delivered
    assert retried.time - refused.time >= 1.0
    assert server.sent_messages(alice) == ["Pick a label"]


async def test_bad_request_reaches_the_error_handler(server, alice):
    errors: asyncio.Queue[object] = asyncio.Queue()

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.put_nowait(context.error)

    server.fail_next("sendMessage", 400, "Bad Request: message is not modified")
    application = labelling_bot(server)
    application.add_error_handler(on_error)
    async with polling(application):
        server.user_sends(alice, "/start")
        error = await asyncio.wait_for(errors.get(), timeout=5)

    assert isinstance(error, BadRequest)
    assert error.message == "Message is not modified"
    assert server.calls("sendMessage")[0].error_code == 400
    assert server.sent_messages(alice) == []


async def test_telegram_refusals_surface_as_ptb_errors(server, alice):
    stranger = server.add_user("Stranger")
    async with Bot(**server.bot_kwargs()) as bot:
        with pytest.raises(Forbidden, match="can't initiate conversation"):
            await bot.send_message(stranger.id, "hello")
        server.user_sends(alice, "hi")
        sent = await bot.send_message(alice.id, "Pick", reply_markup=LABELS)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("Pick", alice.id, sent.message_id, reply_markup=LABELS)
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(alice.id, "1. done", parse_mode="MarkdownV2")
        html = await bot.send_message(alice.id, "<b>Task</b> &lt;1&gt;", parse_mode="HTML")
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": alice.id})

    assert html.text == "Task <1>"
    assert [call.method for call in server.unknown_calls()] == ["sendTelepathy"]


# --- updates and files at the Bot API level -------------------------------------------------------


async def test_get_updates_honours_offset_and_long_poll_timeout(server, alice):
    async with Bot(**server.bot_kwargs()) as bot:
        server.user_sends(alice, "one")
        server.user_sends(alice, "two")
        first = await bot.get_updates(timeout=0)
        unconfirmed = await bot.get_updates(timeout=0)
        next_offset = first[-1].update_id + 1
        confirmed = await bot.get_updates(offset=next_offset, timeout=0)

        started = time.monotonic()
        empty = await bot.get_updates(offset=next_offset, timeout=dtm.timedelta(seconds=0.2))
        waited = time.monotonic() - started

        poll = asyncio.create_task(bot.get_updates(offset=next_offset, timeout=5))
        await server.wait_until(lambda: server.waiting_polls == 1)
        server.user_sends(alice, "three")
        woken = await asyncio.wait_for(poll, timeout=2)

    assert [u.message.text for u in first] == ["one", "two"]
    assert [u.update_id for u in unconfirmed] == [u.update_id for u in first]
    assert confirmed == ()
    assert empty == ()
    assert waited >= 0.2
    assert [u.message.text for u in woken] == ["three"]


async def test_application_gets_every_update_exactly_once(server, alice):
    seen: list[int] = []

    async def remember(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        await update.effective_message.reply_text(update.effective_message.text.upper())

    application = server.application_builder().build()
    application.add_handler(MessageHandler(filters.TEXT, remember))
    for text in ("a", "b", "c"):
        server.user_sends(alice, text)
    async with polling(application, poll_timeout=0.2):
        await server.wait_until(lambda: len(server.sent_messages(alice)) == 3)
        server.user_sends(alice, "d")
        await server.wait_until(lambda: len(server.sent_messages(alice)) == 4)

    delivered = [u["update_id"] for call in server.calls("getUpdates") for u in call.result or []]
    assert sorted(delivered) == sorted(set(delivered)) == sorted(seen)
    assert server.sent_messages(alice) == ["A", "B", "C", "D"]
    assert server.pending_updates == []


async def test_bot_uploads_are_stored_and_downloadable(server, alice):
    server.user_sends(alice, "hi")
    async with Bot(**server.bot_kwargs()) as bot:
        sent = await bot.send_document(alice.id, b"id,label\n1,cat\n", filename="export.csv")
        voice = await bot.send_voice(alice.id, b"OggS-fake", duration=3)
        file = await bot.get_file(sent.document.file_id)
        downloaded = bytes(await file.download_as_bytearray())

    document_call, voice_call = server.calls("sendDocument")[0], server.calls("sendVoice")[0]
    assert document_call.files["document"].filename == "export.csv"
    assert document_call.files["document"].content == b"id,label\n1,cat\n"
    assert voice_call.files["voice"].content == b"OggS-fake"
    assert sent.document.file_name == "export.csv"
    assert voice_call.params["duration"] == 3
    assert voice.voice.file_id == voice_call.result["voice"]["file_id"]
    assert downloaded == server.file_content(sent.document.file_id) == b"id,label\n1,cat\n"


async def test_user_voice_and_photo_arrive_downloadable(server, alice):
    server.user_sends_voice(alice, b"OggS-voice", duration=4)
    server.user_sends_photo(alice, b"\xff\xd8jpeg", caption="a cat")
    async with Bot(**server.bot_kwargs()) as bot:
        voice_update, photo_update = await bot.get_updates(timeout=0)
        voice = voice_update.message.voice
        photo = photo_update.message.photo
        voice_bytes = await (await bot.get_file(voice)).download_as_bytearray()
        photo_bytes = await (await bot.get_file(photo[-1])).download_as_bytearray()

    assert (voice.mime_type, voice.file_size) == ("audio/ogg", len(b"OggS-voice"))
    assert bytes(voice_bytes) == b"OggS-voice"
    assert [(size.width, size.height) for size in photo] == [(90, 68), (1280, 960)]
    assert photo_update.message.caption == "a cat"
    assert bytes(photo_bytes) == b"\xff\xd8jpeg"
