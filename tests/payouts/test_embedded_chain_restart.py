"""A payout run killed on the embedded chain is finished by the next `payouts run`.

The embedded chain lives in the process's memory, so the run's transactions die with it. The
next `microtasks payouts run` starts a new embedded chain, adopts the open run, abandons the
transactions that can never be mined now, and pays their payouts on the new chain: each member
is paid once, on the chain that exists, and the ledger agrees.

Three members, batched: the treasury deploys Disperse (transaction 1), approves it (2) and pays
everyone in one batch (3).
"""

from __future__ import annotations

import signal

from storage import ledger
from storage import payouts as store
from tests.payouts.commands import cli, look, members_owed, microtasks
from tests.payouts.conftest import tokens

OWED = [tokens("5"), tokens("3.25"), tokens("1")]


def test_a_run_killed_on_the_embedded_chain_is_paid_on_the_next_one() -> None:
    members = members_owed(OWED)

    # Killed once the batch carrying every payout is signed and stored, before it is sent.
    code, output = microtasks("payouts", "run", "--yes", crash_at="after_sign:3")
    assert code == -signal.SIGKILL, output
    [crashed] = look(store.run_summaries)
    assert (crashed.run.state, crashed.in_flight, crashed.paid) == ("open", len(OWED), 0)
    vanished = crashed.run.chain_key

    code, output = cli("payouts", "run", "--yes")

    assert code == 0, output
    assert "finishing open run 1 first" in output
    assert "abandoned 1 transaction left unfinished on an earlier embedded chain" in output
    assert f"paid {len(OWED)} of {len(OWED)} payouts, 9.25 DEMO" in output
    assert "run 1 finished" in output
    assert "Nobody is owed a payout" in output  # and no second run was started

    [run] = look(store.run_summaries)
    assert (run.run.state, run.paid, run.paid_total, run.refunded) == (
        "finished",
        len(OWED),
        sum(OWED),
        0,
    )
    current = run.run.chain_key
    assert current != vanished
    *done, left = look(lambda db: store.txs_of(db, vanished))
    assert [tx.state for tx in done] == ["confirmed"] * len(done)  # Disperse, its approval
    assert left.state == "abandoned"  # signed, never sent: it can never be mined now
    confirmed = {tx.mined_hash for tx in look(lambda db: store.txs_of(db, current))}
    for line in look(lambda db: store.run_lines(db, 1)):
        assert line.payout.state == "paid" and line.tx_hash in confirmed

    paid = look(store.ledger_paid_by_profile)
    for member, units in zip(members, OWED, strict=True):
        assert paid[member.profile_id] == units  # one debit each, never a second
        assert look(lambda db, m=member: ledger.balance(db, m.profile_id)) == 0
    assert look(store.paid_by_address) == {m.address: u for m, u in zip(members, OWED, strict=True)}
