"""Who may decide from the shell: `--as` follows the chat's rule (role, MODERATORS, bans), and
nobody decides their own answer."""

from __future__ import annotations

from typer.testing import CliRunner

from microtasks.cli import app
from storage import bans
from storage.database import Database
from storage.identity import Platform, find_account
from storage.ledger import balance
from storage.quality import answer_facts
from tests.quality.test_moderation_and_appeals import a_pending_text_answer
from tests.support.cli_db import with_db
from tests.tasks.builders import member


def microtasks(*args: str, moderators: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"MODERATORS": moderators})
    return result.exit_code, result.stdout, result.stderr


def alices_pending_answer() -> tuple[int, int]:
    """alice (console:author) wrote a text answer waiting for review; bob is another member."""
    assert microtasks("db", "upgrade")[0] == 0

    async def work(db: Database) -> tuple[int, int]:
        await member(db, "bob")
        return await a_pending_text_answer(db)

    return with_db(work)


def status_of(answer_id: int) -> str:
    async def work(db: Database) -> str:
        facts = await db.read(lambda raw: answer_facts(raw, answer_id))
        assert facts is not None
        return facts.status

    return with_db(work)


def test_a_plain_member_cannot_accept_their_own_answer_or_reject_another() -> None:
    author, answer = alices_pending_answer()

    code, _, err = microtasks("review", "accept", str(answer), "--as", "console:author")
    assert code == 2
    assert err.strip() == (
        "microtasks: --as console:author is a member, not a moderator or admin:"
        " only they may do this"
    )
    code, _, err = microtasks(
        "review", "reject", str(answer), "--as", "console:bob", "--reason", "vague"
    )
    assert code == 2 and "console:bob is a member, not a moderator" in err

    assert status_of(answer) == "pending"
    assert with_db(lambda db: balance(db, author)) == 0


def test_a_moderator_in_moderators_decides_without_having_chatted() -> None:
    _, answer = alices_pending_answer()

    code, out, err = microtasks(
        "review",
        "reject",
        str(answer),
        "--as",
        "console:mod",
        "--reason",
        "vague",
        moderators="console:mod",
    )

    assert (code, err) == (0, "")
    assert out.strip() == f"answer {answer} is now rejected"
    assert status_of(answer) == "rejected"


def test_a_moderator_does_not_decide_their_own_answer() -> None:
    author, answer = alices_pending_answer()

    code, _, err = microtasks(
        "review", "accept", str(answer), "--as", "console:author", moderators="console:author"
    )

    assert code == 2
    assert err.strip() == f"microtasks: answer {answer} is your own: another moderator decides it"
    assert status_of(answer) == "pending"
    assert with_db(lambda db: balance(db, author)) == 0


def test_unban_follows_moderators_and_a_banned_moderator_acts_no_more() -> None:
    alices_pending_answer()
    code, _, err = microtasks("members", "ban", "console:bob", "--reason", "ads")
    assert code == 0, err

    code, out, err = microtasks(
        "members", "unban", "console:bob", "--as", "console:mod", moderators="console:mod"
    )
    assert (code, out.strip()) == (0, "unbanned console:bob"), err

    assert microtasks("members", "ban", "console:mod", "--reason", "abuse")[0] == 0
    code, _, err = microtasks(
        "members",
        "ban",
        "console:bob",
        "--reason",
        "x",
        "--as",
        "console:mod",
        moderators="console:mod",
    )
    assert code == 2
    assert err.strip() == (
        "microtasks: --as console:mod is banned, not a moderator or admin: only they may do this"
    )
    bob = with_db(lambda db: find_account(db, Platform.console, "bob"))
    assert bob is not None
    assert with_db(lambda db: bans.ban_of(db, bob.profile_id)) is None


def test_a_rejection_from_the_shell_must_say_why() -> None:
    _, answer = alices_pending_answer()

    code, _, err = microtasks(
        "review", "reject", str(answer), "--as", "console:mod", moderators="console:mod"
    )
    assert code == 2 and "Missing option '--reason'" in err
    code, _, err = microtasks(
        "review",
        "reject",
        str(answer),
        "--reason",
        " ",
        "--as",
        "console:mod",
        moderators="console:mod",
    )
    assert code == 2
    assert (
        err.strip()
        == "microtasks: --reason: say why the answer is not accepted; the member reads it"
    )
    assert status_of(answer) == "pending"
