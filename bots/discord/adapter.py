"""The Discord adapter: a discord.py client that renders the conversation core.

It turns interactions into conversation events (`Sender` + `Command`/`Press`/`Text`/`Upload`/
`Voice`) and the core's replies into messages; it holds no rules of its own. Only the `guilds`
intent is needed (no privileged intents): everything arrives as interactions, and a member's
roles come with each interaction.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bots.conversation.core import Conversation
from bots.conversation.events import Event, Sender, Text
from bots.conversation.i18n import Translator, pick_language
from bots.conversation.replies import Reply
from bots.conversation.text_limits import shorten
from bots.discord import announcements, outbox
from bots.discord.commands import COMMANDS, CatalogTranslator
from bots.discord.components import ANSWER_INPUT, DYNAMIC_ITEMS, MODAL_PREFIX, REPLY_BOX
from bots.discord.config import DiscordConfig
from bots.discord.errors import on_tree_error, report
from bots.discord.events import modal_values, sender_of
from bots.discord.host import Work
from bots.discord.live_tasks import LiveTasks
from bots.discord.render import MAX_CONTENT, discord_commands, needs_words
from bots.discord.respond import Answer

logger = logging.getLogger("microtasks.discord")


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True  # channels and roles in the cache: role names, the announce channel
    return chosen


class MicrotasksClient(discord.Client):
    """The bot: slash commands, buttons routed by custom_id, modal answers."""

    def __init__(self, conversation: Conversation, config: DiscordConfig) -> None:
        super().__init__(intents=intents())
        self.conversation = conversation
        self.config = config
        self.tree: app_commands.CommandTree[MicrotasksClient] = app_commands.CommandTree(self)
        self.tree.error(on_tree_error)
        self.live_tasks = LiveTasks()
        for command in COMMANDS:
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        # Before the first interaction arrives, so buttons on old messages keep working.
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.tree.set_translator(CatalogTranslator())
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Guild commands appear at once; global ones may take up to an hour to show."""
        if not self.config.guild_ids:
            await self.tree.sync()
            return
        for guild_id in self.config.guild_ids:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    # ---- the conversation

    async def ask(
        self,
        interaction: discord.Interaction[Any],
        event_of: Callable[[Sender], Event],
        *,
        defer_first: bool = False,
    ) -> None:
        async def work(sender: Sender) -> list[Reply]:
            return await self.conversation.handle(event_of(sender))

        await self.serve(interaction, work, defer_first=defer_first)

    async def serve(
        self, interaction: discord.Interaction[Any], work: Work, *, defer_first: bool = False
    ) -> None:
        sender = sender_of(interaction, self.config.moderator_role)
        answer = Answer(interaction, budget=self.config.reply_budget)

        async def replies_in_words() -> tuple[list[Reply], Translator | None]:
            replies = await work(sender)
            wanted = any(needs_words(reply) for reply in replies)
            return replies, await self.words(sender) if wanted else None

        try:
            if defer_first:
                await answer.defer()
            # The language lookup counts in the budget: the first answer must be in time.
            replies, t = await answer.within_budget(replies_in_words())
            await answer.deliver(replies, t)
        except Exception as error:
            await report(interaction, error)
        try:
            await self.live_tasks.after(
                interaction.user.id, answer.shown, lambda lease: self.holds(sender, lease)
            )
        except Exception:
            logger.exception("discord.live_task_failed")

    async def holds(self, sender: Sender, lease: str) -> bool:
        """Whether the member still holds `lease` (their task message's buttons still act)."""
        person = await self.conversation.person(sender)
        task = await self.conversation.services.engine.current_task(person.member)
        return task is not None and task.token == lease

    async def words(self, sender: Sender) -> Translator:
        try:
            return (await self.conversation.person(sender)).t
        except Exception:
            logger.exception("discord.language_lookup_failed")
            return Translator(pick_language(sender.language))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """A text answer typed into the answer box (handled here so it survives restarts)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = str(interaction.data.get("custom_id", "")) if interaction.data else ""
        if not custom_id.startswith(MODAL_PREFIX):
            return
        box = custom_id.removeprefix(MODAL_PREFIX)
        lease = None if box == REPLY_BOX else box
        typed = modal_values(interaction).get(ANSWER_INPUT, "")
        await self.ask(interaction, lambda sender: Text(sender, typed, lease=lease))

    # ---- called by the scheduler

    async def announce(self, text: str, batch_id: int) -> discord.Message:
        if self.config.announce_channel_id is None:
            raise announcements.AnnounceError("DISCORD_ANNOUNCE_CHANNEL_ID is not set")
        return await announcements.post(self, self.config.announce_channel_id, text, batch_id)


class ShardedMicrotasksClient(MicrotasksClient, discord.AutoShardedClient):
    """The same bot on `AutoShardedClient`: Discord's shards, all in this one process."""


def build_client(conversation: Conversation, config: DiscordConfig) -> MicrotasksClient:
    kind = ShardedMicrotasksClient if config.sharded else MicrotasksClient
    return kind(conversation, config)


class DiscordAdapter:
    """`ChatAdapter` for the runtime: log in, connect, deliver owed DMs, until stopped."""

    name = "discord"

    def __init__(self, conversation: Conversation, config: DiscordConfig) -> None:
        self.conversation = conversation
        self.config = config
        self.client = build_client(conversation, config)

    @property
    def announces(self) -> bool:
        """Whether there is a channel to announce in (DISCORD_ANNOUNCE_CHANNEL_ID)."""
        return self.config.announce_channel_id is not None

    async def announce(self, text: str, batch_id: int) -> None:
        """Post an announcement with a Start button to the configured channel."""
        await self.client.announce(text, batch_id)

    async def send_image(self, external_id: str, path: Path, caption: str) -> discord.Message:
        """A picture as a direct message: the caption as its text, the file attached."""
        content = await asyncio.to_thread(path.read_bytes)
        channel = await self.client.create_dm(discord.Object(int(external_id)))
        return await channel.send(
            shorten(discord_commands(caption), MAX_CONTENT),
            file=discord.File(io.BytesIO(content), filename=path.name),
        )

    async def deliver_owed(self) -> int:
        """One round of owed direct messages (the background loop runs these)."""
        return await outbox.deliver_owed(self.client, self.conversation.services)

    async def run(self, stop: asyncio.Event) -> None:
        client = self.client
        async with client:
            await client.login(self.config.token.get_secret_value())
            connection = asyncio.create_task(client.connect(reconnect=True), name="discord-gateway")
            delivery = asyncio.create_task(
                outbox.deliver_until(
                    client, self.conversation.services, stop, self.config.outbox_interval
                ),
                name="discord-outbox",
            )
            stopper = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({connection, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopper.cancel()
                delivery.cancel()
                await client.close()
                await asyncio.gather(stopper, delivery, return_exceptions=True)
            # Closing ends the gateway loop; a failure there (bad token, intents) is raised.
            await connection
