"""The daily digest's chart reaches moderators on Telegram (a photo in the private chat) and on
Discord (a direct message with the picture attached), next to the digest text from the outbox."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from bots.discord.adapter import DiscordAdapter
from bots.discord.config import DiscordConfig
from microtasks.settings import Settings
from microtasks.wiring import build_conversation
from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from tests.clock import ManualClock
from tests.discord.conftest import WATCHED
from tests.scheduler.conftest import at, runner
from tests.scheduler.test_digest import PNG, label_everything
from tests.support.discord_harness import DiscordHarness
from tests.support.telegram_api import FakeTelegramServer
from tests.tasks.builders import active_batch

CAPTION = "Answers per hour, 2026-06-01"


async def a_busy_morning(db: Database, clock: ManualClock) -> None:
    clock.now = at("2026-06-01 06:00")
    batch = await active_batch(db, items=2, overlap=2)
    await label_everything(db, clock, batch, ["ann", "ben"])
    clock.now = at("2026-06-01 08:00:20")


async def made_moderator(db: Database, platform: Platform, external_id: int) -> None:
    account = await ensure_account(db, platform, str(external_id), display_name="Moe")
    await set_role(db, account.profile_id, Role.moderator)


async def test_a_telegram_moderator_gets_the_chart_as_a_photo_in_the_private_chat(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    start_bot,
    member,
    server: FakeTelegramServer,
) -> None:
    await a_busy_morning(db, clock)
    moe = member("Moe", started=True)
    await made_moderator(db, Platform.telegram, moe.id)

    async with start_bot(outbox_interval=0.05) as bot:
        outcome = await runner(settings, db, clock, adapters=[bot]).run_now("digest")
        text = await server.wait_for("sendMessage", lambda c: c.params["chat_id"] == moe.id)

        assert outcome.ok and "1 chart sent" in outcome.summary, outcome.summary
        [photo] = [c for c in server.calls("sendPhoto") if c.params["chat_id"] == moe.id]
        assert photo.ok and photo.params["caption"] == CAPTION
        assert photo.files["photo"].filename == "digest-2026-06-01.png"
        assert photo.files["photo"].content.startswith(PNG)
        assert "Answers in the last 24 hours: 4" in text.params["text"]

        chart = Path(settings.data_dir) / "digests" / "digest-2026-06-01.png"
        await bot.send_image(str(moe.id), chart, "a long caption " * 100)
        longest = server.calls("sendPhoto")[-1]
        assert longest.ok and len(longest.params["caption"]) == 1024, "cut to Telegram's limit"
        assert longest.params["caption"].endswith("…")


async def test_a_discord_moderator_gets_the_chart_attached_to_a_direct_message(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    await a_busy_morning(db, clock)
    config = DiscordConfig(token=SecretStr("not-a-real-token"), data_dir=settings.data_dir)
    adapter = DiscordAdapter(build_conversation(settings, db), config)
    async with DiscordHarness(adapter.client, watch_loggers=WATCHED) as chat:
        moe = chat.add_user("moe")
        await made_moderator(db, Platform.discord, moe.id)

        outcome = await runner(settings, db, clock, adapters=[adapter]).run_now("digest")
        assert await adapter.deliver_owed() == 1

        assert outcome.ok and "1 chart sent" in outcome.summary, outcome.summary
        picture, digest = chat.dm_messages(moe)
        assert picture.content == CAPTION
        assert [a["filename"] for a in picture.attachments] == ["digest-2026-06-01.png"]
        [sent] = [call for call in chat.calls_of("message_send") if call.files]
        assert sent.files[0].data.startswith(PNG)
        assert "Answers in the last 24 hours: 4" in digest.content
