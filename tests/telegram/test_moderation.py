"""Moderators run batches from the private chat: send a batch file, activate, export a document.
Moderators are the MODERATORS ids and the administrators of the community chat; nobody else."""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from bots.conversation.context import Services
from bots.conversation.core import Conversation
from bots.conversation.display import BIDI_CONTROLS
from bots.conversation.i18n import catalog
from bots.conversation.throttle import Throttle
from bots.telegram.adapter import TelegramAdapter
from bots.telegram.config import TelegramConfig
from storage.database import Database
from tasks.batch_file import Limits
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.support.telegram_api import FakeTelegramServer, button_texts
from tests.tasks.builders import active_batch
from tests.telegram.conftest import running
from tests.telegram.member import text_of

HEADER = {
    "kind": "choice",
    "title": "Cats or dogs",
    "instructions": "Which?",
    "labels": ["cat", "dog"],
    "overlap": 1,
}
GOOD = "\n".join(
    json.dumps(line)
    for line in ({"batch": HEADER}, {"id": "p1", "text": "meow"}, {"id": "p2", "text": "woof"})
).encode()
BAD = GOOD.replace(b'"p2"', b'"p1"')


async def test_a_moderator_imports_a_bad_then_a_good_file(
    db: Database, bot, mo, server: FakeTelegramServer
) -> None:
    refused = await mo.upload("pets.jsonl", BAD)
    assert text_of(refused).splitlines() == [
        "Nothing was imported from pets.jsonl:",
        'pets.jsonl:3: duplicate item id "p1" (first on line 2)',
    ]
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0

    imported = await mo.upload("pets.jsonl", GOOD)
    assert text_of(imported) == (
        "Imported batch 1 (choice, 2 items) as a draft: Cats or dogs. Start it with /activate 1."
    )
    assert [call.ok for call in server.calls("getFile")] == [True, True]

    active = await mo.send("/activate 1")
    assert text_of(active) == "Batch #1 is now active." and button_texts(active) == ["Get a task"]


async def test_a_moderator_exports_answers_as_a_document(db: Database, bot, mo, member) -> None:
    batch_id = await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = member("Ada")
    await ada.send("/start")
    await ada.press("I agree")
    await ada.press("yes")

    export = await mo.send(f"/export {batch_id}")

    assert export["document"]["file_name"] == f"batch-{batch_id}.jsonl"
    assert export["caption"] == f"Batch #{batch_id}: 1 answer."
    content = mo.server.file_content(export["document"]["file_id"])
    assert json.loads(content)["value"] == "yes" and b"Ada" not in content


async def test_a_member_is_refused_moderator_commands_and_uploads(
    db: Database, bot, member, server: FakeTelegramServer
) -> None:
    ada, olga = member("Ada"), member("Olga", "ru")

    for line in ("/batches", "/activate 1", "/export 1"):
        assert text_of(await ada.send(line)) == "Sorry, only moderators can do that."
    assert text_of(await ada.upload("pets.jsonl", GOOD)) == "Sorry, only moderators can do that."
    assert text_of(await olga.upload("pets.jsonl", GOOD)) == (
        "Извините, это доступно только модераторам."
    )
    assert server.calls("getFile") == [] and server.calls("download") == [], "never downloaded"
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0


async def test_a_batch_file_over_the_size_limit_is_refused_before_it_is_downloaded(
    db: Database, services: Services, config: TelegramConfig, mo, server: FakeTelegramServer
) -> None:
    small = replace(services, batch_limits=Limits(max_file_bytes=1_000_000))
    conversation = Conversation(small, throttle=Throttle(rate=1000, burst=1000))
    big = GOOD + b"\n" * 1_500_000

    async with running(TelegramAdapter(conversation, config)):
        refused = await mo.upload("big.jsonl", big)
        imported = await mo.upload("pets.jsonl", GOOD)

    assert text_of(refused).splitlines() == [
        "Nothing was imported from big.jsonl:",
        "big.jsonl:1: the file is 1.51 MB; the most is 1 MB (the BATCH_MAX_FILE_MB setting)",
    ]
    assert text_of(imported).startswith("Imported batch 1 (choice, 2 items)")
    assert len(server.calls("getFile")) == 1, "only the file within the limit was fetched"


