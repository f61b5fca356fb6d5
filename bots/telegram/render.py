"""Replies as Telegram messages: inline keyboards, photos, voice notes, documents, and edits in
place.

Texts are sent as plain text (no parse mode), so member and batch content can never break
Telegram's entity parsing. A text over 4096 characters is split at line ends; a caption over 1024
characters becomes a photo, voice note or document without caption followed by the text.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest

from bots.conversation.live_tasks import LiveTaskMessages
from bots.conversation.replies import OutFile, Reply
from bots.conversation.text_limits import shorten, split

logger = logging.getLogger("microtasks.telegram")

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
VOICE_SUFFIXES = frozenset({".ogg", ".oga", ".opus", ".mp3", ".m4a"})
KNOWN_UPLOADS = 2048  # image or recording -> Telegram file_id, so each is uploaded once
KNOWN_CHATS = 100_000  # chats whose live task message is remembered


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


def not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


class Renderer:
    """Shows the conversation's replies in one chat.

    A chat has one live task at a time: when a new task message is sent, the buttons of the
    previous one are removed (a typed or recorded answer leaves no stale Skip button behind).
    Which message that is lives in memory only; after a restart an old button is still refused
    by the core.
    """

    def __init__(self, bot: Bot):
        self.bot = bot
        self._uploaded: OrderedDict[str, str] = OrderedDict()
        self._live_tasks: LiveTaskMessages[int, int] = LiveTaskMessages(KNOWN_CHATS)  # chat -> id

    async def show(
        self, chat_id: int, replies: list[Reply], pressed: Message | None = None
    ) -> None:
        """Send each reply in order; the first `edit` reply replaces the pressed message."""
        for reply in replies:
            if reply.edit and pressed is not None:
                edited = await self.edit(pressed, reply)
                pressed = None
                if edited:
                    continue
            sent = await self.send(chat_id, reply)
            if sent is not None and is_task(reply):
                await self._retire_previous_task(chat_id, sent.message_id)

    async def edit(self, message: Message, reply: Reply) -> bool:
        """Replace a message's text (or caption) and keyboard; False when it cannot be edited.

        An edit without a keyboard removes the old one, so an answered task keeps no buttons.
        """
        if reply.files:
            return False
        try:
            if message.text is None:
                await message.edit_caption(
                    shorten(reply.text, CAPTION_LIMIT), reply_markup=keyboard(reply)
                )
            else:
                await message.edit_text(
                    shorten(reply.text, TEXT_LIMIT), reply_markup=keyboard(reply)
                )
        except BadRequest as error:
            if not not_modified(error):
                logger.info("telegram.edit_refused", extra={"fields": {"reason": error.message}})
                return False
            # the same button pressed twice: already shown
        if not is_task(reply):  # an answered task, edited into its receipt: no buttons left
            self._live_tasks.forget(message.chat_id, message.message_id)
        return True

    async def send(self, chat_id: int, reply: Reply) -> Message | None:
        """Send one reply; the message that carries its buttons (the last one sent)."""
        if reply.image and (sent := await self._send_media(chat_id, reply, "photo", reply.image)):
            return sent
        if reply.audio and (
            sent := await self._send_media(chat_id, reply, recording_kind(reply.audio), reply.audio)
        ):
            return sent
        if reply.files:
            return await self._send_files(chat_id, reply)
        return await self._send_text(chat_id, reply.text, keyboard(reply))

    async def _send_text(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        pieces = split(text, TEXT_LIMIT)
        sent: list[Message] = []
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            sent.append(
                await self.bot.send_message(chat_id, piece, reply_markup=markup if last else None)
            )
        return sent[-1]

    async def _send_media(
        self, chat_id: int, reply: Reply, kind: str, source: str
    ) -> Message | None:
        """An image (as a photo) or a recording (as a voice note, or a document when Telegram
        cannot play its format), captioned with the text when it fits; None if Telegram cannot
        show it, so the text goes alone."""
        fits = len(reply.text) <= CAPTION_LIMIT
        senders: dict[str, Callable[..., Awaitable[Message]]] = {
            "photo": self.bot.send_photo,
            "voice": self.bot.send_voice,
            "document": self.bot.send_document,
        }
        send = senders[kind]
        try:
            sent = await send(
                chat_id,
                self._uploaded.get(source) or media_source(source),
                caption=reply.text if fits else None,
                reply_markup=keyboard(reply) if fits else None,
            )
        except (BadRequest, OSError) as error:
            self._uploaded.pop(source, None)
            fields = {"kind": kind, "source": source, "error": str(error)}
            logger.warning("telegram.media_failed", extra={"fields": fields})
            return None
        self._remember_upload(source, sent)
        if not fits:
            return await self._send_text(chat_id, reply.text, keyboard(reply))
        return sent

    def _remember_upload(self, source: str, sent: Message) -> None:
        media = sent.photo[-1] if sent.photo else sent.voice or sent.document
        if media is None:
            return
        self._uploaded[source] = media.file_id
        self._uploaded.move_to_end(source)
        while len(self._uploaded) > KNOWN_UPLOADS:
            self._uploaded.popitem(last=False)

    async def _retire_previous_task(self, chat_id: int, message_id: int) -> None:
        """Remember `message_id` as the chat's live task; remove the old task's buttons."""
        previous = self._live_tasks.shown(chat_id, message_id)
        if previous is None or previous == message_id:
            return
        try:
            await self.bot.edit_message_reply_markup(chat_id, previous, reply_markup=None)
        except BadRequest as error:  # deleted by the member, or already without buttons
            logger.info("telegram.buttons_kept", extra={"fields": {"reason": error.message}})

    async def _send_files(self, chat_id: int, reply: Reply) -> Message:
        first, *others = reply.files
        if len(reply.text) <= CAPTION_LIMIT:
            carrier = await self._send_file(chat_id, first, reply.text, keyboard(reply))
        else:
            carrier = await self._send_text(chat_id, reply.text, keyboard(reply))
            await self._send_file(chat_id, first)
        for file in others:
            await self._send_file(chat_id, file)
        return carrier

    async def _send_file(
        self,
        chat_id: int,
        file: OutFile,
        caption: str | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> Message:
        return await self.bot.send_document(
            chat_id,
            InputFile(file.content, filename=file.filename),
            caption=caption,
            reply_markup=markup,
        )


def is_task(reply: Reply) -> bool:
    """A task message (the core says so): the member's one live task, whose buttons are retired
    when the next one is shown."""
    return reply.task is not None


def recording_kind(path: str) -> str:
    """How to send a recording: Telegram plays OGG/Opus, MP3 and M4A as voice notes."""
    return "voice" if Path(path).suffix.lower() in VOICE_SUFFIXES else "document"


def media_source(source: str) -> str | Path:
    """An http(s) URL Telegram fetches itself, or a local file this bot uploads."""
    return source if source.startswith(("https://", "http://")) else Path(source)
