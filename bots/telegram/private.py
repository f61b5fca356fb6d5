"""The private chat, where members work: every message and button press goes to the core.

| Telegram                         | conversation event           |
|----------------------------------|------------------------------|
| `/name args` (`/start 7` too)    | `Command(name, args)`        |
| a button press (callback query)  | `Press(callback_data)`       |
| typed text                       | `Text(text)`                 |
| a voice note                     | `Voice(path, seconds)`       |
| a document                       | `Upload(filename, content)`  |
| anything else (a sticker, ...)   | `Other()`                    |

The core answers `Other` with a note of what the bot reads, within the member's flood limit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from telegram import Chat, Message, Update, User
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bots.conversation.core import Conversation
from bots.conversation.events import Command, Event, Other, Press, Sender, Text, Upload, Voice
from bots.conversation.replies import Reply
from bots.conversation.saving import CannotSave
from bots.conversation.text_limits import shorten
from bots.telegram.events import command_of, sender_of
from bots.telegram.files import TooBig, read_document, store_voice, voice_seconds
from bots.telegram.moderators import CommunityAdmins
from bots.telegram.render import Renderer

PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
TOAST_LIMIT = 200  # characters of an answerCallbackQuery text


class PrivateChat:
    def __init__(
        self,
        conversation: Conversation,
        renderer: Renderer,
        admins: CommunityAdmins,
        voice_folder: Path,
    ):
        self.conversation = conversation
        self.renderer = renderer
        self.admins = admins
        self.voice_folder = voice_folder

    def handlers(self) -> list[BaseHandler]:
        return [
            CallbackQueryHandler(self.on_press),
            MessageHandler(PRIVATE_MESSAGE & filters.COMMAND, self.on_command),
            MessageHandler(PRIVATE_MESSAGE & filters.TEXT, self.on_text),
            MessageHandler(PRIVATE_MESSAGE & filters.VOICE, self.on_voice),
            MessageHandler(PRIVATE_MESSAGE & filters.Document.ALL, self.on_document),
            MessageHandler(PRIVATE_MESSAGE & ~filters.StatusUpdate.ALL, self.on_other),
        ]

    # --- events in ------------------------------------------------------------------------------

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = _message_and_user(update)
        command = command_of(message)
        if command is None:  # filters.COMMAND guarantees one; be safe anyway
            return
        await self._serve(
            message.chat, Command(await self._sender(user), command.name, command.args)
        )

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = _message_and_user(update)
        await self._serve(message.chat, Text(await self._sender(user), message.text or ""))

    async def on_voice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The core says first whether a recording is wanted: nothing unwanted is downloaded."""
        message, user = _message_and_user(update)
        assert message.voice is not None
        sender = await self._sender(user)
        refused = await self.conversation.may_record(sender)
        if refused is not None:
            await self.renderer.show(message.chat.id, refused)
            return
        try:
            path = await store_voice(message.voice, self.voice_folder)
        except TooBig:
            await self._say(message.chat, user, "telegram.file_too_big")
            return
        except CannotSave as error:
            await self.renderer.show(
                message.chat.id, await self.conversation.cannot_save(sender, error)
            )
            return
        await self._serve(message.chat, Voice(sender, str(path), voice_seconds(message.voice)))

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The core says first whether it would take the file: a refused one is not downloaded."""
        message, user = _message_and_user(update)
        document = message.document
        assert document is not None
        sender = await self._sender(user)
        filename = document.file_name or "upload"
        refused = await self.conversation.may_upload(sender, filename, document.file_size)
        if refused is not None:
            await self.renderer.show(message.chat.id, refused)
            return
        try:
            content = await read_document(document)
        except TooBig:
            await self._say(message.chat, user, "telegram.file_too_big")
            return
        await self._serve(message.chat, Upload(sender, filename, content))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = _message_and_user(update)
        await self._serve(message.chat, Other(await self._sender(user)))

    async def on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the callback query (the member's spinner stops), then show the replies and
        edit. A refused press is answered with a toast only: the pressed message, perhaps a
        task the member still holds, stays as it is."""
        query = update.callback_query
        assert query is not None
        pressed = query.message if isinstance(query.message, Message) else None
        if pressed is not None and pressed.chat.type != Chat.PRIVATE:
            pressed = None
        chat_id = pressed.chat.id if pressed is not None else query.from_user.id
        event = Press(await self._sender(query.from_user), query.data or "")
        replies = await self.conversation.handle(event)
        refusals = [reply for reply in replies if reply.refusal]
        toast = shorten(refusals[0].text, TOAST_LIMIT) if refusals else None
        try:
            await query.answer(toast)
        except BadRequest:  # too old to answer (the bot was down): say it in a new message
            await self.renderer.show(chat_id, [replace(r, edit=False) for r in refusals[:1]])
        shown = [reply for reply in replies if not reply.refusal]
        await self.renderer.show(chat_id, shown, pressed)

    # --- replies out ----------------------------------------------------------------------------

    async def _sender(self, user: User) -> Sender:
        return sender_of(user, moderator=await self.admins.includes(user.id))

    async def _serve(self, chat: Chat, event: Event) -> None:
        await self.renderer.show(chat.id, await self.conversation.handle(event))

    async def _say(self, chat: Chat, user: User, key: str) -> None:
        """A message of this adapter's own, in the member's language (their /lang choice)."""
        person = await self.conversation.person(await self._sender(user))
        await self.renderer.show(chat.id, [Reply(person.t(key))])


def _message_and_user(update: Update) -> tuple[Message, User]:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    return message, user
