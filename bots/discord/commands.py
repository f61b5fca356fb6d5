"""The slash commands: each one is a conversation command (or an upload, or a recording).

Members: /task /skip /stop /me /history /leaderboard /appeal /notify /remind /lang /help /wallet
/voice.
Moderators: /batch import|list|show|activate|pause|resume|close|export and
/review list|accept|reject|uphold|overturn and /member ban|unban (the core refuses everybody
else, with its own words). There is no /start: a newcomer's first command gets the consent
prompt anyway.

Descriptions are the catalog's help texts; `CatalogTranslator` gives Discord the other
languages of the catalog, so a Russian client shows Russian descriptions.
"""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.app_commands import Range

from bots.conversation.events import Command, Sender, Upload
from bots.conversation.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, catalog, supported_languages
from bots.conversation.replies import Reply
from bots.conversation.text_limits import shorten
from bots.discord.host import host_of
from bots.discord.render import discord_commands
from bots.discord.voice import answer_with_recording

MAX_DESCRIPTION = 100
MAX_REASON = 1000


def described(key: str) -> app_commands.locale_str:
    """A description from the catalog: English here, other languages via the translator."""
    return app_commands.locale_str(_description(DEFAULT_LANGUAGE, key) or key, key=key)


def _description(language: str, key: str) -> str | None:
    text = catalog(language).get(key)
    return shorten(discord_commands(text), MAX_DESCRIPTION) if text else None


