"""Moderators run batches with /batch; everybody else is refused."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bots.conversation.core import Conversation
from bots.discord.adapter import DiscordAdapter
from bots.discord.config import DiscordConfig
from storage.database import Database
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.discord.conftest import WATCHED
from tests.discord.people import agree, press, run, run_slow, write
from tests.support.discord_harness import (
    CALLBACK_DEFERRED_MESSAGE,
    DiscordHarness,
    FakeUser,
    MessageView,
    RoleSpec,
)
from tests.tasks.builders import PETS_FILE as GOOD
from tests.tasks.builders import PETS_FILE_WITH_ERRORS as BAD
from tests.tasks.builders import active_batch

REVIEWED = QualitySettings(review_overlap=1, review_reward=Decimal("0.5"))


async def test_a_moderator_imports_a_bad_then_a_good_file_and_starts_it(
    discord_chat: DiscordHarness, db: Database
) -> None:
    mod = discord_chat.add_user("mod", roles=["Moderator"])

    sent = await discord_chat.slash(mod, "batch import", file=("pets.jsonl", BAD))
    deferred = await discord_chat.wait_for("callback", interaction=sent)
    assert deferred.response_type == CALLBACK_DEFERRED_MESSAGE, "acknowledged before the work"
    await discord_chat.wait_for("followup", interaction=sent)
    refused = discord_chat.last_response(mod)
    assert refused.content.splitlines() == [
        "Nothing was imported from pets.jsonl:",
        'pets.jsonl:3: duplicate item id "p1" (first on line 2)',
    ]
    assert refused.ephemeral and not refused.loading
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0

    imported = await run_slow(discord_chat, mod, "batch import", file=("pets.jsonl", GOOD))
    assert imported.content == (
        "Imported batch 1 (choice, 2 items) as a draft: Cats or dogs. "
        "Start it with /batch activate 1."
    )

    started = await run(discord_chat, mod, "batch activate", batch=1)
    assert started.content == "Batch #1 is now active."
    assert [b.label for b in started.buttons] == ["Get a task"]
    listed = await run(discord_chat, mod, "batch list")
    assert listed.content.splitlines() == ["Batches:", "#1 Cats or dogs — choice, active, 0% done"]


async def test_a_moderator_follows_progress_and_exports_a_file(
    discord_chat: DiscordHarness, db: Database
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = discord_chat.add_user("ada")
    mod = discord_chat.add_user("mod", roles=["Moderator"])
    await press(discord_chat, ada, await agree(discord_chat, ada), "yes")

    progress = await run(discord_chat, mod, "batch show", batch=batch_id)
    assert "Answers: 1 of 2 (50%)" in progress.content

    sent = await discord_chat.slash(mod, "batch export", batch=batch_id, format="csv")
    assert (await discord_chat.wait_for("callback", interaction=sent)).response_type == (
        CALLBACK_DEFERRED_MESSAGE
    )
    delivered = await discord_chat.wait_for("followup", interaction=sent)

    [export] = delivered.files
    assert export.filename == f"batch-{batch_id}.csv"
    header, row = export.data.decode().splitlines()
    assert header.startswith("batch_id,batch_title,kind,item_id")
    assert row.startswith(f"{batch_id},choice batch,choice,i") and ",yes," in row
    shown = discord_chat.last_response(mod)
    assert shown.attachments[0]["filename"] == f"batch-{batch_id}.csv"


async def test_a_member_without_the_role_is_refused(
    discord_chat: DiscordHarness, db: Database
) -> None:
    bob = discord_chat.add_user("bob")

    listed = await run(discord_chat, bob, "batch list")
    imported = await run_slow(discord_chat, bob, "batch import", file=("pets.jsonl", GOOD))
    paused = await run(discord_chat, bob, "batch pause", batch=1)

    for reply in (listed, imported, paused):
        assert reply.content == "Sorry, only moderators can do that." and reply.ephemeral
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0


async def test_the_moderator_role_is_the_one_configured(
    conversation: Conversation, config: DiscordConfig, db: Database
) -> None:
    staffed = DiscordAdapter(conversation, replace(config, moderator_role="Staff"))
    roles = (RoleSpec("Staff"), RoleSpec("Moderator"))
    async with DiscordHarness(staffed.client, roles=roles, watch_loggers=WATCHED) as chat:
        staff = chat.add_user("staff", roles=["Staff"])
        other = chat.add_user("other", roles=["Moderator"])

        assert (await run(chat, staff, "batch list")).content.startswith("No batches yet.")
        assert (await run(chat, other, "batch list")).content == (
            "Sorry, only moderators can do that."
        )


async def test_members_named_in_the_moderators_setting_moderate_without_the_role(
    conversation: Conversation, config: DiscordConfig, db: Database
) -> None:
    async with DiscordHarness(
        DiscordAdapter(conversation, config).client, watch_loggers=WATCHED
    ) as chat:
        lead = chat.add_user("lead")
        named = replace(conversation.services, moderator_ids=frozenset({f"discord:{lead.id}"}))
        staffed = Conversation(named, throttle=conversation.throttle)
        await chat.restart(DiscordAdapter(staffed, config).client)

        imported = await run_slow(chat, lead, "batch import", file=("pets.jsonl", GOOD))

        assert imported.content.startswith("Imported batch 1 (choice, 2 items) as a draft")
        bob = chat.add_user("bob")
        assert (await run(chat, bob, "batch list")).content == (
            "Sorry, only moderators can do that."
        )


async def test_a_moderator_decides_a_text_answer_waiting_for_review(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, quality=REVIEWED)
    ada = discord_chat.add_user("ada")
    mod = discord_chat.add_user("mod", roles=["Moderator"])
    task = await agree(discord_chat, ada)
    await press(discord_chat, ada, task, "✏️ Write answer", later=0)
    box = discord_chat.last_modal(ada)
    await write(discord_chat, ada, box.custom_id, "Rain over the hills.")

    waiting = await run(discord_chat, mod, "review list")
    assert waiting.content.splitlines()[0] == "🗂 Waiting for a decision:"
    answer_id = await db.fetch_value("SELECT id FROM answers")
    assert f"#{answer_id}" in waiting.content

    decided = await run(discord_chat, mod, "review reject", answer=answer_id, reason="off topic")
    assert decided.content == f"Answer #{answer_id} is now not accepted."
    history = await run(discord_chat, ada, "history")
    assert history.content.splitlines()[0] == "🧾 Your latest answers:"
    assert "not accepted (off topic)" in history.content
    assert (await run(discord_chat, ada, "review list")).content == (
        "Sorry, only moderators can do that."
    )


async def member(chat: DiscordHarness, who: FakeUser, step: str, **options: str) -> MessageView:
    """`/member ban` or `/member unban` (whose `user` option is the member acted on)."""
    sent = await chat.slash(who, f"member {step}", **options)
    await chat.wait_for("callback", interaction=sent)
    return chat.last_response(who)


async def test_a_moderator_bans_a_member_with_member_ban_and_the_member_is_told_by_dm(
    discord_chat: DiscordHarness, adapter: DiscordAdapter, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    spam = discord_chat.add_user("spam")
    mod = discord_chat.add_user("mod", roles=["Moderator"])
    await agree(discord_chat, spam)
    user = f"discord:{spam.id}"

    refused = await member(discord_chat, spam, "ban", user=user, reason="test")
    assert refused.content == "Sorry, only moderators can do that."
    banned = await member(discord_chat, mod, "ban", user=user, reason="posts ads")

    number = await db.fetch_value(
        "SELECT profile_id FROM accounts WHERE platform = 'discord' AND external_id = ?",
        (str(spam.id),),
    )
    assert banned.content == (
        f"🚫 Spam (member {number}) is banned: posts ads. They have been told; their task was"
        " given back, and they get no tasks, payouts or new-batch notices until /member unban."
    )
    assert banned.ephemeral
    assert await adapter.deliver_owed() == 1
    [notice] = discord_chat.dm_messages(spam)
    assert notice.content.startswith("⛔ A moderator has suspended your account")
    assert "Reason: posts ads." in notice.content
    suspended = await run(discord_chat, spam, "task")
    assert suspended.content.startswith("⛔ Your account is suspended") and not suspended.buttons

    lifted = await member(discord_chat, mod, "unban", user=user)
    assert lifted.content == f"✅ Spam (member {number}) is no longer banned, and has been told."
    assert await adapter.deliver_owed() == 1
    assert discord_chat.dm_messages(spam)[-1].content == (
        "✅ Your suspension has been lifted: you can take tasks again with /task."
    )
