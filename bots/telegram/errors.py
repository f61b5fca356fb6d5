"""The one error handler: log what failed with the update it came from, apologise to the member.

The conversation core never raises; what reaches this handler is a Telegram or network failure
while rendering (a refused edit, a failed download). Message texts are member data and are not
logged; the update's id, kind, chat and user are.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bots.conversation.i18n import Translator, pick_language

logger = logging.getLogger("microtasks.telegram")


def describe(update: object) -> dict[str, object]:
    if not isinstance(update, Update):
        return {"update": type(update).__name__}
    fields: dict[str, object] = {"update_id": update.update_id}
    kinds = [key for key in update.to_dict() if key != "update_id"]
    fields["update_kind"] = kinds[0] if kinds else "unknown"
    if update.effective_chat is not None:
        fields["chat_id"] = update.effective_chat.id
    if update.effective_user is not None:
        fields["user_id"] = update.effective_user.id
    if update.callback_query is not None:
        fields["callback_data"] = update.callback_query.data or ""
    return fields


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    fields = {**describe(update), "error_type": type(error).__name__}
    logger.error("telegram.update_failed", exc_info=error, extra={"fields": fields})
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return  # nobody to tell, or they blocked the bot
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return
    t = Translator(pick_language(user.language_code))
    try:
        await context.bot.send_message(chat.id if chat else user.id, t("error.sorry"))
    except TelegramError as failed:
        logger.warning(
            "telegram.apology_failed", extra={"fields": {**fields, "error": str(failed)}}
        )
