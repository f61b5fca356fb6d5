"""An operator plans, runs and follows payouts from the command line, on the embedded chain."""

from __future__ import annotations

import re

from storage import ledger
from storage.notifications import unsent
from tests.payouts.commands import cli, look, members_owed
from tests.payouts.conftest import tokens


def test_plan_run_and_status_on_the_embedded_chain() -> None:
    ada, bob = members_owed([tokens("12.5"), tokens("3")])

    code, planned = cli("payouts", "plan")
    assert code == 0, planned
    assert "member0" in planned and ada.address in planned and "12.5" in planned
    assert "total: 2 members, 15.5 DEMO" in planned

    code, dry = cli("payouts", "run", "--dry-run")
    assert code == 0 and "dry run: nothing was written or sent" in dry
    code, declined = cli("payouts", "run", answer="n\n")
    assert code == 0 and "Pay 2 members now?" in declined and "nothing was paid" in declined
    assert "No payout runs yet" in cli("payouts", "status")[1]
    assert look(lambda db: ledger.balance(db, ada.profile_id)) == tokens("12.5")

    code, paid = cli("payouts", "run", "--yes")
    assert code == 0, paid
    assert "paid 2 of 2 payouts, 15.5 DEMO" in paid and "run 1 finished" in paid

    code, runs = cli("payouts", "status")
    assert code == 0 and re.search(r"1\s+│\s+finished", runs), runs
    code, detail = cli("payouts", "status", "1")
    assert code == 0
    assert re.search(
        rf"member0\s+│\s+{ada.address}\s+│\s+12\.5\s+│\s+paid\s+│\s+0x[0-9a-f]{{64}}", detail
    )
    assert bob.address in detail

    assert look(lambda db: ledger.balance(db, ada.profile_id)) == 0
    assert look(lambda db: ledger.balance(db, bob.profile_id)) == 0
    told = look(lambda db: unsent(db, "telegram"))
    assert sorted((n.profile_id, n.key, n.params["amount"]) for n in told) == [
        (ada.profile_id, "payout.paid", "12.5"),
        (bob.profile_id, "payout.paid", "3"),
    ]

    code, again = cli("payouts", "run", "--yes")
    assert code == 0 and "Nobody is owed a payout" in again


def test_status_of_a_run_that_does_not_exist_says_how_to_find_one() -> None:
    members_owed([])
    code, output = cli("payouts", "status", "99")
    assert code == 2
    assert "no payout run 99; `microtasks payouts status` lists the runs" in output
