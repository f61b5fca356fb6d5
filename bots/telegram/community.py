"""The community group or channel: announcements with a deep link, and pointers to the private
chat. Work never happens in the group: the bot answers only commands addressed to it
(`/task@<bot>`), each with a button that opens the private chat.
"""

from __future__ import annotations

import re

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, ContextTypes, MessageHandler, filters

from bots.conversation.i18n import Translator, pick_language
from bots.conversation.text_limits import shorten
from bots.telegram.events import command_of, deep_link
from bots.telegram.render import TEXT_LIMIT

START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what t.me/<bot>?start= accepts


def link_button(label: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])


class Community:
    def __init__(self, bot: Bot, chat: int | str | None):
        self.bot = bot
        self.chat = chat

    def handlers(self) -> list[BaseHandler]:
        in_groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.COMMAND
        return [MessageHandler(in_groups, self.on_command)]

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        command = command_of(message)
        if command is None or not command.is_for(self.bot.username):
            return  # another bot's command, or one meant for every bot: not ours to answer
        payload = command.args if command.name == "start" else ""
        link = deep_link(self.bot.username, payload if START_PAYLOAD.match(payload) else "")
        t = Translator(pick_language(user.language_code))
        await message.reply_text(
            t("telegram.private_only"), reply_markup=link_button(t("telegram.open_private"), link)
        )

    async def announce(self, text: str, batch_id: int, *, language: str = "en") -> int:
        """Post `text` to the community chat with a button that opens the private chat on the
        batch (`t.me/<bot>?start=<batch_id>`); the id of the posted message."""
        if self.chat is None:
            raise RuntimeError("TELEGRAM_COMMUNITY_CHAT is not set: nowhere to announce")
        t = Translator(pick_language(language))
        button = link_button(t("telegram.open_batch"), deep_link(self.bot.username, str(batch_id)))
        sent = await self.bot.send_message(
            self.chat, shorten(text, TEXT_LIMIT), reply_markup=button
        )
        return sent.message_id
