"""A member's own pages: welcome and consent, help, language, notifications, reminders."""

from __future__ import annotations

from bots.conversation.callbacks import Action, encode
from bots.conversation.context import Person, Services
from bots.conversation.flows.labelling import next_task, start_button
from bots.conversation.i18n import LANGUAGE_NAMES, Translator, supported_languages
from bots.conversation.replies import Button, Reply
from storage.identity import (
    record_consent,
    set_language,
    set_notify_new_batches,
    set_streak_reminders,
)

MEMBER_COMMANDS = (
    "task",
    "skip",
    "stop",
    "me",
    "history",
    "leaderboard",
    "wallet",
    "appeal",
    "notify",
    "remind",
    "lang",
    "help",
)
MODERATOR_COMMANDS = (
    "batches",
    "progress",
    "activate",
    "pause",
    "resume",
    "close",
    "export",
    "reviews",
    "accept",
    "reject",
    "uphold",
    "overturn",
    "ban",
    "unban",
)


def consent_request(p: Person, batch_ref: str = "") -> Reply:
    return Reply(
        "\n\n".join([p.t("start.welcome"), p.t("start.rules"), p.t("start.consent")]),
        buttons=(
            (Button(p.t("button.agree"), encode(Action.consent, batch_ref)),),
            tuple(
                Button(LANGUAGE_NAMES.get(code, code), encode(Action.language, code))
                for code in supported_languages()
            ),
        ),
    )


def batch_ref(payload: str) -> int | None:
    return int(payload) if payload.strip().isdigit() else None


async def task_command(s: Services, p: Person, args: str) -> list[Reply]:
    """/task, or /task N for batch N; anything else after it is refused with what to type."""
    batch_id = batch_ref(args)
    if args.strip() and batch_id is None:
        return [Reply(p.t("task.usage"))]
    return await next_task(s, p, batch_id, picked=True)


async def start(s: Services, p: Person, payload: str) -> list[Reply]:
    batch_id = batch_ref(payload)
    if not p.profile.consented:
        return [consent_request(p, str(batch_id or ""))]
    return [Reply(p.t("start.again")), *await next_task(s, p, batch_id, picked=True)]


async def consent(s: Services, p: Person, ref: str) -> list[Reply]:
    await record_consent(s.db, p.profile.id, s.clock())
    agreed = await _refreshed(s, p)
    thanks = Reply(p.t("start.thanks"), edit=True)
    return [thanks, *await next_task(s, agreed, batch_ref(ref), picked=True)]


async def _refreshed(s: Services, p: Person) -> Person:
    from dataclasses import replace

    from storage.identity import get_profile

    profile = await get_profile(s.db, p.profile.id)
    assert profile is not None
    return replace(p, profile=profile)


def help_text(p: Person) -> list[Reply]:
    lines = [p.t("help.title")]
    lines += [f"/{name} — {p.t(f'help.{name}')}" for name in MEMBER_COMMANDS]
    if p.is_moderator:
        lines.append(p.t("help.moderator_title"))
        lines += [f"/{name} — {p.t(f'help.{name}')}" for name in MODERATOR_COMMANDS]
        lines.append(p.t("help.upload"))
    return [Reply("\n".join(lines), buttons=((start_button(p),),))]


async def language(s: Services, p: Person, code: str, *, from_button: bool = False) -> list[Reply]:
    code = code.strip().lower()
    if code not in supported_languages():
        return [
            Reply(
                p.t("lang.choose"),
                buttons=(
                    tuple(
                        Button(LANGUAGE_NAMES.get(c, c), encode(Action.language, c))
                        for c in supported_languages()
                    ),
                ),
            )
        ]
    await set_language(s.db, p.profile.id, code)
    t = Translator(code)
    return [Reply(t("lang.set", language=LANGUAGE_NAMES.get(code, code)), edit=from_button)]


async def notify(s: Services, p: Person, arg: str) -> list[Reply]:
    wanted = {"on": True, "off": False, "1": True, "0": False}.get(
        arg.strip().lower(), not p.profile.notify_new_batches
    )
    await set_notify_new_batches(s.db, p.profile.id, wanted)
    return [Reply(p.t("notify.on" if wanted else "notify.off"))]


SWITCH = {"on": True, "off": False, "1": True, "0": False}


def reminder_buttons(p: Person, *, shown: tuple[bool, ...]) -> tuple[tuple[Button, ...], ...]:
    labels = {True: p.t("button.remind_on"), False: p.t("button.remind_off")}
    return (tuple(Button(labels[on], encode(Action.remind, "", int(on))) for on in shown),)


async def remind(s: Services, p: Person, arg: str, *, from_button: bool = False) -> list[Reply]:
    """Streak reminders on or off; without a word, what they are and a button for each."""
    wanted = SWITCH.get(arg.strip().lower())
    if wanted is None:
        now = p.t("remind.on") if p.profile.streak_reminders else p.t("remind.off")
        switch = reminder_buttons(p, shown=(not p.profile.streak_reminders,))
        return [Reply(f"{p.t('remind.choose')}\n\n{now}", buttons=switch)]
    await set_streak_reminders(s.db, p.profile.id, wanted)
    text = p.t("remind.on") if wanted else p.t("remind.off")
    return [Reply(text, buttons=reminder_buttons(p, shown=(not wanted,)), edit=from_button)]
