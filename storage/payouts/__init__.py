"""Payout runs, payouts, their transactions and the nonce counter: every payout SQL statement.

The state machine (docs/payouts.md has the whole argument):

    payout:  queued --(signed into a transaction)--> sending --(confirmed, status 1)--> paid
                ^                                       |
                +---(reverted / nonce used elsewhere)---+
             queued --(cannot be paid)--> refunded   (a payout_refund ledger row re-credits it)

    transaction:  signed -> sent -> mined -> confirmed | reverted | dropped
                  (abandoned: sent to an embedded chain that no longer exists)

Each arrow is one database transaction, and each is guarded by the state it leaves, so doing a
step twice (after a crash) changes nothing the second time.
"""

from __future__ import annotations

from storage.payouts.reports import (
    PayoutLine,
    ledger_is_empty,
    ledger_paid_by_profile,
    paid_by_address,
    paid_to,
    run_lines,
    run_summaries,
    txs_of,
    txs_of_run,
)
from storage.payouts.rows import (
    EMBEDDED_PREFIX,
    FINAL,
    PAYOUT_COLUMNS,
    RUN_COLUMNS,
    TX_COLUMNS,
    UNRESOLVED,
    Candidate,
    Message,
    NewTx,
    Payout,
    PayoutConflict,
    Run,
    RunSummary,
    Signed,
    Tx,
    TxVersion,
)
from storage.payouts.runs import (
    candidates,
    finish_runs,
    get_run,
    in_flight_total,
    mark_single,
    open_runs,
    payout_ref,
    payouts_of_run,
    plan,
    queued_for_banned,
    queued_payouts,
    refund,
    start_run,
)
from storage.payouts.transactions import (
    Outcome,
    abandon_vanished_chains,
    add_version,
    allocate_nonce,
    confirm,
    contract_address,
    contract_tx_state,
    fail,
    mark_sent,
    record_mined,
    record_outcomes,
    record_unmined,
    store_tx,
    unresolved_txs,
)

__all__ = [
    "EMBEDDED_PREFIX",
    "FINAL",
    "PAYOUT_COLUMNS",
    "RUN_COLUMNS",
    "TX_COLUMNS",
    "UNRESOLVED",
    "Candidate",
    "Message",
    "NewTx",
    "Outcome",
    "Payout",
    "PayoutConflict",
    "PayoutLine",
    "Run",
    "RunSummary",
    "Signed",
    "Tx",
    "TxVersion",
    "abandon_vanished_chains",
    "add_version",
    "allocate_nonce",
    "candidates",
    "confirm",
    "contract_address",
    "contract_tx_state",
    "fail",
    "finish_runs",
    "get_run",
    "in_flight_total",
    "ledger_is_empty",
    "ledger_paid_by_profile",
    "mark_sent",
    "mark_single",
    "open_runs",
    "paid_by_address",
    "paid_to",
    "payout_ref",
    "payouts_of_run",
    "plan",
    "queued_for_banned",
    "queued_payouts",
    "record_mined",
    "record_outcomes",
    "record_unmined",
    "refund",
    "run_lines",
    "run_summaries",
    "start_run",
    "store_tx",
    "txs_of",
    "txs_of_run",
    "unresolved_txs",
]
