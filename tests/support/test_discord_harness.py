"""The offline Discord harness drives a real discord.py bot end to end.

The bot below is a small stand-in for the product's Discord adapter: slash commands, a
command group, an attachment upload, a DynamicItem button that survives restarts, a select,
a modal, a deferred reply, a persistent view, file replies, a DM and a channel announcement.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.support.discord_harness import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    BotError,
    DiscordHarness,
    HarnessError,
)

# --------------------------------------------------------------------------- the demo bot


class HiButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"v1:hi:(?P<n>\d+)"):
    """Counts greetings; its state lives in the custom_id, so it survives restarts."""

    def __init__(self, n: int) -> None:
        button = discord.ui.Button[Any](label=f"Hi ×{n}", custom_id=f"v1:hi:{n}")
        super().__init__(button)
        self.n = n

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HiButton:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(
            content=f"Hello again ×{self.n + 1}", view=hello_view(self.n + 1)
        )


class ColourSelect(discord.ui.Select[Any]):
    def __init__(self) -> None:
        options = [discord.SelectOption(label=c.title(), value=c) for c in ("red", "green", "blue")]
        super().__init__(custom_id="colour", options=options, max_values=2)

    async def callback(self, interaction: discord.Interaction[DemoBot]) -> None:
        interaction.client.seen["colours"] = list(self.values)
        await interaction.response.send_message(f"picked {'+'.join(self.values)}", ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment = discord.ui.TextInput[Any](label="Comment", custom_id="comment")
    score = discord.ui.Label[Any](
        text="Score",
        component=discord.ui.TextInput(custom_id="score", required=False),
    )

    async def on_submit(self, interaction: discord.Interaction[DemoBot]) -> None:
        score = self.score.component
        assert isinstance(score, discord.ui.TextInput)
        interaction.client.seen["feedback"] = (self.comment.value, score.value)
        await interaction.response.send_message("thanks", ephemeral=True)


class FeedbackButton(discord.ui.Button[Any]):
    def __init__(self) -> None:
        super().__init__(label="Feedback", custom_id="feedback")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())


def hello_view(n: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(HiButton(n))
    view.add_item(FeedbackButton())
    view.add_item(ColourSelect())
    return view


batch = app_commands.Group(name="batch", description="Task batches")


@batch.command(name="list", description="List batches")
async def batch_list(interaction: discord.Interaction, page: int = 1) -> None:
    await interaction.response.send_message(f"batches page {page}", ephemeral=True)


@batch.command(name="import", description="Import a batch file")
async def batch_import(
    interaction: discord.Interaction, file: discord.Attachment, name: str
) -> None:
    lines = (await file.read()).decode().splitlines()
    await interaction.response.send_message(f"{name}: {len(lines)} tasks from {file.filename}")


@app_commands.command(description="Say hello")
async def hello(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("Hello!", view=hello_view(0), ephemeral=True)


@app_commands.command(description="Upload a file")
async def upload(interaction: discord.Interaction[DemoBot], file: discord.Attachment) -> None:
    interaction.client.seen["upload"] = await file.read()
    await interaction.response.send_message(f"got {file.filename} ({file.size} bytes)")


@app_commands.command(description="Who am I")
async def whoami(interaction: discord.Interaction) -> None:
    user = interaction.user
    roles = [r.name for r in getattr(user, "roles", []) if not r.is_default()]
    guild = interaction.guild.name if interaction.guild else "DM"
    can_moderate = interaction.permissions.manage_messages
    text = f"{interaction.locale.value} {guild} roles={roles} moderate={can_moderate}"
    await interaction.response.send_message(text, ephemeral=True)


@app_commands.command(description="Slow work")
async def slow(interaction: discord.Interaction) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    first = await interaction.followup.send("working", wait=True)
    original = await interaction.original_response()
    await interaction.edit_original_response(content=f"done ({first.id == original.id})")


@app_commands.command(description="Post an announcement")
async def announce(interaction: discord.Interaction, text: str) -> None:
    assert interaction.guild is not None
    channel = discord.utils.get(interaction.guild.text_channels, name="announcements")
    assert channel is not None
    await channel.send(text)
    await interaction.response.send_message("posted", ephemeral=True)


class ArchiveView(discord.ui.View):
    """A persistent view: registered once at start-up, works on any message."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Archive", custom_id="digest:archive")
    async def archive(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="archived", view=None)


@app_commands.command(description="Send the daily digest")
async def digest(interaction: discord.Interaction) -> None:
    report = discord.File(io.BytesIO(b"id\n1\n"), "digest.csv")
    await interaction.response.send_message("digest attached", file=report)
    await interaction.followup.send("archive it?", view=ArchiveView())
    await interaction.user.send("your digest is ready")


class LongTitledModal(discord.ui.Modal, title="Tell us everything about your whole labelling day"):
    story = discord.ui.TextInput[Any](label="Story", custom_id="story")