class CatalogTranslator(app_commands.Translator):
    """Command and option descriptions in every language the catalogs hold."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        language = locale.value.split("-")[0]
        if key is None or language == DEFAULT_LANGUAGE or language not in supported_languages():
            return None
        return _description(language, key)


async def say(interaction: discord.Interaction[Any], name: str, args: str = "") -> None:
    """Hand the conversation the command `name` with its arguments."""
    await host_of(interaction).ask(interaction, lambda sender: Command(sender, name, args))


# --------------------------------------------------------------------------- members


def plain(name: str) -> app_commands.Command[Any, ..., None]:
    """A command with no options, described by its help text: it hands the core `/name`."""

    async def callback(interaction: discord.Interaction[Any]) -> None:
        await say(interaction, name)

    return app_commands.command(name=name, description=described(f"help.{name}"))(callback)


skip, stop, me, history, leaderboard = map(plain, ("skip", "stop", "me", "history", "leaderboard"))


@app_commands.command(name="task", description=described("help.task"))
@app_commands.describe(batch=described("discord.option_batch"))
async def task(interaction: discord.Interaction[Any], batch: Range[int, 1] | None = None) -> None:
    await say(interaction, "task", str(batch or ""))


@app_commands.command(name="appeal", description=described("discord.appeal_command"))
@app_commands.describe(
    answer=described("discord.option_answer"), reason=described("discord.option_appeal")
)
async def appeal(
    interaction: discord.Interaction[Any],
    answer: Range[int, 1],
    reason: Range[str, 1, MAX_REASON],
) -> None:
    await say(interaction, "appeal", f"{answer} {reason}")


@app_commands.command(name="notify", description=described("help.notify"))
@app_commands.describe(state=described("discord.option_notify"))
async def notify(
    interaction: discord.Interaction[Any], state: Literal["on", "off"] | None = None
) -> None:
    await say(interaction, "notify", state or "")


@app_commands.command(name="remind", description=described("help.remind"))
@app_commands.describe(state=described("discord.option_notify"))
async def remind(
    interaction: discord.Interaction[Any], state: Literal["on", "off"] | None = None
) -> None:
    await say(interaction, "remind", state or "")


@app_commands.command(name="lang", description=described("help.lang"))
@app_commands.describe(language=described("discord.option_language"))
@app_commands.choices(
    language=[
        app_commands.Choice(name=LANGUAGE_NAMES.get(code, code), value=code)
        for code in supported_languages()
    ]
)
async def lang(interaction: discord.Interaction[Any], language: str | None = None) -> None:
    await say(interaction, "lang", language or "")


help_ = plain("help")


@app_commands.command(name="wallet", description=described("discord.wallet_command"))
@app_commands.describe(
    action=described("discord.option_wallet_action"),
    value=described("discord.option_wallet_value"),
)
async def wallet(
    interaction: discord.Interaction[Any],
    action: Literal["show", "link", "unlink", "sign"] = "show",
    value: str | None = None,
) -> None:
    words = {"show": "", "link": f"link {value or ''}", "unlink": "unlink", "sign": value or ""}
    await say(interaction, "wallet", words[action].strip())


@app_commands.command(name="voice", description=described("discord.voice_command"))
@app_commands.describe(
    recording=described("discord.option_recording"),
    seconds=described("discord.option_seconds"),
)
async def voice(
    interaction: discord.Interaction[Any],
    recording: discord.Attachment,
    seconds: Range[float, 0.1, 3600.0] | None = None,
) -> None:
    host = host_of(interaction)

    async def work(sender: Sender) -> list[Reply]:
        refused = await host.conversation.may_record(sender)  # before any download
        if refused is not None:
            return refused
        return await answer_with_recording(host, sender, recording, seconds)

    await host.serve(interaction, work, defer_first=True)


# --------------------------------------------------------------------------- moderators

batch = app_commands.Group(name="batch", description=described("discord.batch_group"))


@batch.command(name="import", description=described("discord.batch_import"))
@app_commands.describe(file=described("discord.option_file"))
async def batch_import(interaction: discord.Interaction[Any], file: discord.Attachment) -> None:
    host = host_of(interaction)

    async def work(sender: Sender) -> list[Reply]:
        refused = await host.conversation.may_upload(sender, file.filename, file.size)
        if refused is not None:
            return refused
        try:
            content = await file.read()
        except discord.HTTPException:
            t = await host.words(sender)
            return [Reply(t("discord.download_failed", filename=file.filename))]
        return await host.conversation.handle(Upload(sender, file.filename, content))

    await host.serve(interaction, work, defer_first=True)


@batch.command(name="list", description=described("help.batches"))
async def batch_list(interaction: discord.Interaction[Any]) -> None:
    await say(interaction, "batches")


@batch.command(name="show", description=described("help.progress"))
@app_commands.describe(batch=described("discord.option_batch"))
async def batch_show(interaction: discord.Interaction[Any], batch: Range[int, 1]) -> None:
    await say(interaction, "progress", str(batch))


def _lifecycle(step: str) -> app_commands.Command[Any, ..., None]:
    async def change(interaction: discord.Interaction[Any], batch: Range[int, 1]) -> None:
        await say(interaction, step, str(batch))

    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=step, description=described(f"help.{step}"), callback=change
    )
    return app_commands.describe(batch=described("discord.option_batch"))(command)


for _step in ("activate", "pause", "resume", "close"):
    batch.add_command(_lifecycle(_step))


@batch.command(name="export", description=described("help.export"))
@app_commands.describe(
    batch=described("discord.option_batch"), form=described("discord.option_format")
)
@app_commands.rename(form="format")
async def batch_export(
    interaction: discord.Interaction[Any],
    batch: Range[int, 1],
    form: Literal["jsonl", "csv"] = "jsonl",
) -> None:
    await host_of(interaction).ask(
        interaction, lambda sender: Command(sender, "export", f"{batch} {form}"), defer_first=True
    )


# --------------------------------------------------------------------------- reviews

review = app_commands.Group(name="review", description=described("discord.review_group"))


@review.command(name="list", description=described("help.reviews"))
async def review_list(interaction: discord.Interaction[Any]) -> None:
    await say(interaction, "reviews")


def _decision(step: str, *, with_reason: bool) -> app_commands.Command[Any, ..., None]:
    async def decide(interaction: discord.Interaction[Any], answer: Range[int, 1]) -> None:
        await say(interaction, step, str(answer))

    async def decide_why(
        interaction: discord.Interaction[Any],
        answer: Range[int, 1],
        reason: Range[str, 1, MAX_REASON] | None = None,
    ) -> None:
        await say(interaction, step, f"{answer} {reason or ''}".strip())

    command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=step,
        description=described(f"help.{step}"),
        callback=decide_why if with_reason else decide,
    )
    if with_reason:
        return app_commands.describe(
            answer=described("discord.option_answer"), reason=described("discord.option_reason")
        )(command)
    return app_commands.describe(answer=described("discord.option_answer"))(command)


review.add_command(_decision("accept", with_reason=True))
review.add_command(_decision("reject", with_reason=True))
review.add_command(_decision("uphold", with_reason=False))
review.add_command(_decision("overturn", with_reason=False))


# --------------------------------------------------------------------------- members banned

member = app_commands.Group(name="member", description=described("discord.member_group"))


@member.command(name="ban", description=described("help.ban"))
@app_commands.describe(
    user=described("discord.option_member"), reason=described("discord.option_ban_reason")
)
async def member_ban(
    interaction: discord.Interaction[Any],
    user: Range[str, 1, 100],
    reason: Range[str, 1, MAX_REASON],
) -> None:
    await say(interaction, "ban", f"{user.strip()} {reason}")


@member.command(name="unban", description=described("help.unban"))
@app_commands.describe(user=described("discord.option_member"))
async def member_unban(interaction: discord.Interaction[Any], user: Range[str, 1, 100]) -> None:
    await say(interaction, "unban", user.strip())


COMMANDS: tuple[app_commands.Command[Any, ..., None] | app_commands.Group, ...] = (
    task,
    skip,
    stop,
    me,
    history,
    leaderboard,
    appeal,
    notify,
    remind,
    lang,
    help_,
    wallet,
    voice,
    batch,
    review,
    member,
)
