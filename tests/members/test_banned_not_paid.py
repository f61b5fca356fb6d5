"""A banned member's balance waits in the ledger: payouts leave them out until the ban is lifted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from typer.testing import CliRunner

from microtasks.cli import app
from storage import ledger, schema
from storage.database import Database
from tests.payouts.conftest import Member, crowd, tokens

T = TypeVar("T")
EMBEDDED_CHAIN_ID = 131277322940537
DATABASE = Path("data/microtasks.db")


def with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        await schema.upgrade(DATABASE)
        db = await Database.open(DATABASE)
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(main())


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "220"})
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def balance(member: Member) -> int:
    return with_db(lambda db: ledger.balance(db, member.profile_id))


def test_a_banned_member_is_left_out_of_payouts_until_unbanned() -> None:
    ada, cheat = with_db(lambda db: crowd(db, EMBEDDED_CHAIN_ID, [tokens("4"), tokens("9")]))
    assert cli("members", "ban", "telegram:member1", "--reason", "gold answers copied")[0] == 0

    code, planned = cli("payouts", "plan")
    assert code == 0, planned
    assert ada.address in planned and cheat.address not in planned
    assert "total: 1 member, 4 DEMO" in planned

    code, paid = cli("payouts", "run", "--yes")
    assert code == 0 and "paid 1 of 1 payout, 4 DEMO" in paid, paid
    assert (balance(ada), balance(cheat)) == (0, tokens("9"))

    assert cli("members", "unban", "telegram:member1")[0] == 0

    code, planned = cli("payouts", "plan")
    assert code == 0 and cheat.address in planned and "total: 1 member, 9 DEMO" in planned
    code, paid = cli("payouts", "run", "--yes")
    assert code == 0 and "paid 1 of 1 payout, 9 DEMO" in paid, paid
    assert balance(cheat) == 0


async def test_a_member_banned_after_the_run_was_planned_is_not_paid(db: Database) -> None:
    from microtasks.settings import Settings
    from storage.bans import ban
    from storage.notifications import unsent
    from wallet.payouts.service import open_payouts

    ada, cheat = await crowd(db, EMBEDDED_CHAIN_ID, [tokens("4"), tokens("9")])
    settings = Settings(database_url=f"sqlite:///{DATABASE}")
    async with open_payouts(settings, db) as payouts:
        with payouts.locked():
            run = await payouts.start()
            assert run is not None
            assert await ledger.balance(db, cheat.profile_id) == 0, "debited with the run"
            await ban(db, cheat.profile_id, "gold answers copied", None, 1.0)
            progress = await payouts.execute()

    assert progress.refunded == 1
    assert await ledger.balance(db, ada.profile_id) == 0, "ada was paid"
    assert await ledger.balance(db, cheat.profile_id) == tokens("9"), "back in the balance"
    told = {(n.profile_id, n.key) for n in await unsent(db, "telegram")}
    assert (cheat.profile_id, "payout.refunded") in told
    assert (ada.profile_id, "payout.paid") in told