@app_commands.command(description="Ask for a story in a modal titled too long")
async def story(interaction: discord.Interaction) -> None:
    await interaction.response.send_modal(LongTitledModal())


@app_commands.command(description="Offer more labels than a select holds")
async def labels(interaction: discord.Interaction) -> None:
    options = [discord.SelectOption(label=f"label {n}") for n in range(26)]
    view = discord.ui.View()
    view.add_item(discord.ui.Select[Any](custom_id="labels", options=options))
    await interaction.response.send_message("pick one", view=view, ephemeral=True)


class DemoBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        self.seen: dict[str, Any] = {}

    async def setup_hook(self) -> None:
        self.add_dynamic_items(HiButton)
        self.add_view(ArchiveView())
        for command in (hello, upload, whoami, slow, announce, digest, batch, story, labels):
            self.tree.add_command(command)
        await self.tree.sync()


@pytest.fixture
async def harness() -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(DemoBot()) as h:
        yield h


def seen(h: DiscordHarness) -> dict[str, Any]:
    assert isinstance(h.bot, DemoBot)
    return h.bot.seen


# --------------------------------------------------------------------------- tests


async def test_hello_replies_ephemerally_with_buttons_and_select(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "hello")

    call = await harness.wait_for("callback")

    assert call.response_type == CALLBACK_MESSAGE and call.ephemeral
    shown = harness.last_response(alice)
    assert shown.content == "Hello!" and shown.ephemeral
    assert [b.custom_id for b in shown.buttons] == ["v1:hi:0", "feedback"]
    assert shown.select("colour").values == ["red", "green", "blue"]
    assert shown.raw["author"]["id"] == str(harness.bot_user.id)


async def test_dynamic_button_edits_message_even_after_restart(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "hello")
    await harness.wait_for("callback")
    message = harness.last_response(alice)

    await harness.click(alice, message, "v1:hi:0")
    call = await harness.wait_for("callback")
    assert call.response_type == CALLBACK_UPDATE_MESSAGE
    assert harness.current_message(message).content == "Hello again ×1"

    await harness.restart(DemoBot())
    await harness.click(alice, message, "v1:hi:1")
    assert (await harness.wait_for("callback")).response_type == CALLBACK_UPDATE_MESSAGE
    updated = harness.current_message(message.id)
    assert updated.content == "Hello again ×2" and updated.edited
    assert updated.button("Hi ×2").custom_id == "v1:hi:2"


async def test_select_values_reach_the_callback(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "hello")
    await harness.wait_for("callback")

    await harness.select(alice, harness.last_response(alice), "colour", ["red", "blue"])

    await harness.wait_for("callback")
    assert seen(harness)["colours"] == ["red", "blue"]
    assert harness.last_response(alice).content == "picked red+blue"


async def test_button_opens_modal_and_submit_reaches_on_submit(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "hello")
    await harness.wait_for("callback")

    await harness.click(alice, harness.last_response(alice), "feedback")
    assert (await harness.wait_for("callback")).response_type == CALLBACK_MODAL
    modal = harness.last_modal(alice)
    assert modal.title == "Feedback"
    assert [(i.custom_id, i.label) for i in modal.inputs] == [
        ("comment", "Comment"),
        ("score", "Score"),
    ]

    await harness.submit_modal(alice, modal.custom_id, {"comment": "nice", "score": "5"})
    await harness.wait_for("callback")
    assert seen(harness)["feedback"] == ("nice", "5")
    assert harness.last_response(alice).content == "thanks"


async def test_upload_reads_the_attachment_bytes(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "upload", file=("tasks.csv", b"id,text\n1,hello\n"))

    await harness.wait_for("callback")

    assert seen(harness)["upload"] == b"id,text\n1,hello\n"
    assert harness.last_response(alice).content == "got tasks.csv (16 bytes)"
    assert harness.calls_of("attachment")


async def test_command_group_subcommands(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "batch list", page=2)
    await harness.wait_for("callback")
    assert harness.last_response(alice).content == "batches page 2"

    jsonl = b'{"text": "a"}\n{"text": "b"}\n'
    await harness.slash(alice, "batch import", file=("batch.jsonl", jsonl), name="week1")
    await harness.wait_for("callback")
    assert harness.last_response(alice).content == "week1: 2 tasks from batch.jsonl"


async def test_roles_permissions_and_locale_reach_the_bot(harness: DiscordHarness) -> None:
    mod = harness.add_user("mod", roles=["Moderator"], locale="ru")
    newbie = harness.add_user("newbie")

    await harness.slash(mod, "whoami")
    await harness.wait_for("callback")
    await harness.slash(newbie, "whoami", where="dm")
    await harness.wait_for("callback")

    lab = "Microtasks Lab"
    assert harness.last_response(mod).content == f"ru {lab} roles=['Moderator'] moderate=True"
    assert harness.last_response(newbie).content == "en-US DM roles=[] moderate=False"


