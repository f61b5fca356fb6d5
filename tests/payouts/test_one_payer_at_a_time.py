"""Only one process pays from a database at a time, and one that finds another paying writes
nothing: no run, no ledger debit. The lock is held from the first write to the last, so no
other process can come between a new run and its payment."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from microtasks.settings import load_settings
from storage import ledger
from storage import payouts as store
from storage.database import Database
from tests.payouts.commands import DATABASE, EMBEDDED_CHAIN_ID, cli, look, members_owed
from tests.payouts.conftest import crowd, tokens
from wallet.payouts.lock import PayoutsBusy, lock_path
from wallet.payouts.service import open_payouts

HOLD_THE_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("holding", flush=True)
sys.stdin.read()
"""


@contextmanager
def another_process_paying(database: Path) -> Iterator[None]:
    """A process holding the payout lock of `database` (as a payout run in progress does)."""
    lock = lock_path(database)
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        yield
    finally:
        holder.communicate("", timeout=10)


def test_a_run_while_another_is_paying_writes_nothing_and_says_so() -> None:
    ada, bob = members_owed([tokens("4"), tokens("2")])

    with another_process_paying(DATABASE):
        code, output = cli("payouts", "run", "--yes")

    assert code == 1, output
    assert "another payout run is in progress on this database" in output
    assert "nothing was written or sent" in output
    assert "started" not in output
    assert look(store.run_summaries) == []
    assert look(lambda db: ledger.balance(db, ada.profile_id)) == tokens("4")
    assert look(lambda db: ledger.balance(db, bob.profile_id)) == tokens("2")

    code, output = cli("payouts", "run", "--yes")  # once the other process is done
    assert code == 0, output
    assert "run 1 started" in output and "paid 2 of 2 payouts, 6 DEMO" in output


async def test_the_scheduled_payout_waits_its_turn_too(db: Database, db_path: Path) -> None:
    [ada] = await crowd(db, EMBEDDED_CHAIN_ID, [tokens("3")])
    settings = load_settings(database_url=f"sqlite:///{db_path}")

    async with open_payouts(settings, db) as payouts:
        with (
            another_process_paying(db_path),
            pytest.raises(PayoutsBusy, match="nothing was written or sent"),
        ):
            await payouts.pay()
        assert await store.run_summaries(db) == []
        assert await ledger.balance(db, ada.profile_id) == tokens("3")

        progress = await payouts.pay()
    assert (progress.paid, progress.total) == (1, 1)
    assert await ledger.balance(db, ada.profile_id) == 0
