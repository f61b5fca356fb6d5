"""An operator grants points from the shell, in an admin's name or as the operator."""

from __future__ import annotations

from typer.testing import CliRunner

from microtasks.cli import app
from storage import ledger
from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from tests.support.cli_db import with_db

runner = CliRunner()


def microtasks(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def people() -> tuple[int, int, int]:
    """ada the member, mo a moderator and root an admin; their profile numbers."""
    assert microtasks("db", "upgrade")[0] == 0

    async def work(db: Database) -> tuple[int, int, int]:
        ids = []
        for name, role in (("ada", Role.member), ("mo", Role.moderator), ("root", Role.admin)):
            account = await ensure_account(db, Platform.console, name, display_name=name)
            await set_role(db, account.profile_id, role)
            ids.append(account.profile_id)
        return ids[0], ids[1], ids[2]

    return with_db(work)


def ledger_of(profile_id: int) -> list[ledger.Entry]:
    return with_db(lambda db: ledger.entries(db, profile_id))


def test_a_grant_in_someones_name_needs_an_admin() -> None:
    ada, _, root = people()

    for impostor, role in (("console:mo", "moderator"), ("console:ada", "member")):
        code, _, err = microtasks(
            "ledger", "grant", "console:ada", "5", "--reason", "prize", "--as", impostor
        )
        assert code == 2
        assert err.strip() == (
            f"microtasks: --as {impostor} is a {role}, not an admin: only an admin may do this"
        )
    assert ledger_of(ada) == []

    code, out, _ = microtasks(
        "ledger", "grant", "console:ada", "5", "--reason", "prize", "--as", "console:root"
    )

    assert code == 0 and "granted 5 to console:ada: balance 5" in out
    [row] = ledger_of(ada)
    assert (row.amount > 0, row.reason, row.created_by) == (True, "prize", root)


def test_a_grant_without_a_name_is_recorded_as_the_operators() -> None:
    ada, _, _ = people()

    code, out, _ = microtasks("ledger", "grant", "console:ada", "1.5", "--reason", "launch")

    assert code == 0 and "balance 1.5" in out
    [row] = ledger_of(ada)
    assert (row.reason, row.created_by) == ("launch", None)
    help_text = " ".join(microtasks("ledger", "grant", "--help")[1].split())
    assert "operator" in help_text and "admin role" in help_text


def test_a_grant_beyond_the_tokens_range_is_refused_naming_the_largest() -> None:
    ada, _, _ = people()

    for amount in ("1e30", "-1e30"):
        code, _, err = microtasks("ledger", "grant", "--reason", "x", "--", "console:ada", amount)
        assert code == 2
        assert err.strip() == (
            f"microtasks: amount {amount} is beyond the token's range:"
            " the largest accepted is 4611686018427.387903999999999999"
        )
    code, _, err = microtasks("ledger", "grant", "console:ada", "inf", "--reason", "x")
    assert code == 2 and "amount must be a number of tokens" in err
    assert ledger_of(ada) == []

    largest = "4611686018427.387903999999999999"
    assert microtasks("ledger", "grant", "console:ada", largest, "--reason", "x")[0] == 0
    code, _, err = microtasks("ledger", "grant", "console:ada", "1", "--reason", "x")
    assert code == 2 and f"the most is {largest}" in err
    assert len(ledger_of(ada)) == 1