async def test_deferred_reply_goes_through_followup_and_edit_original(
    harness: DiscordHarness,
) -> None:
    alice = harness.add_user("alice")
    sent = await harness.slash(alice, "slow")

    deferred = await harness.wait_for("callback", interaction=sent)
    followup = await harness.wait_for("followup", interaction=sent)
    await harness.wait_for("edit_original", interaction=sent)

    assert deferred.response_type == CALLBACK_DEFERRED_MESSAGE
    assert deferred.message is not None and deferred.message.loading
    assert followup.message is not None and followup.message.content == "working"
    final = harness.last_response(alice)
    assert final.content == "done (True)" and final.ephemeral and not final.loading


async def test_announcement_is_sent_to_the_channel(harness: DiscordHarness) -> None:
    mod = harness.add_user("mod", roles=["Moderator"])
    await harness.slash(mod, "announce", text="New batch is live")

    send = await harness.wait_for("message_send")
    await harness.wait_for("callback")

    assert send.path == f"/channels/{harness.channel_id('announcements')}/messages"
    assert [m.content for m in harness.channel_messages("announcements")] == ["New batch is live"]


async def test_files_followup_views_and_direct_messages(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    await harness.slash(alice, "digest")

    reply = await harness.wait_for("callback")
    followup = await harness.wait_for("followup")
    await harness.wait_for("message_send")

    assert [(f.filename, f.data) for f in reply.files] == [("digest.csv", b"id\n1\n")]
    assert reply.message is not None and reply.message.attachments[0]["filename"] == "digest.csv"
    assert [m.content for m in harness.dm_messages(alice)] == ["your digest is ready"]
    assert followup.message is not None and not followup.message.ephemeral

    await harness.click(alice, followup.message, "Archive")
    assert (await harness.wait_for("callback")).response_type == CALLBACK_DEFERRED_UPDATE
    await harness.wait_for("edit_original")
    archived = harness.current_message(followup.message)
    assert archived.content == "archived" and archived.buttons == []
    assert harness.calls_of("command_sync")


async def test_injected_failure_surfaces_as_bot_error(harness: DiscordHarness) -> None:
    alice = harness.add_user("alice")
    harness.fail_next("callback")
    await harness.slash(alice, "hello")

    with pytest.raises(BotError, match="Unknown interaction"):
        await harness.wait_for("followup", timeout=2)


async def test_late_callback_gets_unknown_interaction() -> None:
    async with DiscordHarness(DemoBot(), callback_deadline=0.0) as h:
        alice = h.add_user("alice")
        await h.slash(alice, "hello")
        assert "Unknown interaction" in await h.wait_for_error()
        assert [call.status for call in h.calls_of("callback")] == [404]


async def test_harness_refuses_what_a_user_cannot_do(harness: DiscordHarness) -> None:
    alice, bob = harness.add_user("alice"), harness.add_user("bob")
    await harness.slash(alice, "hello")
    await harness.wait_for("callback")
    message = harness.last_response(alice)

    with pytest.raises(HarnessError, match="no button"):
        await harness.click(alice, message, "v1:nope")
    with pytest.raises(HarnessError, match="ephemeral"):
        await harness.click(bob, message, "v1:hi:0")
    with pytest.raises(HarnessError, match="no options"):
        await harness.select(alice, message, "colour", ["purple"])
    with pytest.raises(HarnessError, match="needs option"):
        await harness.slash(alice, "upload")
    with pytest.raises(HarnessError, match="no slash command"):
        await harness.slash(alice, "batch delete")


async def test_discord_refuses_a_long_modal_title_and_a_select_of_26_options(
    harness: DiscordHarness,
) -> None:
    alice = harness.add_user("alice")
    assert len(LongTitledModal.title) > 45

    await harness.slash(alice, "story")
    assert "50035" in await harness.wait_for_error()
    await harness.slash(alice, "labels")
    assert "50035" in await harness.wait_for_error()

    assert [call.status for call in harness.calls_of("callback")] == [400, 400]
    with pytest.raises(HarnessError, match="never showed a modal"):
        harness.last_modal(alice)
    with pytest.raises(HarnessError, match="has not answered"):
        harness.last_response(alice)


async def test_a_bot_that_connects_itself_gets_events_on_the_gateway_websocket() -> None:
    bot = DemoBot()
    async with DiscordHarness(bot, login=False) as h:
        running = h.run(bot.start("a-token-for-the-fake"))
        session = await h.wait_until_connected()

        assert session.identify["token"] == "a-token-for-the-fake"
        assert session.identify["intents"] == discord.Intents.default().value
        assert session.heartbeats >= 1, "discord.py beats at once after HELLO"
        alice = h.add_user("alice")
        await h.slash(alice, "hello")
        assert (await h.wait_for("callback")).response_type == CALLBACK_MESSAGE
        assert h.last_response(alice).content == "Hello!"

        await bot.close()
        await running
        assert session.closed
