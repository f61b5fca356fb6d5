"""A moderator bans a spammer from the shell, lists who is banned, and lifts the ban."""

from __future__ import annotations

from typer.testing import CliRunner

from microtasks.cli import app
from storage import bans
from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from tests.support.cli_db import with_db

WIDE = {"COLUMNS": "200"}


def microtasks(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=WIDE)
    return result.exit_code, result.stdout, result.stderr


def community() -> dict[str, int]:
    """spam and ada the members, mo a moderator, root an admin: their profile numbers."""
    assert microtasks("db", "upgrade")[0] == 0

    async def work(db: Database) -> dict[str, int]:
        ids = {}
        for name, role in (
            ("spam", Role.member),
            ("ada", Role.member),
            ("mo", Role.moderator),
            ("root", Role.admin),
        ):
            account = await ensure_account(db, Platform.telegram, name, display_name=name)
            await set_role(db, account.profile_id, role)
            ids[name] = account.profile_id
        return ids

    return with_db(work)


def test_a_moderator_bans_a_spammer_and_later_lifts_the_ban() -> None:
    ids = community()

    code, out, _ = microtasks(
        "members", "ban", "telegram:spam", "--reason", "posting ads", "--as", "telegram:mo"
    )
    assert code == 0 and out.strip() == "banned telegram:spam: posting ads"
    ban = with_db(lambda db: bans.ban_of(db, ids["spam"]))
    assert ban is not None and (ban.reason, ban.banned_by) == ("posting ads", ids["mo"])

    code, out, _ = microtasks("members", "list", "--banned")
    assert code == 0
    [row] = [line for line in out.splitlines() if "telegram:" in line]
    assert "spam" in row and "posting ads" in row and str(ids["mo"]) in row
    code, everyone, _ = microtasks("members", "list")
    assert all(f"telegram:{name}" in everyone for name in ("spam", "ada", "mo", "root"))

    code, out, _ = microtasks("members", "unban", str(ids["spam"]), "--as", "telegram:root")
    assert code == 0 and out.strip() == f"unbanned {ids['spam']}"
    assert with_db(lambda db: bans.ban_of(db, ids["spam"])) is None
    assert microtasks("members", "list", "--banned")[1].strip() == "nobody is banned"

    events = with_db(lambda db: bans.history(db, ids["spam"]))
    assert [(e.action, e.reason, e.acted_by) for e in events] == [
        ("ban", "posting ads", ids["mo"]),
        ("unban", None, ids["root"]),
    ]


def test_only_a_moderator_or_admin_bans_and_nobody_bans_an_admin() -> None:
    ids = community()

    code, _, err = microtasks(
        "members", "ban", "telegram:spam", "--reason", "I dislike them", "--as", "telegram:ada"
    )
    assert code == 2
    assert err.strip() == (
        "microtasks: --as telegram:ada is a member, not a moderator or admin: only they may do this"
    )
    code, _, err = microtasks(
        "members", "ban", "telegram:root", "--reason", "coup", "--as", "telegram:mo"
    )
    assert code == 2
    assert err.strip() == "microtasks: telegram:root is an admin: an admin cannot be banned"
    code, _, err = microtasks("members", "ban", "telegram:spam", "--reason", "  ")
    assert code == 2 and err.strip() == "microtasks: a ban must say why: the member is told"
    code, _, err = microtasks("members", "ban", "telegram:nobody", "--reason", "spam")
    assert code == 2 and "no such user 'telegram:nobody'" in err

    assert microtasks("members", "list", "--banned")[1].strip() == "nobody is banned"
    assert with_db(lambda db: bans.history(db, ids["root"])) == []


def test_banning_twice_or_unbanning_someone_not_banned_changes_nothing() -> None:
    ids = community()

    assert microtasks("members", "ban", "telegram:spam", "--reason", "bots")[0] == 0
    code, out, _ = microtasks("members", "ban", "telegram:spam", "--reason", "other")
    assert code == 0 and "telegram:spam is banned already, since " in out and ": bots" in out
    code, out, _ = microtasks("members", "unban", "telegram:ada")
    assert code == 0 and out.strip() == "telegram:ada is not banned: nothing to lift"

    events = with_db(lambda db: bans.history(db, ids["spam"]))
    assert [(e.action, e.reason, e.acted_by) for e in events] == [("ban", "bots", None)]
    assert with_db(lambda db: bans.history(db, ids["ada"])) == []


def test_a_member_named_in_moderators_is_listed_as_a_moderator_by_that_setting() -> None:
    community()
    result = CliRunner().invoke(
        app, ["members", "list"], env={**WIDE, "MODERATORS": "telegram:ada"}
    )

    assert result.exit_code == 0, result.stderr
    [ada] = [line for line in result.stdout.splitlines() if "telegram:ada" in line]
    [spam] = [line for line in result.stdout.splitlines() if "telegram:spam" in line]
    assert "moderator (MODERATORS)" in ada and "MODERATORS" not in spam
