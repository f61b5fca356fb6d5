"""The Telegram adapter: a python-telegram-bot `Application` in front of the conversation core.

Long polling by default; a webhook when `TELEGRAM_WEBHOOK_URL` is set. `AIORateLimiter` keeps
sends under Telegram's limits and waits out a 429 (`retry_after`) instead of losing the message.
No PicklePersistence: the database is the state. Besides serving chats, it announces batches in
the community chat and sends pictures (the moderators' digest chart) to private chats.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from pathlib import Path
from typing import Any

from telegram import InputFile, Message
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bots.base import AdapterStartFailed
from bots.conversation.core import Conversation
from bots.conversation.text_limits import shorten
from bots.telegram.commands import ModeratorMenus, register_commands
from bots.telegram.community import Community
from bots.telegram.config import SECRET_TOKEN, TelegramConfig, webhook_path
from bots.telegram.errors import on_error
from bots.telegram.moderators import CommunityAdmins
from bots.telegram.ordering import PerMemberOrder
from bots.telegram.outbox import OutboxCourier
from bots.telegram.private import PrivateChat
from bots.telegram.render import CAPTION_LIMIT, Renderer

ALLOWED_UPDATES = ["message", "callback_query"]
RATE_LIMIT_RETRIES = 3


class TelegramStartFailed(AdapterStartFailed):
    """The bot could not start; the message says why, without the token."""


def polling_arguments(config: TelegramConfig) -> dict[str, Any]:
    return {
        "timeout": int(config.poll_timeout),
        "allowed_updates": ALLOWED_UPDATES,
        "bootstrap_retries": 3,
    }


def webhook_arguments(config: TelegramConfig, secret: str) -> dict[str, Any]:
    """`Updater.start_webhook` arguments: listen locally, have Telegram post to the public URL
    (its path is the local path too), and accept only posts that carry `secret`."""
    assert config.webhook_url is not None
    return {
        "listen": config.webhook_listen,
        "port": config.webhook_port,
        "url_path": webhook_path(config.webhook_url),
        "webhook_url": config.webhook_url,
        "secret_token": secret,
        "allowed_updates": ALLOWED_UPDATES,
        "bootstrap_retries": 3,
    }


def webhook_secret(config: TelegramConfig) -> str:
    """The configured secret, or a fresh random one for this run (Telegram only needs it to
    match what setWebhook was given)."""
    if config.webhook_secret is None:
        return secrets.token_urlsafe(32)
    secret = config.webhook_secret.get_secret_value()
    if not SECRET_TOKEN.match(secret):
        raise TelegramStartFailed(
            "TELEGRAM_WEBHOOK_SECRET: use 1 to 256 characters from A-Z, a-z, 0-9, _ and -"
        )
    return secret


class TelegramAdapter:
    name = "telegram"

    def __init__(self, conversation: Conversation, config: TelegramConfig):
        self.conversation = conversation
        self.config = config
        self.application = self._build()
        bot = self.application.bot
        self.renderer = Renderer(bot)
        self.menus = ModeratorMenus(bot, already=config.moderator_ids)
        self.admins = CommunityAdmins(
            bot, config.community_chat, ttl=config.admins_ttl, learned=self.menus.give
        )
        self.community = Community(bot, config.community_chat)
        self.private = PrivateChat(
            conversation, self.renderer, self.admins, config.data_dir / "voice" / "telegram"
        )
        self.outbox = OutboxCourier(conversation.services, bot, interval=config.outbox_interval)
        self.ready = asyncio.Event()  # set once updates are received and `announce` works
        self.application.add_handlers(self.community.handlers() + self.private.handlers())
        self.application.add_error_handler(on_error)

    def _build(self) -> Application:
        api_url, file_url = self.config.urls
        return (
            ApplicationBuilder()
            .token(self.config.token.get_secret_value())
            .base_url(api_url)
            .base_file_url(file_url)
            .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
            .concurrent_updates(PerMemberOrder(self.config.max_concurrent_updates))
            .build()
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set: commands registered, updates received, the outbox sent."""
        application = self.application
        await self._initialize()
        try:
            await register_commands(application.bot, self.config.moderator_ids)
            await self._receive_updates()
            await application.start()
            courier = asyncio.create_task(self.outbox.run(stop), name="telegram-outbox")
            self.ready.set()
            try:
                await stop.wait()
            finally:
                courier.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await courier
        finally:
            self.ready.clear()
            await self.menus.close()
            updater = application.updater
            if updater is not None and updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
            await application.shutdown()

    @property
    def announces(self) -> bool:
        """Whether there is a community chat to announce in (TELEGRAM_COMMUNITY_CHAT)."""
        return self.config.community_chat is not None

    async def announce(self, text: str, batch_id: int, *, language: str | None = None) -> int:
        """Post to the community chat with a button opening the private chat on `batch_id`,
        its label in `language` (default: COMMUNITY_LANGUAGE)."""
        return await self.community.announce(
            text, batch_id, language=language or self.config.community_language
        )

    async def send_image(self, external_id: str, path: Path, caption: str) -> Message:
        """A picture in the person's private chat (sendPhoto), its caption cut to Telegram's
        1,024 characters. Telegram refuses it (403) until the person has started the bot."""
        content = await asyncio.to_thread(path.read_bytes)
        return await self.application.bot.send_photo(
            int(external_id),
            InputFile(content, filename=path.name),
            caption=shorten(caption, CAPTION_LIMIT),
        )

    async def _initialize(self) -> None:
        try:
            await self.application.initialize()  # getMe: checks the token
        except InvalidToken:
            raise TelegramStartFailed(
                "TELEGRAM_BOT_TOKEN was rejected by Telegram; copy it again from @BotFather"
            ) from None
        except TelegramError as error:
            reason = str(error).replace(self.config.token.get_secret_value(), "***")
            raise TelegramStartFailed(
                f"could not reach the Telegram Bot API at {self.config.urls[0]}: {reason}"
            ) from None

    async def _receive_updates(self) -> None:
        updater = self.application.updater
        assert updater is not None
        if self.config.webhook_url:
            await updater.start_webhook(
                **webhook_arguments(self.config, webhook_secret(self.config))
            )
        else:
            await updater.start_polling(**polling_arguments(self.config))
