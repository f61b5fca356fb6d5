"""Moderators override reviews; a member appeals once and another moderator decides."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from bots.conversation.i18n import Translator
from microtasks.cli import app
from storage.database import Database
from storage.ledger import balance, entries
from tasks.engine import TaskEngine
from tasks.kinds import Kind, VoiceAnswer
from tasks.problems import InputError
from tasks.review_queue import ReviewQueue
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member


async def a_pending_text_answer(db: Database) -> tuple[int, int]:
    await active_batch(db, Kind.text, items=1, overlap=1, reward=Decimal("1"))
    engine = TaskEngine(db, clock=ManualClock())
    author = await member(db, "author")
    task = await engine.next_task(author)
    assert task is not None
    receipt = await engine.submit(author, task.token, "A prompt about volcanoes for kids")
    assert receipt.answer_id is not None
    return author.profile_id, receipt.answer_id


async def test_a_rejection_appealed_and_overturned_by_another_moderator(db: Database) -> None:
    author, answer = await a_pending_text_answer(db)
    first, second = (await member(db, "mod1")).profile_id, (await member(db, "mod2")).profile_id
    queue = ReviewQueue(db, clock=ManualClock())

    assert [e.answer_id for e in await queue.pending()] == [answer]
    assert (
        await queue.decide(answer, accepted=False, moderator_id=first, reason="too vague")
        == "rejected"
    )
    await queue.appeal(author, answer, "It is specific: volcanoes, for kids.")
    with pytest.raises(InputError, match="appealed already"):
        await queue.appeal(author, answer, "again")
    with pytest.raises(InputError, match="another moderator decides"):
        await queue.decide_appeal(answer, overturn=True, moderator_id=first)
    for accepted in (True, False):  # nor by deciding the answer again (/accept, /reject)
        with pytest.raises(InputError, match="another moderator decides"):
            await queue.decide(answer, accepted=accepted, moderator_id=first, reason="still vague")

    assert await queue.decide_appeal(answer, overturn=True, moderator_id=second) == "accepted"
    assert await balance(db, author) == 10**18
    assert await queue.pending() == []


async def test_an_upheld_appeal_keeps_the_rejection_and_says_so(db: Database) -> None:
    author, answer = await a_pending_text_answer(db)
    moderator = (await member(db, "mod")).profile_id
    queue = ReviewQueue(db, clock=ManualClock())
    await queue.decide(answer, accepted=True, moderator_id=moderator)
    assert await balance(db, author) == 10**18
    await queue.decide(answer, accepted=False, moderator_id=moderator, reason="plagiarised")
    assert await balance(db, author) == 0, "the credit was reversed"

    await queue.appeal(author, answer, "I wrote it myself")
    await queue.decide_appeal(
        answer, overturn=False, moderator_id=(await member(db, "m2")).profile_id
    )

    keys = [
        row[0]
        for row in await db.fetch_all(
            "SELECT key FROM notifications WHERE profile_id = ? ORDER BY id", (author,)
        )
    ]
    assert keys == ["quality.accepted", "quality.rejected", "appeal.upheld"]
    assert await balance(db, author) == 0


async def test_only_your_own_rejected_answer_can_be_appealed(db: Database) -> None:
    author, answer = await a_pending_text_answer(db)
    stranger = (await member(db, "stranger")).profile_id
    queue = ReviewQueue(db, clock=ManualClock())

    with pytest.raises(InputError, match="was not rejected"):
        await queue.appeal(author, answer, "why")
    with pytest.raises(InputError, match="you have no answer"):
        await queue.appeal(stranger, answer, "why")


def test_the_ledger_and_review_commands(upgraded_database) -> None:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    code, _, err = run("ledger", "grant", "console:ada", "5", "--reason", "prize")
    assert code == 2 and "no such user 'console:ada'" in err

    run("db", "upgrade")
    import sqlite3

    conn = sqlite3.connect(upgraded_database)
    conn.execute("INSERT INTO profiles (display_name) VALUES ('ada')")
    conn.execute(
        "INSERT INTO accounts (profile_id, platform, external_id) VALUES (1, 'console', 'ada')"
    )
    conn.commit()

    code, out, _ = run("ledger", "grant", "console:ada", "2.5", "--reason", "launch prize")
    assert code == 0 and "balance 2.5" in out
    code, out, _ = run("ledger", "grant", "--reason", "correction", "--", "1", "-0.5")
    assert code == 0 and "balance 2" in out
    code, out, _ = run("ledger", "show", "console:ada")
    assert code == 0 and "launch prize" in out and "correction" in out
    code, _, err = run("ledger", "grant", "1", "lots", "--reason", "x")
    assert code == 2 and "amount must be a number of tokens" in err
    code, out, _ = run("review", "list")
    assert code == 0 and "nothing is waiting for a decision" in out


def test_review_list_shows_a_recording_as_a_recording_not_as_a_dict(isolated_environment) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    async def a_recording_waiting_for_review() -> None:
        db = await Database.open(isolated_environment / "data" / "microtasks.db")
        try:
            await active_batch(db, Kind.voice, items=1, overlap=1, title="Read aloud")
            engine = TaskEngine(db, clock=ManualClock())
            reader = await member(db, "reader")
            task = await engine.next_task(reader)
            assert task is not None
            await engine.submit(reader, task.token, VoiceAnswer("data/voice/ab12.ogg", 2.5))
        finally:
            await db.close()

    asyncio.run(a_recording_waiting_for_review())
    result = runner.invoke(app, ["review", "list"])
    assert result.exit_code == 0
    assert "recording, 2.5 s: ab12.ogg" in result.stdout
    assert "{'file'" not in result.stdout


async def test_accepting_an_answer_twice_tells_its_author_once(db: Database) -> None:
    author, answer = await a_pending_text_answer(db)
    moderator = (await member(db, "mod")).profile_id
    queue = ReviewQueue(db, clock=ManualClock())

    assert await queue.decide(answer, accepted=True, moderator_id=moderator) == "accepted"
    assert await queue.decide(answer, accepted=True, moderator_id=moderator) == "accepted"

    keys = await db.fetch_all("SELECT key FROM notifications WHERE profile_id = ?", (author,))
    assert [row[0] for row in keys] == ["quality.accepted"]
    assert await balance(db, author) == 10**18, "and credited once"


async def test_rejecting_an_answer_twice_tells_its_author_once(db: Database) -> None:
    author, answer = await a_pending_text_answer(db)
    moderator = (await member(db, "mod")).profile_id
    queue = ReviewQueue(db, clock=ManualClock())

    for _ in range(2):
        assert (
            await queue.decide(answer, accepted=False, moderator_id=moderator, reason="off topic")
            == "rejected"
        )

    keys = await db.fetch_all("SELECT key FROM notifications WHERE profile_id = ?", (author,))
    assert [row[0] for row in keys] == ["quality.rejected"]


async def test_an_answer_accepted_again_is_said_in_words_on_the_ledger(db: Database) -> None:
    author, answer = await a_pending_text_answer(db)
    first, second = (await member(db, "mod1")).profile_id, (await member(db, "mod2")).profile_id
    queue = ReviewQueue(db, clock=ManualClock())
    await queue.decide(answer, accepted=True, moderator_id=first)
    await queue.decide(answer, accepted=False, moderator_id=first, reason="copied")
    await queue.appeal(author, answer, "I wrote it myself")
    await queue.decide_appeal(answer, overturn=True, moderator_id=second)

    newest = (await entries(db, author, 1))[0]
    assert Translator("en").key_or_text(newest.reason or "") == "answer accepted again"
    assert Translator("ru").key_or_text(newest.reason or "") == "ответ снова принят"
    assert await balance(db, author) == 10**18
