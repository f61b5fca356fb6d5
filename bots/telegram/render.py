"""Replies as Telegram messages: inline keyboards, photos, documents, and edits in place.

Texts are sent as plain text (no parse mode), so member and batch content can never break
Telegram's entity parsing. A text over 4096 characters is split at line ends; a caption over 1024
characters becomes a photo or document without caption followed by the text.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import BadRequest

from bots.conversation.replies import OutFile, Reply

logger = logging.getLogger("microtasks.telegram")

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ELLIPSIS = "…"
KNOWN_PHOTOS = 2048  # image -> Telegram file_id, so a local image is uploaded once


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
            for row in reply.buttons
        ]
    )


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text in pieces of at most `limit` characters, cut at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


class Renderer:
    """Shows the conversation's replies in one chat."""

    def __init__(self, bot: Bot):
        self.bot = bot
        self._photos: OrderedDict[str, str] = OrderedDict()

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
            await self.send(chat_id, reply)

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
            if not_modified(error):  # the same button pressed twice: already shown
                return True
            logger.info("telegram.edit_refused", extra={"fields": {"reason": error.message}})
            return False
        return True

    async def send(self, chat_id: int, reply: Reply) -> None:
        if reply.image and await self._send_photo(chat_id, reply):
            return
        if reply.files:
            await self._send_files(chat_id, reply)
            return
        await self._send_text(chat_id, reply.text, keyboard(reply))

    async def _send_text(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        pieces = split_text(text)
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces)
            await self.bot.send_message(chat_id, piece, reply_markup=markup if last else None)

    async def _send_photo(self, chat_id: int, reply: Reply) -> bool:
        """The image, captioned with the text when it fits; False if Telegram cannot show it."""
        assert reply.image is not None
        fits = len(reply.text) <= CAPTION_LIMIT
        try:
            sent = await self.bot.send_photo(
                chat_id,
                self._photos.get(reply.image) or photo_source(reply.image),
                caption=reply.text if fits else None,
                reply_markup=keyboard(reply) if fits else None,
            )
        except (BadRequest, OSError) as error:
            self._photos.pop(reply.image, None)
            fields = {"image": reply.image, "error": str(error)}
            logger.warning("telegram.photo_failed", extra={"fields": fields})
            return False
        self._remember_photo(reply.image, sent)
        if not fits:
            await self._send_text(chat_id, reply.text, keyboard(reply))
        return True

    def _remember_photo(self, image: str, sent: Message) -> None:
        if not sent.photo:
            return
        self._photos[image] = sent.photo[-1].file_id
        self._photos.move_to_end(image)
        while len(self._photos) > KNOWN_PHOTOS:
            self._photos.popitem(last=False)

    async def _send_files(self, chat_id: int, reply: Reply) -> None:
        first, *others = reply.files
        if len(reply.text) <= CAPTION_LIMIT:
            await self._send_file(chat_id, first, reply.text, keyboard(reply))
        else:
            await self._send_text(chat_id, reply.text, keyboard(reply))
            await self._send_file(chat_id, first)
        for file in others:
            await self._send_file(chat_id, file)

    async def _send_file(
        self,
        chat_id: int,
        file: OutFile,
        caption: str | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        await self.bot.send_document(
            chat_id,
            InputFile(file.content, filename=file.filename),
            caption=caption,
            reply_markup=markup,
        )


def photo_source(image: str) -> str | Path:
    """An http(s) URL Telegram fetches itself, or a local file this bot uploads."""
    return image if image.startswith(("https://", "http://")) else Path(image)
