"""What the operator reads about payouts: run summaries, lines, totals paid."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from storage import ledger
from storage.database import Database
from storage.payouts.rows import (
    PAYOUT_COLUMNS,
    RUN_COLUMNS,
    TX_COLUMNS,
    Payout,
    RunSummary,
    Tx,
    _payout,
    _run,
    _tx,
)
from storage.payouts.transactions import (
    _chain_txs,
)

# Status


async def run_summaries(
    db: Database, run_id: int | None = None, limit: int = 20
) -> list[RunSummary]:
    """The newest runs (or one run) with their payouts counted and summed by state."""

    def job(raw: sqlite3.Connection) -> list[RunSummary]:
        runs = raw.execute(
            f"SELECT {RUN_COLUMNS} FROM payout_runs"
            + (" WHERE id = ?" if run_id is not None else "")
            + " ORDER BY id DESC LIMIT ?",
            (run_id, limit) if run_id is not None else (limit,),
        ).fetchall()
        summaries = []
        for run in map(_run, runs):
            rows = raw.execute(
                "SELECT state, amount FROM payouts WHERE run_id = ?", (run.id,)
            ).fetchall()
            states = [row[0] for row in rows]
            summaries.append(
                RunSummary(
                    run,
                    payouts=len(rows),
                    total=sum(int(row[1]) for row in rows),
                    paid=states.count("paid"),
                    paid_total=sum(int(row[1]) for row in rows if row[0] == "paid"),
                    refunded=states.count("refunded"),
                    in_flight=states.count("sending"),
                    queued=states.count("queued"),
                )
            )
        return summaries

    return await db.read(job)


@dataclass(frozen=True)
class PayoutLine:
    """A payout as `payouts status RUN` shows it."""

    payout: Payout
    display_name: str
    tx_hash: str | None  # the version that was mined, or the newest one sent


async def run_lines(db: Database, run_id: int) -> list[PayoutLine]:
    rows = await db.fetch_all(
        f"SELECT {', '.join('p.' + c for c in PAYOUT_COLUMNS.split(', '))}, pr.display_name,"
        " coalesce(t.mined_hash, (SELECT v.hash FROM payout_tx_versions v WHERE v.tx_id = t.id"
        "  ORDER BY v.signed_at DESC, v.rowid DESC LIMIT 1)) AS tx_hash"
        " FROM payouts p JOIN profiles pr ON pr.id = p.profile_id"
        " LEFT JOIN payout_txs t ON t.id = p.tx_id WHERE p.run_id = ? ORDER BY p.id",
        (run_id,),
    )
    return [PayoutLine(_payout(row), row["display_name"], row["tx_hash"]) for row in rows]


async def txs_of_run(db: Database, run_id: int) -> list[Tx]:
    def job(raw: sqlite3.Connection) -> list[Tx]:
        rows = raw.execute(
            f"SELECT {', '.join('t.' + c for c in TX_COLUMNS.split(', '))} FROM payout_txs t"
            " WHERE t.id IN (SELECT l.tx_id FROM payout_tx_payouts l JOIN payouts p"
            " ON p.id = l.payout_id WHERE p.run_id = ?) ORDER BY t.nonce",
            (run_id,),
        ).fetchall()
        return [_tx(raw, row) for row in rows]

    return await db.read(job)


async def txs_of(db: Database, chain_key: str, kind: str | None = None) -> list[Tx]:
    """Every transaction recorded for a chain (of one kind), by sender and nonce."""
    return await db.read(lambda raw: _chain_txs(raw, chain_key, kind=kind))


async def paid_by_address(db: Database, chain_key: str | None = None) -> dict[str, int]:
    """Units paid (confirmed on chain) to each address, over every run (of one chain)."""
    rows = await db.fetch_all(
        "SELECT p.address, p.amount FROM payouts p JOIN payout_runs r ON r.id = p.run_id"
        " WHERE p.state = 'paid'" + (" AND r.chain_key = ?" if chain_key else ""),
        (chain_key,) if chain_key else (),
    )
    paid: dict[str, int] = {}
    for address, amount in rows:
        paid[address] = paid.get(address, 0) + int(amount)
    return paid


async def ledger_paid_by_profile(db: Database) -> dict[int, int]:
    """What the ledger says was paid out to each member: payout debits minus their refunds."""
    rows = await db.fetch_all(
        "SELECT profile_id, sum(amount_hi), sum(amount_lo) FROM ledger"
        " WHERE cause IN ('payout', 'payout_refund') GROUP BY profile_id"
    )
    return {row[0]: -ledger.join(row[1], row[2]) for row in rows}


async def ledger_is_empty(db: Database) -> bool:
    return await db.fetch_one("SELECT 1 FROM ledger LIMIT 1") is None


def paid_to(raw: sqlite3.Connection, profile_id: int) -> list[tuple[int, str]]:
    """A member's paid payouts, oldest first: (amount in units, transaction hash)."""
    rows = raw.execute(
        "SELECT p.amount, t.mined_hash FROM payouts p JOIN payout_txs t ON t.id = p.tx_id"
        " WHERE p.profile_id = ? AND p.state = 'paid' ORDER BY p.paid_at, p.id",
        (profile_id,),
    ).fetchall()
    return [(int(row[0]), row[1]) for row in rows]
