"""The conversation: one event in, the replies out. Every chat adapter renders these replies."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bots.conversation import callbacks, recordings
from bots.conversation.callbacks import Action, BadCallback
from bots.conversation.context import Person, Services
from bots.conversation.events import Command, Event, Other, Press, Sender, Text, Upload, Voice
from bots.conversation.flows import appeals, banning, labelling, member, moderation, standing
from bots.conversation.flows import wallet as wallet_flow
from bots.conversation.i18n import Translator, pick_language
from bots.conversation.replies import Button, Reply
from bots.conversation.saving import CannotSave
from bots.conversation.throttle import Admission, Throttle
from storage.database import DatabaseUnavailable
from storage.identity import Platform, ensure_account, find_account, get_profile
from tasks.batches import Transition
from tasks.engine import LeaseGone
from tasks.problems import InputError
from tasks.roles import may_moderate

logger = logging.getLogger("microtasks.conversation")

Flow = Callable[[Services, Person, str], Awaitable[list[Reply]]]
_T = TypeVar("_T")


def _member_commands() -> dict[str, Flow]:
    return {
        "start": member.start,
        "help": lambda s, p, a: _now(member.help_text(p)),
        "task": member.task_command,
        "skip": lambda s, p, a: labelling.skip(s, p),
        "stop": lambda s, p, a: labelling.stop(s, p),
        "me": lambda s, p, a: standing.me(s, p),
        "leaderboard": lambda s, p, a: standing.leaderboard(s, p),
        "history": lambda s, p, a: standing.history(s, p),
        "appeal": appeals.appeal,
        "lang": lambda s, p, a: member.language(s, p, a),
        "notify": member.notify,
        "remind": member.remind,
        "wallet": wallet_flow.wallet,
    }


def _moderator_commands() -> dict[str, Flow]:
    commands: dict[str, Flow] = {
        "batches": lambda s, p, a: moderation.list_batches(s, p),
        "progress": moderation.progress,
        "export": moderation.export,
        "reviews": appeals.reviews,
        "accept": lambda s, p, a: appeals.decide(s, p, a, accepted=True),
        "reject": lambda s, p, a: appeals.decide(s, p, a, accepted=False),
        "uphold": lambda s, p, a: appeals.decide_appeal(s, p, a, overturn=False),
        "overturn": lambda s, p, a: appeals.decide_appeal(s, p, a, overturn=True),
        "ban": banning.ban,
        "unban": banning.unban,
    }
    for step in Transition:
        commands[step.value] = _changing(step)
    return commands


def _changing(step: Transition) -> Flow:
    return lambda s, p, a: moderation.change(s, p, a, step)


async def _now(replies: _T) -> _T:
    return replies


MEMBER_COMMANDS = _member_commands()
# Commands that store something about the member: only after they agreed to the rules (the
# consent request is the answer until then). /start, /help and /lang are the consent screen's own.
NEEDS_CONSENT = frozenset({"task", "skip", "stop", "appeal", "notify", "remind", "wallet"})
MODERATOR_COMMANDS = _moderator_commands()


class Conversation:
    def __init__(self, services: Services, *, throttle: Throttle | None = None):
        self.services = services
        self.throttle = throttle or Throttle()

    async def person(self, sender: Sender) -> Person:
        s = self.services
        account = await ensure_account(
            s.db,
            Platform(sender.platform),
            sender.external_id,
            display_name=sender.display_name,
            username=sender.username,
            platform_language=sender.language,
        )
        profile = await get_profile(s.db, account.profile_id)
        assert profile is not None
        language = pick_language(profile.language, sender.language)
        is_moderator = may_moderate(
            profile,
            f"{sender.platform}:{sender.external_id}",
            s.moderator_ids,
            platform_moderator=sender.platform_moderator,
        )
        return Person(sender, account, profile, Translator(language), is_moderator)

    def _admit(self, sender: Sender, *, spend: bool = True) -> Admission:
        # The console is the operator's own terminal (often a script): it is never throttled.
        if sender.platform == Platform.console:
            return Admission.allowed
        return self.throttle.admit(f"{sender.platform}:{sender.external_id}", spend=spend)

    async def _slowed(self, sender: Sender, admission: Admission) -> list[Reply]:
        """The slow-down note, once per quiet spell: each one spends the chat's message budget."""
        if admission is Admission.quiet:
            return []
        return [Reply((await self._words(sender))("throttled"))]

    async def _words(self, sender: Sender) -> Translator:
        """The person's language, read without writing anything (for someone throttled)."""
        db, chosen = self.services.db, None
        try:
            account = await find_account(db, Platform(sender.platform), sender.external_id)
            profile = await get_profile(db, account.profile_id) if account else None
            chosen = profile.language if profile else None
        except Exception:
            logger.exception("conversation.identity_failed")
        return Translator(pick_language(chosen, sender.language))

    async def _drop(self, event: Event) -> None:
        """A recording refused before any flow saw it is deleted: it is nobody's answer."""
        if isinstance(event, Voice):
            await recordings.discard(self.services.data_dir, event.path)

    async def handle(self, event: Event) -> list[Reply]:
        """The replies to one event. Never raises: a failure becomes a short apology."""
        admission = self._admit(event.sender)
        if admission is not Admission.allowed:
            await self._drop(event)
            return await self._slowed(event.sender, admission)
        try:
            p = await self.person(event.sender)
        except DatabaseUnavailable as error:
            await self._drop(event)
            return self.cannot_store(event.sender, error)
        except Exception:
            logger.exception("conversation.identity_failed")
            await self._drop(event)
            return [Reply(Translator(pick_language(event.sender.language))("error.sorry"))]
        try:
            return await self._dispatch(p, event)
        except DatabaseUnavailable as error:
            return self.cannot_store(event.sender, error)
        except InputError as error:
            return [Reply(p.t.problem(error.problem))]
        except CannotSave as error:
            return await self.cannot_save(event.sender, error)
        except LeaseGone:
            from_task = isinstance(event, Press) or (
                isinstance(event, Text) and event.lease is not None
            )
            # a press may come from a task still held: a refusal, never shown over that task
            return [Reply(p.t("task.gone"), edit=from_task, refusal=isinstance(event, Press))]
        except Exception:
            fields = {"event_type": type(event).__name__, "platform": event.sender.platform}
            logger.exception("conversation.failed", extra={"fields": fields})
            return [Reply(p.t("error.sorry"))]

    def cannot_store(self, sender: Sender, error: DatabaseUnavailable) -> list[Reply]:
        """The database cannot be written (deleted under the bot, read-only): the person hears
        that nothing was kept; the operator reads one line, not a traceback per message."""
        fields = {"platform": sender.platform, "error": str(error)}
        logger.error("conversation.cannot_store", extra={"fields": fields})
        return [Reply(Translator(pick_language(sender.language))("error.cannot_store"))]

    async def cannot_save(self, sender: Sender, error: CannotSave) -> list[Reply]:
        """A file could not be written under the data folder (an adapter storing a recording, a
        flow spooling an export): the error is logged for the operator, the person is told the
        bot cannot save files, and nothing else is affected."""
        fields = {"platform": sender.platform, "error": str(error)}
        logger.error("conversation.cannot_save", extra={"fields": fields})
        return [Reply((await self._words(sender))("error.cannot_save"))]

    async def waiting_buttons(self, sender: Sender) -> list[Button]:
        """The buttons still waiting for this person when an adapter has none in memory (after a
        restart): the consent request's, until they agree. Reading them stores nothing new."""
        try:
            p = await self.person(sender)
        except DatabaseUnavailable:  # said once by the database, and to the person by `handle`
            return []
        except Exception:
            logger.exception("conversation.identity_failed")
            return []
        if p.profile.consented:
            return []
        return member.consent_request(p).all_buttons

    # --- asked by adapters before they download a file ------------------------------------------

    async def may_upload(
        self, sender: Sender, filename: str, size: int | None
    ) -> list[Reply] | None:
        """Before a document is downloaded: None to go ahead, else the replies to send instead
        (only moderators import, and a file over the batch size limit is refused unread)."""
        s = self.services
        return await self._before_download(
            sender, lambda p: _now(moderation.upload_refused(s, p, filename, size))
        )

    async def may_record(self, sender: Sender) -> list[Reply] | None:
        """Before a voice recording is downloaded: None when the person holds a voice task, else
        the replies to send instead."""
        return await self._before_download(
            sender, lambda p: labelling.voice_refused(self.services, p)
        )

    async def _before_download(
        self, sender: Sender, refusal: Callable[[Person], Awaitable[list[Reply] | None]]
    ) -> list[Reply] | None:
        admission = self._admit(sender, spend=False)  # the event itself spends, once downloaded
        if admission is not Admission.allowed:
            return await self._slowed(sender, admission)
        try:
            p = await self.person(sender)
            refused = await refusal(p)
        except DatabaseUnavailable as error:
            return self.cannot_store(sender, error)
        except Exception:
            logger.exception("conversation.precheck_failed")
            return [Reply(Translator(pick_language(sender.language))("error.sorry"))]
        if refused is not None:
            self._admit(sender)  # a refusal is an answer too: it counts against the limit
        return refused

    async def _dispatch(self, p: Person, event: Event) -> list[Reply]:
        s = self.services
        match event:
            case Command(name=name, args=args):
                return await self._command(p, name.lower().lstrip("/"), args)
            case Press(data=data):
                return await self._press(p, data)
            case Text(text=text, lease=lease):
                if not p.profile.consented:
                    return [member.consent_request(p)]
                pasted = await wallet_flow.pasted_signature(s, p, text)
                if pasted is not None:
                    return pasted
                return await labelling.typed_answer(s, p, text, lease)
            case Voice(path=path, duration=duration):
                return await labelling.voice_answer(s, p, path, duration)
            case Upload(filename=filename, content=content):
                if not p.is_moderator:
                    return moderation.refused(p)
                return await moderation.import_upload(s, p, filename, content)
            case Other():
                return [Reply(p.t("message.unread"))]
        raise TypeError(f"unknown event {event!r}")

    async def _command(self, p: Person, name: str, args: str) -> list[Reply]:
        if name in NEEDS_CONSENT and not p.profile.consented:
            ref = member.batch_ref(args) if name == "task" else None
            return [member.consent_request(p, str(ref or ""))]
        if name in MEMBER_COMMANDS:
            return await MEMBER_COMMANDS[name](self.services, p, args)
        if name in MODERATOR_COMMANDS:
            if not p.is_moderator:
                return moderation.refused(p)
            return await MODERATOR_COMMANDS[name](self.services, p, args)
        return [Reply(p.t("command.unknown", command=name))]

    async def _press(self, p: Person, data: str) -> list[Reply]:
        s = self.services
        try:
            pressed = callbacks.decode(data)
        except BadCallback:
            raise LeaseGone() from None
        match pressed.action:
            case Action.answer:
                return await labelling.press_answer(s, p, pressed.ref, pressed.arg)
            case Action.toggle:
                return await labelling.press_toggle(s, p, pressed.ref, pressed.arg)
            case Action.submit:
                return await labelling.press_submit(s, p, pressed.ref, pressed.arg)
            case Action.skip:
                return await labelling.skip(s, p, pressed.ref, from_button=True)
            case Action.consent:
                return await member.consent(s, p, pressed.ref)
            case Action.language:
                return await member.language(s, p, pressed.ref, from_button=True)
            case Action.task:
                return await labelling.next_task(s, p, member.batch_ref(pressed.ref), picked=True)
            case Action.switch:
                return await labelling.switch_batch(s, p, member.batch_ref(pressed.ref))
            case Action.notify | Action.remind if not p.profile.consented:
                return [member.consent_request(p)]
            case Action.notify:
                return await member.notify(s, p, pressed.arg)
            case Action.remind:
                return await member.remind(s, p, pressed.arg, from_button=True)
        raise LeaseGone()
