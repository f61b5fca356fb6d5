"""The command menu (setMyCommands) in every language the catalogs have.

Everyone sees the member commands. The moderators see the moderator commands too, in their
private chat with the bot: those listed in MODERATORS from the start, the administrators of the
community chat once the bot has looked them up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, TelegramError

from bots.conversation.flows.member import MEMBER_COMMANDS, MODERATOR_COMMANDS
from bots.conversation.i18n import DEFAULT_LANGUAGE, Translator, supported_languages

logger = logging.getLogger("microtasks.telegram")
DESCRIPTION_LIMIT = 256
MODERATOR_MENU = (*MEMBER_COMMANDS, *MODERATOR_COMMANDS)


def command_menu(language: str, names: Iterable[str] = MEMBER_COMMANDS) -> list[BotCommand]:
    """The commands with their `help.<command>` descriptions; one without is left out."""
    t = Translator(language)
    menu = []
    for name in names:
        try:
            menu.append(BotCommand(name, t(f"help.{name}")[:DESCRIPTION_LIMIT]))
        except KeyError:
            logger.warning("telegram.command_undescribed", extra={"fields": {"command": name}})
    return menu


def _menus(names: Iterable[str]) -> Iterator[tuple[str | None, list[BotCommand]]]:
    """The menu for people whose language has no catalog (in English), then one per catalog."""
    names = tuple(names)
    yield None, command_menu(DEFAULT_LANGUAGE, names)
    for language in supported_languages():
        yield language, command_menu(language, names)


async def register_commands(bot: Bot, moderator_ids: Iterable[int] = ()) -> None:
    """The default menu in English, one per catalog language, and the moderators' own menus.

    A refusal is logged and skipped: the menu is a convenience, the commands work without it.
    """
    scopes: list[tuple[BotCommandScopeChat | None, tuple[str, ...]]] = [(None, MEMBER_COMMANDS)]
    scopes += [(BotCommandScopeChat(chat_id), MODERATOR_MENU) for chat_id in moderator_ids]
    for scope, names in scopes:
        for language, menu in _menus(names):
            await _set(bot, menu, scope, language)


async def _set(
    bot: Bot, menu: list[BotCommand], scope: BotCommandScopeChat | None, language: str | None
) -> None:
    try:
        await bot.set_my_commands(menu, scope=scope, language_code=language)
    except TelegramError as error:
        fields = {"language": language or "default", "error": str(error)}
        if scope is not None:
            fields["chat"] = str(scope.chat_id)
        logger.warning("telegram.commands_refused", extra={"fields": fields})


class ModeratorMenus:
    """The moderator menu in the private chats of the community administrators, set once each.

    `give` is called with every fresh list of administrators; the menus are set in the background
    so that nobody's message waits for them. An administrator who never opened the bot has no
    private chat yet (Telegram answers "chat not found"): that is expected, nothing is logged
    above debug, and the menu is tried again at a later lookup. `already` holds the chats that
    have the menu from the start (MODERATORS).
    """

    def __init__(self, bot: Bot, already: Iterable[int] = ()):
        self.bot = bot
        self._given: set[int] = set(already)  # the menu is set there, or being set now
        self._pending: set[asyncio.Task[None]] = set()

    def give(self, user_ids: Iterable[int]) -> None:
        for user_id in user_ids:
            if user_id in self._given:
                continue
            self._given.add(user_id)
            task = asyncio.create_task(self._give(user_id), name=f"telegram-menu-{user_id}")
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Stop the menus still being set (the bot is shutting down)."""
        for task in list(self._pending):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _give(self, user_id: int) -> None:
        scope = BotCommandScopeChat(user_id)  # a private chat's id is its user's id
        try:
            for language, menu in _menus(MODERATOR_MENU):
                await self.bot.set_my_commands(menu, scope=scope, language_code=language)
        except TelegramError as error:
            self._given.discard(user_id)
            fields = {"chat": str(user_id), "error": str(error)}
            if isinstance(error, BadRequest) and "chat not found" in error.message.lower():
                logger.debug("telegram.admin_menu_postponed", extra={"fields": fields})
            else:
                logger.warning("telegram.commands_refused", extra={"fields": fields})
