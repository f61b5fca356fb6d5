"""The command menu (setMyCommands) in every language the catalogs have.

Everyone sees the member commands; the moderators listed in MODERATORS also see the moderator
commands in their private chat with the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bots.conversation.flows.member import MEMBER_COMMANDS, MODERATOR_COMMANDS
from bots.conversation.i18n import DEFAULT_LANGUAGE, Translator, supported_languages

logger = logging.getLogger("microtasks.telegram")
DESCRIPTION_LIMIT = 256


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


async def register_commands(bot: Bot, moderator_ids: Iterable[int] = ()) -> None:
    """The default menu in English, one per catalog language, and the moderators' own menus.

    A refusal is logged and skipped: the menu is a convenience, the commands work without it.
    """
    moderator_menu = (*MEMBER_COMMANDS, *MODERATOR_COMMANDS)
    scopes: list[tuple[BotCommandScopeChat | None, tuple[str, ...]]] = [(None, MEMBER_COMMANDS)]
    scopes += [(BotCommandScopeChat(chat_id), moderator_menu) for chat_id in moderator_ids]
    for scope, names in scopes:
        await _set(bot, command_menu(DEFAULT_LANGUAGE, names), scope, None)
        for language in supported_languages():
            await _set(bot, command_menu(language, names), scope, language)


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