async def test_an_administrator_of_the_community_chat_moderates_too(
    bot, member, server: FakeTelegramServer
) -> None:
    carol, dan = member("Carol"), member("Dan")
    server.set_member(server.group, carol.user, "administrator")

    assert text_of(await carol.send("/batches")).startswith("No batches yet.")
    assert text_of(await carol.send("/progress 1")) == "there is no batch 1"
    assert text_of(await dan.send("/batches")) == "Sorry, only moderators can do that."
    assert len(server.calls("getChatAdministrators")) == 1, "looked up once, then cached"


async def test_when_the_administrators_cannot_be_read_nobody_moderates_by_that_route(
    bot, member, mo, server: FakeTelegramServer, caplog
) -> None:
    carol = member("Carol")
    server.set_member(server.group, carol.user, "administrator")
    server.fail_next("getChatAdministrators", 400, "Bad Request: chat not found")

    assert text_of(await carol.send("/batches")) == "Sorry, only moderators can do that."
    assert text_of(await mo.send("/batches")).startswith("No batches yet."), "MODERATORS still"
    assert [r.fields["error"] for r in caplog.records if r.msg == "telegram.admins_unavailable"]


def _moderator_menu_calls(server: FakeTelegramServer, user_id: int) -> list[str | None]:
    """The languages of the setMyCommands calls that set a menu for a user's private chat."""
    return [
        call.params.get("language_code")
        for call in server.calls("setMyCommands")
        if call.ok and call.params.get("scope") == {"type": "chat", "chat_id": user_id}
    ]


async def test_an_administrator_of_the_community_chat_gets_the_moderator_menu_once(
    start_bot, member, server: FakeTelegramServer
) -> None:
    carol, dan = member("Carol"), member("Dan")
    server.set_member(server.group, carol.user, "administrator")
    russian = catalog("ru")

    async with start_bot(admins_ttl=0):  # every message looks the administrators up again
        await carol.send("/batches")
        await server.wait_until(lambda: len(_moderator_menu_calls(server, carol.id)) == 3)
        await carol.send("/batches")
        await dan.send("/help")

    assert len(server.calls("getChatAdministrators")) == 3
    assert _moderator_menu_calls(server, carol.id) == [None, "en", "ru"], "set once"
    carols = server.commands("ru", scope={"type": "chat", "chat_id": carol.id})
    assert {"command": "export", "description": russian["help.export"]} in carols
    assert server.commands("ru", scope={"type": "chat", "chat_id": dan.id}) == []


async def test_an_administrator_who_never_opened_the_bot_gets_the_menu_at_a_later_lookup(
    start_bot, member, server: FakeTelegramServer, caplog
) -> None:
    ada, eve = member("Ada"), member("Eve")
    server.set_member(server.group, eve.user, "administrator")

    async with start_bot(admins_ttl=0):
        server.fail_next("setMyCommands", 400, "Bad Request: chat not found")
        await ada.send("/help")
        await server.wait_until(lambda: not server.calls("setMyCommands")[-1].ok)
        assert _moderator_menu_calls(server, eve.id) == []
        await ada.send("/help")
        await server.wait_until(lambda: len(_moderator_menu_calls(server, eve.id)) == 3)

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], "quietly"


async def test_a_members_words_reach_the_moderator_without_bidi_controls(
    db: Database, bot, mo, member
) -> None:
    await active_batch(
        db, Kind.text, items=1, overlap=1, quality=QualitySettings(review_overlap=1), title="Tips"
    )
    eve = member("Eve")
    await eve.send("/start")
    await eve.press("I agree")
    await eve.send("harmless \u202eexe.txt\u202c tip")

    queue = text_of(await mo.send("/reviews"))

    assert "harmless exe.txt tip" in queue
    assert not [c for c in queue if c in BIDI_CONTROLS]
