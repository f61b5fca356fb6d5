"""Moderators import, run and export batches from the chat; members cannot."""

from __future__ import annotations

import json

from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from tasks.kinds import Kind
from tests.tasks.builders import PETS_FILE as GOOD
from tests.tasks.builders import PETS_FILE_WITH_ERRORS as BAD
from tests.tasks.builders import active_batch


async def test_a_moderator_imports_a_bad_then_a_good_file(db: Database, make_user) -> None:
    mod = make_user("900")  # listed in the moderator ids

    await mod.upload("pets.jsonl", BAD)
    assert mod.text.splitlines() == [
        "Nothing was imported from pets.jsonl:",
        'pets.jsonl:3: duplicate item id "p1" (first on line 2)',
    ]
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0

    await mod.upload("pets.jsonl", GOOD)
    assert mod.text == (
        "Imported batch 1 (choice, 2 items) as a draft: Cats or dogs. Start it with /activate 1."
    )
    await mod.send("/activate 1")
    assert mod.text == "Batch #1 is now active." and mod.button("Get a task")
    await mod.send("/batches")
    assert mod.text.splitlines() == ["Batches:", "#1 Cats or dogs — choice, active, 0% done"]


async def test_a_moderator_follows_progress_and_exports(db: Database, make_user) -> None:
    batch_id = await active_batch(db, Kind.choice, items=2, overlap=1)
    ada, mod = make_user("ada"), make_user("900")
    await ada.send("/start")
    await ada.press("I agree")
    await ada.press("yes")

    await mod.send(f"/progress {batch_id}")
    assert "Answers: 1 of 2 (50%)" in mod.text
    await mod.send(f"/export {batch_id}")
    (exported,) = mod.last.files
    assert exported.filename == "batch-1.jsonl"
    row = json.loads(exported.content)
    assert row["value"] == "yes" and "ada" not in exported.content.decode()
    await mod.send(f"/export {batch_id} csv")
    assert mod.last.files[0].filename == "batch-1.csv"

    await mod.send("/pause")
    assert mod.text == "Give the batch number, for example: /pause 3"
    await mod.send("/close 1")
    await mod.send("/resume 1")
    assert mod.text == "batch 1 is closed; resume works on a batch that is paused"


async def test_members_are_refused_politely(db: Database, make_user) -> None:
    ada = make_user("ada")

    for line in ("/batches", "/activate 1", "/export 1"):
        await ada.send(line)
        assert ada.text == "Sorry, only moderators can do that."
    await ada.upload("pets.jsonl", GOOD)
    assert ada.text == "Sorry, only moderators can do that."
    assert await db.fetch_value("SELECT count(*) FROM batches") == 0


async def test_a_moderator_role_in_the_database_counts_too(db: Database, make_user) -> None:
    account = await ensure_account(db, Platform.discord, "77")
    await set_role(db, account.profile_id, Role.moderator)
    mod = make_user("77", platform="discord")

    await mod.send("/batches")

    assert mod.text == "No batches yet. Send a .jsonl batch file to import one."


async def test_a_moderator_uploading_the_same_file_twice_gets_one_batch(
    db: Database, make_user
) -> None:
    mod = make_user("900")
    await mod.upload("pets.jsonl", GOOD)

    await mod.upload("pets.jsonl", GOOD)

    assert mod.text == (
        "pets.jsonl is the same as batch #1, imported already: nothing imported. To import it"
        " again anyway, run on the server: microtasks batch import --allow-duplicate pets.jsonl"
    )
    assert await db.fetch_value("SELECT count(*) FROM batches") == 1
    await mod.upload("pets.jsonl", GOOD.replace(b"Cats or dogs", b"Cats or dogs, again"))
    assert mod.text.startswith("Imported batch 2 (choice, 2 items)")
